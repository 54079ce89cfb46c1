// The family hub chat on a council's own site, added with one tag:
//   <script src="https://CHAT-SITE/chat/widget.js" async></script>
// It adds a "Chat with us" button; the chat itself opens in an iframe of
// CHAT-SITE/chat?embed=1, so its cookie and styles stay its own. The site
// must be listed in WIDGET_ALLOWED_ORIGINS, or the browser will not show it.
(function () {
  "use strict";
  var config = /*CONFIG*/null;
  var script = document.currentScript;
  if (!config || !script || document.getElementById("familyhub-chat-button")) { return; }
  var origin = new URL(script.src, window.location.href).origin;
  var words = config.words;
  var returnFocus = null;

  function styles(element, values) {
    // Set one by one (CSSOM), so a site's Content-Security-Policy that
    // blocks inline style attributes does not block these.
    for (var name in values) { element.style[name] = values[name]; }
  }

  function focusRing(element) {
    element.addEventListener("focus", function () {
      styles(element, { outline: "3px solid #fd0", outlineOffset: "0", boxShadow: "0 0 0 6px #0b0c0c" });
    });
    element.addEventListener("blur", function () { styles(element, { outline: "", boxShadow: "" }); });
  }

  var buttonStyle = {
    font: "700 1.0625rem/1.25 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    minHeight: "2.75rem", padding: "0.5rem 1rem", borderRadius: "0.25rem", cursor: "pointer",
    border: "2px solid #0b0c0c"
  };

  var open = document.createElement("button");
  open.type = "button";
  open.id = "familyhub-chat-button";
  open.textContent = words.web_chat_open;
  open.setAttribute("aria-expanded", "false");
  open.setAttribute("aria-controls", "familyhub-chat-panel");
  styles(open, buttonStyle);
  styles(open, { position: "fixed", right: "1rem", bottom: "1rem", zIndex: "2147483646",
                 background: "#1d3b5c", color: "#fff" });
  focusRing(open);

  var panel = document.createElement("div");
  panel.id = "familyhub-chat-panel";
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", words.chat_page_title);
  panel.hidden = true;
  styles(panel, { position: "fixed", zIndex: "2147483647", background: "#fff", border: "2px solid #0b0c0c",
                   boxShadow: "0 0.25rem 1rem rgba(0,0,0,0.3)", display: "none", flexDirection: "column" });

  var close = document.createElement("button");
  close.type = "button";
  close.textContent = words.web_chat_close;
  styles(close, buttonStyle);
  styles(close, { alignSelf: "flex-end", margin: "0.25rem", background: "#f3f2f1", color: "#0b0c0c" });
  focusRing(close);

  var frame = null;

  function place() {
    // Small screens and big zoom: the chat takes the whole window.
    var small = window.matchMedia("(max-width: 40em), (max-height: 40em)").matches;
    styles(panel, small
      ? { top: "0", left: "0", right: "0", bottom: "0", width: "auto", height: "auto", maxHeight: "none" }
      : { top: "auto", left: "auto", right: "1rem", bottom: "4.5rem", width: "25rem", height: "40rem", maxHeight: "calc(100vh - 6rem)" });
  }

  function show() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.name = "familyhub-chat";  // tells the chat it is in this widget
      frame.src = origin + "/chat?embed=1";
      frame.title = words.chat_page_title;
      styles(frame, { border: "0", flex: "1 1 auto", width: "100%", minHeight: "0" });
      panel.appendChild(frame);
    }
    returnFocus = document.activeElement;
    place();
    panel.hidden = false;
    styles(panel, { display: "flex" });
    open.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function hide() {
    panel.hidden = true;
    styles(panel, { display: "none" });
    open.setAttribute("aria-expanded", "false");
    (returnFocus && returnFocus.focus ? returnFocus : open).focus();
  }

  open.addEventListener("click", function () { if (panel.hidden) { show(); } else { hide(); } });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { hide(); }
  });
  window.addEventListener("resize", function () { if (!panel.hidden) { place(); } });

  // "Leave quickly" inside the chat: take it off this page and go, with
  // replace() so Back does not return here.
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) { return; }
    if (event.data && event.data.type === "familyhub-chat:leave") {
      panel.parentNode.removeChild(panel);
      open.parentNode.removeChild(open);
      window.location.replace(config.leaveUrl);
    }
  });

  panel.appendChild(close);
  function add() {
    document.body.appendChild(open);
    document.body.appendChild(panel);
  }
  if (document.body) { add(); } else { document.addEventListener("DOMContentLoaded", add); }
})();
