"""Web chat: the page families use (and the widget for council sites), and the
routes that pass their messages to Rasa."""
