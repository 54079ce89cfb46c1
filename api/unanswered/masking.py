"""Take personal details out of a family's message before it is kept.

Phone numbers, email addresses, postcodes (a regular expression, plus the
spans the assistant's entity ruler marked as `postcode`) and names people
give ("my name is Jo", "I'm called Sam", "call me Jo") become `[phone]`,
`[email]`, `[postcode]`, `[name]`. Long runs of digits (a reference, a
date of birth, an NHS number) become `[number]`. What is left is the
question itself, which is what comms need to see.
"""

import re

# Entity labels from the spaCy pipeline (bot/build_spacy.py) that are
# personal: a hub, a day or an age is not.
PERSONAL_ENTITIES = {"postcode": "[postcode]"}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# UK numbers: 07700 900123, +44 7700 900123, (01632) 960000, 0044 ...
PHONE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(?0)[\d\s().-]{8,16}\d(?!\d)")
# Full postcodes (FB1 2AB, fb12ab) and the outward code alone (FB1).
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b[A-Z]{1,2}\d{1,2}[A-Z]?\b(?=\s|$|[.,!?])",
                      re.IGNORECASE)
LONG_NUMBER = re.compile(r"\d[\d\s/.-]{4,}\d")
# "my name is Jo Bloggs", "i'm called sam", "call me Jo", "this is Jo", "it's Jo here"
NAME_AFTER = re.compile(
    r"\b(?:my name is|my names|my name's|name is|i am called|i'm called|im called|call me|"
    r"this is|it's|its)\s+([A-Za-z][A-Za-z'-]*)",
    re.IGNORECASE)
SURNAME = re.compile(r"\s+([A-Za-z][A-Za-z'-]*)")  # "Jo Bloggs": the word straight after
# After "this is" / "it's" only a capitalised word is taken as a name
# ("this is Jo" but not "this is urgent").
NEEDS_CAPITAL = re.compile(r"^(?:this is|it's|its)\s", re.IGNORECASE)
NOT_NAMES = frozenset({"a", "an", "the", "not", "so", "very", "really", "just", "about", "for", "my", "me",
                       "your", "you", "ok", "okay", "fine", "here", "there", "that", "this", "it", "back",
                       "on", "at", "later", "when", "if", "tomorrow", "today", "asap", "after", "before", "now"})
# Words that end a name rather than being a surname ("my name is jo and ...").
NOT_SURNAMES = NOT_NAMES | frozenset({"and", "i", "im", "i'm", "but", "with", "from", "please", "pls", "to",
                                      "how", "what", "can", "need", "have", "want", "is", "am", "x", "thanks"})


def _name_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in NAME_AFTER.finditer(text):
        first = match.group(1)
        if first.lower() in NOT_NAMES:
            continue
        if NEEDS_CAPITAL.match(match.group(0)) and not first[0].isupper():
            continue
        end = match.end(1)
        surname = SURNAME.match(text, end)
        if surname and surname.group(1).lower() not in NOT_SURNAMES and (
                surname.group(1)[0].isupper() or not NEEDS_CAPITAL.match(match.group(0))):
            end = surname.end()
        spans.append((match.start(1), end, "[name]"))
    return spans


def _entity_spans(text: str, entities: list[dict] | None) -> list[tuple[int, int, str]]:
    spans = []
    for entity in entities or []:
        label = PERSONAL_ENTITIES.get(str(entity.get("entity", "")))
        start, end = entity.get("start"), entity.get("end")
        if label and isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append((start, end, label))
    return spans


def mask_personal_details(text: str, entities: list[dict] | None = None) -> str:
    """`text` with personal details replaced by `[phone]`, `[email]`,
    `[postcode]`, `[name]` or `[number]`. `entities` are the assistant's
    entity spans (`{"entity", "start", "end"}`) in this same text."""
    spans = _entity_spans(text, entities)
    for pattern, label in ((EMAIL, "[email]"), (PHONE, "[phone]"), (POSTCODE, "[postcode]"),
                           (LONG_NUMBER, "[number]")):
        spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    spans += _name_spans(text)
    # Earliest first, longest first; a span inside one already taken is dropped.
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str]] = []
    for start, end, label in spans:
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end, kept[-1][2])
            continue
        kept.append((start, end, label))
    for start, end, label in reversed(kept):
        text = text[:start] + label + text[end:]
    return " ".join(text.split())
