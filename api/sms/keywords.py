"""The words carriers treat as instructions when they are a whole text."""

import re

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})
# A YES to "reply YES to get texts about the booking" (api.sms.inbound).
YES_WORDS = frozenset({"YES", "Y", "YES PLEASE", "YEAH", "YEP", "YES OK", "OK YES"})


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


def is_yes(text: str) -> bool:
    """The whole text is a plain yes ("Yes", "YES!", "yes please")."""
    words = " ".join(re.sub(r"[^\w\s]|_", " ", text or "").split()).upper()
    return words in YES_WORDS
