// Content editor: check the words as they are typed. After a short pause
// the texts go to POST /staff/content/check (with the CSRF header); the
// checks, the previews and the Publish button are updated from the answer.
// Without JavaScript the page still works: "Check and preview" does the
// same on the server, and Publish is always checked on the server too.
(function () {
  var form = document.getElementById("answer-form");
  if (!form || !window.fetch || !window.JSON) { return; }
  var sms = document.getElementById("sms");
  var web = document.getElementById("web");
  var publish = document.getElementById("publish");
  var checks = document.getElementById("checks");
  var status = document.getElementById("check-status");
  var previewSms = document.getElementById("preview-sms");
  var previewWeb = document.getElementById("preview-web");
  var refused = document.getElementById("publish-refused");
  var token = form.querySelector("input[name='csrf_token']").value;
  var waiting = null;
  var latest = 0;

  function canPublish() { return publish.getAttribute("aria-disabled") !== "true"; }

  function setPublish(ok) {
    if (ok) { publish.removeAttribute("aria-disabled"); } else { publish.setAttribute("aria-disabled", "true"); }
  }

  function check() {
    var mine = ++latest;
    fetch(form.getAttribute("data-check"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ key: form.getAttribute("data-key"), sms: sms.value, web: web.value })
    })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; }  // signed out
        return response.ok ? response.json() : null;
      })
      .then(function (result) {
        if (!result || mine !== latest) { return; }  // an older answer: a newer check is on its way
        checks.innerHTML = result.checks_html;  // rendered and escaped by the server
        previewSms.textContent = result.previews.sms;
        previewWeb.textContent = result.previews.web;
        setPublish(result.can_publish);
        status.textContent = result.summary;
        if (result.can_publish) { refused.hidden = true; }
        form.setAttribute("data-checked", String(mine));
      })
      .catch(function () { /* the next change tries again; Publish is checked on the server anyway */ });
  }

  function later() {
    clearTimeout(waiting);
    waiting = setTimeout(check, 300);
  }

  sms.addEventListener("input", later);
  web.addEventListener("input", later);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.id === "publish" && !canPublish()) {
      event.preventDefault();
      refused.hidden = false;
      refused.focus();
    }
  });
})();
