"""Put messages worded alike together, without any machine learning.

Each message becomes a set of word stems: lower case, no punctuation, no
small words, a crude ending trim ("swimming" and "swim", "nappies" and
"nappy"). Two messages are alike when their sets overlap enough (Jaccard:
shared stems over all stems, 0.5 or more). A message joins the open group
it is most alike, or starts a new one.
"""

import re

SIMILAR_ENOUGH = 0.5

STOP_WORDS = frozenset("""
a an the and or but if so to of in on at for from with by about as is are was were be been am do does did
i im i'm me my mine you your we our us it its it's this that these those there here can could would should
will shall may might must have has had get got any some please pls plz hi hello hey just really very what
when where who how which why whats wat u ur r x thanks thank ok okay
""".split())
MASKS = re.compile(r"\[(phone|email|postcode|name|number)\]")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def stem(word: str) -> str:
    """A crude English stem: enough to match "nappies"/"nappy", "swimming"/"swim"."""
    for ending, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)] + keep
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousl":
        word = word[:-1]  # "swimm" -> "swim"
    return word


def word_stems(text: str) -> list[str]:
    """The stems that say what a message is about, sorted. A message of only
    small words ("can u help") keeps them, so it still has something to match."""
    lowered = MASKS.sub(" ", (text or "").lower().replace("\u2019", "'"))  # "[phone]" says nothing of the question
    words = WORD.findall(lowered)
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    return sorted({stem(w) for w in meaningful})


def similarity(a: list[str] | set[str], b: list[str] | set[str]) -> float:
    """Jaccard: shared stems over all stems (0 when both are empty)."""
    a, b = set(a), set(b)
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def best_match(stems: list[str], groups: list[tuple[int, list[str]]]) -> int | None:
    """The id of the group (id, stems) most like `stems`, if alike enough."""
    best_id, best_score = None, SIMILAR_ENOUGH
    for group_id, group_stems in groups:
        score = similarity(stems, group_stems)
        if score >= best_score and (best_id is None or score > best_score):
            best_id, best_score = group_id, score
    return best_id
