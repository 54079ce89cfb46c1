// Live queue: when the server says a referral changed, fetch the table
// again and swap it in. Without JavaScript the page still works: reload it.
(function () {
  var table = document.getElementById("queue-table");
  var live = document.getElementById("queue-live");
  if (!table || !window.EventSource || !window.fetch) { return; }
  var waiting = null;

  function refresh() {
    fetch(table.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; }  // signed out
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        table.innerHTML = html;
        var now = new Date();
        live.textContent = "The queue was updated at " + now.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }) + ".";
      })
      .catch(function () { /* the next event tries again */ });
  }

  var source = new EventSource(table.getAttribute("data-events"));
  source.addEventListener("referral", function () {
    clearTimeout(waiting);
    waiting = setTimeout(refresh, 150);  // several changes at once: one fetch
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
