// Web chat: the page works as a plain form; this makes it a chat. Words are
// only ever put on the page with textContent and createElement, never parsed
// as HTML, so nothing a message says can run as code or add elements.
(function () {
  "use strict";
  var app = document.getElementById("chat-app");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var list = document.getElementById("messages");
  var chat = document.getElementById("chat");
  var notice = document.getElementById("notice");
  var problem = document.getElementById("problem");
  var announcer = document.getElementById("announcer");
  var sending = document.getElementById("sending");
  if (!app || !form || !input || !list || !window.fetch) { return; }

  var words = JSON.parse(app.getAttribute("data-words") || "{}");
  var leaveUrl = app.getAttribute("data-leave-url");
  var talkPayload = app.getAttribute("data-talk");
  var quietMs = Math.min(parseInt(app.getAttribute("data-quiet-seconds"), 10) * 1000 || 0, 2147483647);
  var busy = false;
  var quietTimer = null;
  var lastEscape = 0;

  // Same patterns as api/chat/links.py: web addresses, and UK numbers
  // (10-11 digits from 0, 116 xxx, 999, 111) not inside a longer word.
  var LINKABLE = /(https?:\/\/[^\s<>"']+|www\.[^\s<>"']+)|(^|[^\w+])(0\d(?:[ -]?\d){8,9}|116 ?\d{3}|999|111)(?!\w)/g;

  function link(text, href, newTab) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (newTab) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = " " + words.web_chat_new_tab;
      a.appendChild(note);
    }
    return a;
  }

  function addLinked(parent, text) {
    var position = 0;
    var match;
    LINKABLE.lastIndex = 0;
    while ((match = LINKABLE.exec(text)) !== null) {
      if (match[1]) {
        var address = match[1].replace(/[.,;:!?]+$/, "");
        if (address.charAt(address.length - 1) === ")" && address.indexOf("(") < 0) {
          address = address.slice(0, -1);
        }
        parent.appendChild(document.createTextNode(text.slice(position, match.index)));
        parent.appendChild(link(address, /^http/i.test(address) ? address : "https://" + address, true));
        position = match.index + address.length;
        LINKABLE.lastIndex = position;
      } else {
        var start = match.index + match[2].length;
        parent.appendChild(document.createTextNode(text.slice(position, start)));
        parent.appendChild(link(match[3], "tel:" + match[3].replace(/\D/g, ""), false));
        position = start + match[3].length;
      }
    }
    parent.appendChild(document.createTextNode(text.slice(position)));
  }

  function removeChoices() {
    var old = list.querySelectorAll(".choices");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }

  function choices(buttons) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", words.web_chat_choices);
    buttons.forEach(function (button) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.className = "choice";
      choice.value = button.payload;
      choice.textContent = button.title;
      group.appendChild(choice);
    });
    return group;
  }

  function show(who, text, buttons) {
    var item = document.createElement("li");
    item.className = "message " + who;
    var name = document.createElement("span");
    name.className = "who";
    name.textContent = who === "family" ? words.web_chat_you : words.web_chat_assistant;
    var body = document.createElement("p");
    body.className = "text";
    if (who === "assistant") { addLinked(body, text); } else { body.textContent = text; }
    item.appendChild(name);
    item.appendChild(body);
    if (buttons && buttons.length) { item.appendChild(choices(buttons)); }
    list.appendChild(item);
    return item;
  }

  function scrollToEnd(item) {
    if (chat.scrollHeight > chat.clientHeight) { chat.scrollTop = chat.scrollHeight; }
    if (item && item.scrollIntoView) { item.scrollIntoView({ block: "nearest" }); }
  }

  function say(region, text) {
    // Emptied first, so the same words are read out again if repeated.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function clearScreen() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    problem.textContent = "";
  }

  function restartQuietTimer() {
    if (quietTimer) { window.clearTimeout(quietTimer); }
    if (!quietMs) { return; }
    // After the quiet time the api starts a new chat: say so, and take the
    // old one off the screen. What is in the box is left alone.
    quietTimer = window.setTimeout(function () {
      if (list.firstChild) {
        clearScreen();
        say(notice, words.web_chat_earlier_ended);
      }
    }, quietMs);
  }

  function failed(item, sent, message) {
    item.className += " not-sent";
    if (!input.value) { input.value = sent; }
    say(problem, (message || words.assistant_unavailable) + " " + words.web_chat_not_sent);
  }

  function send(text, shownAs, quickReply) {
    if (busy || !text.trim()) { return; }
    busy = true;
    problem.textContent = "";
    notice.textContent = "";
    var item = show("family", shownAs || text);
    if (!quickReply) { input.value = ""; }
    sending.hidden = false;
    scrollToEnd(item);
    fetch("/chat/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(quickReply ? { text: text, quick_reply: true } : { text: text })
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data || {} }; });
      })
      .then(function (result) {
        var messages = result.data.messages || [];
        if (!result.ok) {
          failed(item, quickReply ? "" : text, messages.length ? messages[0].text : "");
          return;
        }
        if (result.data.earlier_ended) {
          while (list.firstChild !== item) { list.removeChild(list.firstChild); }
          say(notice, words.web_chat_earlier_ended);
        }
        removeChoices();
        var last = item;
        messages.forEach(function (message) { last = show("assistant", message.text, message.buttons); });
        scrollToEnd(last);
        say(announcer, words.web_chat_assistant + ": " + messages.map(function (m) { return m.text; }).join(" "));
        restartQuietTimer();
      })
      .catch(function () { failed(item, quickReply ? "" : text, ""); })
      .then(function () {
        busy = false;
        sending.hidden = true;
      });
  }

  function leave() {
    // Off the screen at once, then off the server, then away; replace() so
    // the Back button does not come back here.
    clearScreen();
    input.value = "";
    document.title = "";
    try {
      fetch("/chat/forget", { method: "POST", credentials: "same-origin", keepalive: true });
    } catch (ignore) { /* leaving matters more */ }
    if (window.parent !== window && window.name === "familyhub-chat") {
      // In the widget (it names its iframe): the widget takes the whole page away.
      window.parent.postMessage({ type: "familyhub-chat:leave" }, "*");
      return;
    }
    try {
      window.top.location.replace(leaveUrl);
    } catch (ignore) {
      window.location.replace(leaveUrl);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value, null, false);
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(input.value, null, false);
    }
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.choice") : null;
    if (!button) { return; }
    event.preventDefault();
    send(button.value, button.textContent, true);
    input.focus();
  });

  document.getElementById("talk-to-person").addEventListener("click", function (event) {
    event.preventDefault();
    send(talkPayload, words.web_chat_talk_to_person, true);
  });

  document.getElementById("clear-chat").addEventListener("click", function (event) {
    event.preventDefault();
    fetch("/chat/forget", { method: "POST", credentials: "same-origin" })
      .catch(function () { /* the screen is cleared anyway */ })
      .then(function () {
        clearScreen();
        say(notice, words.web_chat_cleared);
        input.focus();
      });
  });

  document.getElementById("leave-quickly").addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var now = Date.now();
    if (now - lastEscape < 1500) { leave(); }
    lastEscape = now;
  });

  // Choices drawn by the server are plain submit buttons: make them chat buttons.
  var drawn = list.querySelectorAll("button.choice");
  for (var i = 0; i < drawn.length; i++) { drawn[i].type = "button"; }
  var jsOnly = document.querySelectorAll(".js-only");
  for (var j = 0; j < jsOnly.length; j++) { jsOnly[j].hidden = false; }
  input.setAttribute("aria-describedby", "problem enter-hint");
  if (list.lastElementChild) { scrollToEnd(list.lastElementChild); }
  if (list.firstChild) { restartQuietTimer(); }

  // When the window changes size (a phone's keyboard opening, turning the
  // phone), someone reading the newest message should still see it; someone
  // who scrolled back to read stays where they are.
  var atEnd = true;
  chat.addEventListener("scroll", function () {
    atEnd = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 24;
  });
  window.addEventListener("resize", function () {
    if (atEnd && list.lastElementChild) { scrollToEnd(list.lastElementChild); }
  });
})();
