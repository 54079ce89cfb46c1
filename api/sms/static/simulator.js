// SMS simulator: fetch the conversation again every two seconds, so the
// assistant's texts appear as the worker sends them. Without JavaScript
// the page still works: reload it.
(function () {
  var box = document.getElementById("sms-thread");
  var live = document.getElementById("sms-live");
  if (!box || !window.fetch) { return; }

  function count(root) {
    var list = root.querySelector("[data-count]");
    return list ? parseInt(list.getAttribute("data-count"), 10) : 0;
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(box.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; }  // signed out
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var before = count(box);
        var fresh = document.createElement("div");
        fresh.innerHTML = html;
        if (fresh.innerHTML === box.innerHTML) { return; }
        box.innerHTML = fresh.innerHTML;
        var added = count(box) - before;
        if (added > 0) { live.textContent = added === 1 ? "1 new text." : added + " new texts."; }
      })
      .catch(function () { /* try again next time */ });
  }

  setInterval(refresh, 2000);
})();
