"""Web addresses and UK phone numbers in the assistant's words, as links.

The page's script (static/chat.js, `linkParts`) uses the same patterns, so
a reply looks the same with or without JavaScript. Only http(s) addresses
and digits become links; everything else stays plain text, and the page
escapes all of it (Jinja autoescape), so a message can never add HTML.
"""

import re
from dataclasses import dataclass

# A web address; or a UK number: 10 or 11 digits starting 0 (spaces or
# dashes between), 116 xxx helplines, 999 and 111. No look-behind (old
# phone browsers lack it in JavaScript): a number must follow the start or
# a character that is not a letter, digit or "+".
LINKABLE = re.compile(
    r"(https?://[^\s<>\"']+|www\.[^\s<>\"']+)"
    r"|(^|[^\w+])(0\d(?:[ -]?\d){8,9}|116 ?\d{3}|999|111)(?!\w)"
)
TRAILING = re.compile(r"[.,;:!?]+$")


@dataclass
class Part:
    text: str
    href: str = ""
    new_tab: bool = False


def _address(found: str) -> tuple[str, str]:
    """(the address, what follows it) with sentence punctuation given back."""
    tail = TRAILING.search(found)
    cut = tail.start() if tail else len(found)
    if found[cut - 1:cut] == ")" and "(" not in found[:cut]:
        cut -= 1
    return found[:cut], found[cut:]


def link_parts(text: str) -> list[Part]:
    parts: list[Part] = []
    position = 0
    for match in LINKABLE.finditer(text):
        if match.group(1):
            address, rest = _address(match.group(1))
            href = address if address.lower().startswith("http") else "https://" + address
            parts += [Part(text[position:match.start()]), Part(address, href, True), Part(rest)]
        else:
            number = match.group(3)
            parts += [Part(text[position:match.start(3)]),
                      Part(number, "tel:" + re.sub(r"\D", "", number))]
        position = match.end()
    parts.append(Part(text[position:]))
    return [part for part in parts if part.text]
