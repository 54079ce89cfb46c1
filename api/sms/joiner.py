"""Join the assistant's replies into as few texts as read well.

Rasa often answers with two or three short messages ("Riverside is open
until 5pm." then "Anything else?"). Sent one by one, each costs at least
a segment and buzzes the phone again. Joined with a blank line they often
fit in one segment. Two replies are joined when the joined text costs no
more segments than the two apart (joining 150 and 150 characters: 2 either
way, one buzz instead of two) and stays within MAX_SEGMENTS, so a text is
never a wall of words. A text longer than Twilio takes in one message
(1,600 characters) is split between sentences.
"""

import re

from api.sms.gsm import segments, to_gsm7

SEPARATOR = "\n\n"
MAX_SEGMENTS = 4  # about 600 characters: still one screen on a phone
TWILIO_MAX_CHARS = 1600


def join_replies(replies: list[str]) -> list[str]:
    """The texts to send for one turn, in order, fitted to GSM-7."""
    texts: list[str] = []
    for reply in replies:
        text = to_gsm7((reply or "").strip())
        if not text:
            continue
        if texts:
            joined = texts[-1] + SEPARATOR + text
            cost = segments(joined)
            if cost <= segments(texts[-1]) + segments(text) and cost <= MAX_SEGMENTS:
                texts[-1] = joined
                continue
        texts.append(text)
    return [part for text in texts for part in split_long(text)]


def split_long(text: str, limit: int = TWILIO_MAX_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut after a sentence (or a
    space, or anywhere, if a sentence is itself too long)."""
    parts = []
    while len(text) > limit:
        window = text[:limit]
        cut = max((m.end() for m in re.finditer(r"[.!?]\s+|\n", window)), default=0)
        if cut < limit // 2:
            cut = window.rfind(" ") + 1 or limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts
