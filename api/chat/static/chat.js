// Web chat: send a message, show the replies. Text is always shown with
// textContent, never parsed as HTML, so nothing a message says can run as code.
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var list = document.getElementById("messages");

  function show(text, mine) {
    var item = document.createElement("li");
    item.textContent = text;
    if (mine) { item.className = "mine"; }
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    show(text, true);
    input.value = "";
    fetch("/chat/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ text: text })
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        (data.messages || []).forEach(function (message) { show(message.text, false); });
      })
      .catch(function () { show(form.dataset.unavailable, false); });
  });
})();
