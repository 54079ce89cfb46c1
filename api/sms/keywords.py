"""The words carriers treat as instructions when they are a whole text."""

import re

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})


def keyword(text: str) -> str | None:
    """"stop", "start" or "help" when the whole text is one of those words
    (any capitals, with stray spaces or a full stop); else None. "Please
    stop texting" is a message for the assistant, not a keyword."""
    word = re.sub(r"^[\s\W_]+|[\s\W_]+$", "", text or "").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None
