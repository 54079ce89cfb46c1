"""Fitting text to SMS: GSM-7 look-alikes, and segments counted as carriers do.

One character outside GSM-7 (a curly apostrophe pasted from a phone, a
long dash) turns the whole text into UCS-2: 70 characters a segment
instead of 160, so double the price. `to_gsm7` swaps such characters for
their plain equivalents before a text goes out. What has no equivalent (an
emoji, a letter from another alphabet) is kept: it is what the person
wrote, and costs what it costs.

Counting reuses the plain-language checks (`api.content.plain_language`),
so the content editor and the sender always agree on what a text costs.
"""

import unicodedata

from api.content.plain_language import SmsLength, is_gsm7, shipped_rules, sms_length

# Beyond data/plain_language.yml's character_swaps (what comms paste), the
# look-alikes phones and browsers put in what people type.
MORE_SWAPS = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2015": "-", "\u2043": "-",
    "\u201B": "'", "\u2035": "'", "\u00B4": "'", "\u02BC": "'", "\u02C8": "'", "`": "'",
    "\u201F": '"', "\u2033": '"', "\u00AB": '"', "\u00BB": '"', "\u2039": "'", "\u203A": "'",
    "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202F": " ", "\u2007": " ", "\t": " ",
    "\u200B": "", "\u200C": "", "\u200D": "", "\u2060": "", "\uFEFF": "", "\u00AD": "",
    "\u2028": "\n", "\u2029": "\n",
}


def _plain_letter(char: str) -> str | None:
    """"ë" -> "e", "ç" -> "c": the letter without its accent, if that is GSM-7."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and base != char and all(is_gsm7(c) for c in base) else None


def to_gsm7(text: str) -> str:
    """The text with every character that has a GSM-7 equivalent swapped for it."""
    swaps = shipped_rules().character_swaps
    out = []
    for char in text.replace("\r\n", "\n"):
        if is_gsm7(char):
            out.append(char)
        elif char in swaps:
            out.append(swaps[char])
        elif char in MORE_SWAPS:
            out.append(MORE_SWAPS[char])
        else:
            out.append(_plain_letter(char) or char)
    return "".join(out)


def measure(text: str) -> SmsLength:
    """Encoding, units and segments of a text exactly as it will be sent."""
    return sms_length(text)


def segments(text: str) -> int:
    return sms_length(text).segments
