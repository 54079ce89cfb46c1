"""Plain language checks for every sentence a family reads.

Pure functions, no database: the test suite runs them over every shipped
answer, and the comms content editor runs them live as someone types. So
each check returns structured results with a message in plain words for
the person editing, not just a yes or no.

The rules (thresholds, jargon, known short forms, the messages) live in
`data/plain_language.yml`; the phone numbers each crisis answer must give
live in `data/safety/crisis_numbers.yml` (api/content/crisis_numbers.py).
Every function takes an optional `rules`; by default the rules shipped in
the repository are used. The api can pass
`load_rules(settings.data_dir / "plain_language.yml")` instead.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Literal

import textstat
import yaml

from api.content.crisis_numbers import SHIPPED_CRISIS_NUMBERS, CrisisNumbers, load_crisis_numbers

SHIPPED_RULES = Path(__file__).resolve().parents[2] / "data" / "plain_language.yml"

# The GSM 03.38 basic character set (without the escape character, which
# only introduces the extension table) and the extension table, whose
# characters cost two of the 160 places in a text.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

Level = Literal["hard", "soft"]
Where = Literal["sms", "web"]
WHERE_NAMES = {"sms": "text message", "web": "web chat answer"}


# --- rules ------------------------------------------------------------------


@dataclass(frozen=True)
class JargonRule:
    phrase: str
    suggest: str
    pattern: re.Pattern
    # Phrases the word is fine inside ("universal" in "Universal Credit").
    allowed: re.Pattern | None = None


@dataclass(frozen=True)
class Rules:
    min_reading_ease: float
    min_words_for_reading_ease: int
    max_sentence_words: int
    max_sms_segments: int
    gsm7_single: int
    gsm7_part: int
    ucs2_single: int
    ucs2_part: int
    character_swaps: dict[str, str]
    jargon: tuple[JargonRule, ...]
    acronyms_everyone_knows: frozenset[str]
    acronym_words: dict[str, str]
    acronym_skip_words: frozenset[str]
    messages: dict[str, str]
    # Facts some answers must give (see FACTS): fact -> answer keys, with
    # `*` for any ending ("hours_*").
    should_mention: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The numbers each crisis answer must give: leaving one out is a hard
    # problem (the answer cannot be published).
    crisis_numbers: CrisisNumbers = field(default_factory=CrisisNumbers)
    # Words in another language, in letters outside the basic set (UCS-2).
    max_sms_segments_other_letters: int = 4

    def message(self, key: str, /, **values) -> str:
        """A message from the rules, filled in, on one line."""
        return " ".join(self.messages[key].format(**values).split())


def _phrase_pattern(forms: list[str], match_case: bool = False) -> re.Pattern:
    """Match any form, in any capitals (unless `match_case`: "MASH" is
    jargon, "mash" is food), with any spacing or hyphens between words and a
    straight, curly or missing apostrophe."""
    alternatives = []
    for form in sorted(forms, key=len, reverse=True):
        words = [re.escape(w).replace("'", "['\u2019]?") for w in form.split()]
        alternatives.append(r"[\s-]+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", 0 if match_case else re.IGNORECASE)


def load_rules(path: Path | str = SHIPPED_RULES,
               crisis_numbers_path: Path | str | None = SHIPPED_CRISIS_NUMBERS) -> Rules:
    """The rules from a plain language file. The crisis numbers come from
    `data/safety/crisis_numbers.yml` whichever file that is, so changing the
    plain language rules never drops them; pass `crisis_numbers_path=None`
    for none."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    limits = data["thresholds"]
    sms = data["sms"]
    jargon = tuple(
        JargonRule(
            phrase=item["phrase"],
            suggest=item["suggest"],
            pattern=_phrase_pattern([item["phrase"], *item.get("also", [])], bool(item.get("match_case"))),
            allowed=_phrase_pattern(item["not_in"]) if item.get("not_in") else None,
        )
        for item in data["jargon"]
    )
    return Rules(
        min_reading_ease=float(limits["min_reading_ease"]),
        min_words_for_reading_ease=int(limits["min_words_for_reading_ease"]),
        max_sentence_words=int(limits["max_sentence_words"]),
        max_sms_segments=int(limits["max_sms_segments"]),
        gsm7_single=int(sms["gsm7_single"]),
        gsm7_part=int(sms["gsm7_part"]),
        ucs2_single=int(sms["ucs2_single"]),
        ucs2_part=int(sms["ucs2_part"]),
        character_swaps=dict(data.get("character_swaps") or {}),
        jargon=jargon,
        acronyms_everyone_knows=frozenset(data.get("acronyms_everyone_knows") or []),
        acronym_words=dict(data.get("acronym_words") or {}),
        acronym_skip_words=frozenset(w.lower() for w in data.get("acronym_skip_words") or []),
        messages=dict(data["messages"]),
        should_mention=_should_mention(data.get("should_mention") or {}),
        crisis_numbers=load_crisis_numbers(crisis_numbers_path) if crisis_numbers_path else CrisisNumbers(),
        max_sms_segments_other_letters=int(limits.get("max_sms_segments_other_letters",
                                                      2 * int(limits["max_sms_segments"]))),
    )


def _should_mention(data: dict) -> dict[str, tuple[str, ...]]:
    unknown = set(data) - set(FACTS)
    if unknown:
        raise ValueError(f"should_mention: unknown facts {sorted(unknown)}; known: {sorted(FACTS)}")
    return {fact: tuple(str(key) for key in (item or {}).get("answers") or []) for fact, item in data.items()}


@lru_cache(maxsize=1)
def shipped_rules() -> Rules:
    return load_rules(SHIPPED_RULES)


# --- SMS characters and length ----------------------------------------------


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def swap_to_gsm7(text: str, rules: Rules | None = None) -> str:
    """The text with known look-alikes swapped (curly ' to straight ') and
    any other character outside GSM-7 (an emoji, say) taken out."""
    rules = rules or shipped_rules()
    out = []
    for char in text:
        if is_gsm7(char):
            out.append(char)
        elif char in rules.character_swaps:
            out.append(rules.character_swaps[char])
    return "".join(out)


@dataclass(frozen=True)
class SmsLength:
    encoding: Literal["GSM-7", "UCS-2"]
    units: int  # what carriers count: GSM-7 septets or UCS-2 code units
    segments: int
    single_limit: int  # what fits in one text
    part_limit: int  # what fits in each part of a joined text


def sms_length(text: str, rules: Rules | None = None) -> SmsLength:
    """Count the way carriers do. GSM-7: 160 in one text, 153 per part when
    joined; extension characters ([ ] { } ~ ^ \\ | and the euro sign) take
    two places. Any other character switches the whole text to UCS-2: 70
    in one text, 67 per part, and characters outside the basic plane (most
    emoji) take two places. A two-place character is never split between
    parts, so a part may hold one place fewer."""
    rules = rules or shipped_rules()
    if all(is_gsm7(c) for c in text):
        encoding, single, part = "GSM-7", rules.gsm7_single, rules.gsm7_part
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        encoding, single, part = "UCS-2", rules.ucs2_single, rules.ucs2_part
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    units = sum(costs)
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments, used = 1, 0
        for cost in costs:
            if used + cost > part:
                segments, used = segments + 1, 0
            used += cost
    return SmsLength(encoding, units, segments, single, part)


def sms_segments(text: str, rules: Rules | None = None) -> int:
    """How many texts this message costs to send (0 for an empty one)."""
    return sms_length(text, rules).segments


@dataclass(frozen=True)
class CharacterProblem:
    char: str
    shown_as: str  # the character itself, or U+00A0 for one you cannot see
    name: str
    count: int
    positions: list[int]
    swap: str | None  # a GSM-7 character to use instead, if there is one
    segments_now: int
    segments_plain: int  # with every such character swapped or taken out
    message: str


def _character_name(char: str) -> str:
    return unicodedata.name(char, f"character U+{ord(char):04X}").lower()


def _shown_as(char: str) -> str:
    visible = char.isprintable() and not char.isspace() and unicodedata.category(char) != "Cf"
    return char if visible else f"U+{ord(char):04X}"


def gsm7_problems(text: str, rules: Rules | None = None, where: Where = "sms") -> list[CharacterProblem]:
    """Every character outside GSM-7, once each, in order of first use.
    A single one makes the whole text UCS-2: 70 characters a text, not 160."""
    rules = rules or shipped_rules()
    positions: dict[str, list[int]] = {}
    for i, char in enumerate(text):
        if not is_gsm7(char):
            positions.setdefault(char, []).append(i)
    if not positions:
        return []
    segments_now = sms_segments(text, rules)
    segments_plain = sms_segments(swap_to_gsm7(text, rules), rules)
    problems = []
    for char, where_found in positions.items():
        swap = rules.character_swaps.get(char)
        fix = (
            rules.message("not_gsm7_fix_swap", swap=swap)
            if swap is not None
            else rules.message("not_gsm7_fix_remove")
        )
        if segments_now > segments_plain:
            fix = rules.message("not_gsm7_cost", segments_now=segments_now, segments_plain=segments_plain) + " " + fix
        name = _character_name(char)
        problems.append(
            CharacterProblem(
                char=char,
                shown_as=_shown_as(char),
                name=name,
                count=len(where_found),
                positions=where_found,
                swap=swap,
                segments_now=segments_now,
                segments_plain=segments_plain,
                message=rules.message(
                    "not_gsm7",
                    where=WHERE_NAMES[where],
                    char=_shown_as(char),
                    name=name,
                    fix=fix,
                ),
            )
        )
    return problems


# --- words and sentences -----------------------------------------------------

# Things a family reads as one chunk, not as words: they distort reading
# scores and sentence splitting (the dots in a web address), so they are
# set aside first. Order matters: an email address holds a web address.
_SET_ASIDE = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"(?:https?://|www\.)[^\s]*[^\s.,;:!?)]", re.IGNORECASE),
    re.compile(
        r"\b[\w-]+(?:\.[\w-]+)*\.(?:uk|com|org|net|info|io)\b(?:/[^\s]*[^\s.,;:!?)])?",
        re.IGNORECASE,
    ),
    re.compile(r"\b\d{1,2}[:.]\d{2}\s?(?:am|pm)?(?!\w)|\b\d{1,2}\s?(?:am|pm)(?!\w)", re.IGNORECASE),
    re.compile(r"(?:\+44\s?)?\b\d{3,}(?:[ -]\d{3,})*\b"),
]
_FIRST_SET_ASIDE = 0xE000  # private-use characters stand in for them


def _set_aside(text: str) -> tuple[str, list[str]]:
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return chr(_FIRST_SET_ASIDE + len(kept) - 1)

    for pattern in _SET_ASIDE:
        text = pattern.sub(keep, text)
    return text, kept


def _put_back(text: str, kept: list[str]) -> str:
    return "".join(
        kept[ord(c) - _FIRST_SET_ASIDE] if _FIRST_SET_ASIDE <= ord(c) < _FIRST_SET_ASIDE + len(kept) else c
        for c in text
    )


def _is_word(token: str) -> bool:
    return any(c.isalnum() or 0xE000 <= ord(c) <= 0xF8FF for c in token)


def sentences(text: str) -> list[str]:
    """Split on . ! ? and line breaks. A phone number, web address or time
    stays whole (the dots in "gov.uk" do not end a sentence)."""
    masked, kept = _set_aside(text)
    parts = re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+|\n+", masked)
    return [_put_back(p.strip(), kept) for p in parts if p and _is_word(p)]


def word_count(sentence: str) -> int:
    """Words as a reader meets them: a phone number or web address is one."""
    masked, _ = _set_aside(sentence)
    return sum(1 for token in masked.split() if _is_word(token))


@dataclass(frozen=True)
class LongSentence:
    sentence: str
    words: int
    max_words: int


def long_sentences(text: str, rules: Rules | None = None) -> list[LongSentence]:
    rules = rules or shipped_rules()
    found = []
    for sentence in sentences(text):
        words = word_count(sentence)
        if words > rules.max_sentence_words:
            found.append(LongSentence(sentence, words, rules.max_sentence_words))
    return found


_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_NAME_JOINERS = frozenset({"for", "of", "and", "the", "to"})
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*)[\"'(]*$")


def _names(text: str) -> list[tuple[int, int]]:
    """Spans of names: runs of capitalised words ("Riverside Family Hub",
    "Start for Life", "Citizens Advice"), and single capitalised words that
    do not start a sentence ("Samaritans", "Monday"). "I" is not a name.
    A sentence's first word is only part of a name if it is not an everyday
    word: "Riverside Family Hub is open" but not "Call Samaritans"."""
    words = list(_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        word = words[i].group(0)
        starts_sentence = bool(_SENTENCE_START.search(text[: words[i].start()]))
        everyday_first_word = starts_sentence and not textstat.is_difficult_word(word)
        if not word[0].isupper() or word in {"I", "I'm", "I'll", "I've", "I'd"} or everyday_first_word:
            i += 1
            continue
        run_end = i
        j = i + 1
        while j < len(words):
            gap = text[words[j - 1].end() : words[j].start()]
            if gap.strip():  # punctuation between words ends a name
                break
            if words[j].group(0)[0].isupper():
                run_end = j
            elif words[j].group(0).lower() not in _NAME_JOINERS:
                break
            j += 1
        if run_end > i or not starts_sentence:
            spans.append((words[i].start(), words[run_end].end()))
        i = run_end + 1
    return spans


@dataclass(frozen=True)
class ReadingEase:
    score: float  # Flesch reading ease: higher is easier; 70+ is our aim
    reading_age: int  # an estimate, in years
    words: int  # how many words were scored
    set_aside: list[str]  # phone numbers, web addresses, times not scored
    names: list[str]  # names not scored, like "Riverside Family Hub"
    enough_words: bool  # very short texts give wild scores, so are not judged


def reading_ease(text: str, rules: Rules | None = None) -> ReadingEase:
    """Flesch reading ease (textstat), plus an estimated reading age.

    Phone numbers, web addresses, email addresses and times such as
    "9:30am" are left out before scoring: textstat counts "01632 960000"
    as two one-syllable words (making text look easier than it is) and the
    dots in "gov.uk" or "9.30" as sentence ends. They are read as one
    chunk, so sentence lengths count each as one word instead.

    Names are left out too ("Riverside Family Hub", "Samaritans",
    "Monday"): a family knows their hub's name, but each syllable of it
    drags the score down, so a plain "Riverside Family Hub is open now"
    would score as hard to read. A name is a run of two or more
    capitalised words, or one capitalised word that does not start a
    sentence.

    Reading age is the Flesch-Kincaid school grade plus 5, the usual way
    to turn a US school grade into an age."""
    rules = rules or shipped_rules()
    masked, kept = _set_aside(text)
    names = _names(masked)
    names_found = [_put_back(masked[start:end], kept) for start, end in names]
    for start, end in reversed(names):
        masked = masked[:start] + " " + masked[end:]
    scored = " ".join(re.sub(r"[\ue000-\uf8ff]", " ", masked).split())
    words = textstat.lexicon_count(scored) if scored else 0
    if words == 0:
        return ReadingEase(0.0, 0, 0, kept, names_found, False)
    score = float(textstat.flesch_reading_ease(scored))
    grade = float(textstat.flesch_kincaid_grade(scored))
    return ReadingEase(
        score=round(score, 1),
        reading_age=max(5, round(grade + 5)),
        words=words,
        set_aside=kept,
        names=names_found,
        enough_words=words >= rules.min_words_for_reading_ease,
    )


@dataclass(frozen=True)
class JargonFound:
    phrase: str
    found: str  # as written in the text
    start: int
    suggest: str


def jargon(text: str, rules: Rules | None = None) -> list[JargonFound]:
    rules = rules or shipped_rules()
    found = [
        JargonFound(rule.phrase, match.group(0), match.start(), rule.suggest)
        for rule in rules.jargon
        for match in rule.pattern.finditer(text)
        if not _inside_allowed(rule, match, text) and not _quoted(match, text)
    ]
    # "early help assessment" is one thing to fix, not three ("early help",
    # "assessment"): a match inside a longer one is left out.
    found = [f for f in found if not any(
        other is not f and other.start <= f.start and f.start + len(f.found) <= other.start + len(other.found)
        and len(other.found) > len(f.found) for other in found)]
    return sorted(found, key=lambda f: f.start)


_QUOTED = re.compile(r'"[^"\n]{1,60}"')


def _quoted(match: re.Match, text: str) -> bool:
    """True if the match sits inside double quotes: a word in quotes is being
    explained ("Early help" means ...), not used on the family."""
    return any(q.start() < match.start() and match.end() < q.end() for q in _QUOTED.finditer(text))


def _inside_allowed(rule: JargonRule, match: re.Match, text: str) -> bool:
    """True if the match sits inside a phrase where the word is fine."""
    if rule.allowed is None:
        return False
    return any(ok.start() <= match.start() and match.end() <= ok.end() for ok in rule.allowed.finditer(text))


@dataclass(frozen=True)
class AcronymFound:
    acronym: str
    start: int
    words: str | None  # what it stands for, when the rules know


_ACRONYM = re.compile(r"\b([A-Z]{2,})(?:s|'s)?\b")


def _spelt_out_before(acronym: str, before: str, rules: Rules) -> bool:
    """True if words whose first letters make the acronym come earlier,
    leaving out small words such as "and" and "of" when they do not fit
    ("special educational needs and disabilities" for SEND)."""
    known = rules.acronym_words.get(acronym)
    flat = " ".join(re.findall(r"[a-z]+", before.lower()))
    if known and " ".join(re.findall(r"[a-z]+", known.lower())) in flat:
        return True
    words = re.findall(r"[A-Za-z]+", before)
    letters = acronym.lower()
    for start in range(len(words)):
        matched, i = 0, start
        while matched < len(letters) and i < len(words):
            word = words[i].lower()
            if word[0] == letters[matched]:
                matched += 1
            elif word not in rules.acronym_skip_words or i == start:
                break
            i += 1
        if matched == len(letters):
            return True
    return False


def unexplained_acronyms(text: str, rules: Rules | None = None) -> list[AcronymFound]:
    """Short forms of 2 or more capitals whose words are not written out
    earlier in the same text, once each. Ones everyone knows are fine."""
    rules = rules or shipped_rules()
    found, seen = [], set()
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        if acronym in seen or acronym in rules.acronyms_everyone_knows or _quoted(match, text):
            continue
        seen.add(acronym)
        if not _spelt_out_before(acronym, text[: match.start()], rules):
            found.append(AcronymFound(acronym, match.start(), rules.acronym_words.get(acronym)))
    return found


def _shorten(sentence: str, most: int = 120) -> str:
    return sentence if len(sentence) <= most else sentence[: most - 3].rstrip() + "..."


# --- facts some answers must give ---------------------------------------------

# What each fact looks like in a text. A phone number: a UK number
# ("01632 960000", "0808 2000 247", "+44 ...") or a short one (999, 111,
# "116 123", "85258"). Opening hours: a time ("9am", "5:30pm", "17:00").
FACTS: dict[str, re.Pattern] = {
    "phone_number": re.compile(
        r"(?<![\d:.])(?:(?:\+44\s?|0)\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}|999|111|116\s?\d{3}|\d{5})(?![\d:])"
    ),
    "opening_hours": re.compile(r"(?<![\d:.])\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)\b|(?<![\d:.])\d{1,2}:\d{2}(?!\d)",
                                re.IGNORECASE),
}


def facts_needed(key: str | None, rules: Rules | None = None) -> list[str]:
    """The facts (`phone_number`, `opening_hours`) the answer with this key
    must give, from `should_mention` in the rules file."""
    rules = rules or shipped_rules()
    if not key:
        return []
    return [fact for fact, keys in rules.should_mention.items() if any(fnmatchcase(key, k) for k in keys)]


def missing_facts(text: str, key: str | None, rules: Rules | None = None) -> list[str]:
    """The facts this answer should give that `text` does not."""
    return [fact for fact in facts_needed(key, rules) if not FACTS[fact].search(text or "")]


# --- templates ------------------------------------------------------------------


def placeholder_names(text: str) -> set[str]:
    """`{hub}` and `{day}` in "{hub} is open {day}". Raises ValueError for a
    stray brace."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def fill_template(text: str | None, placeholders: dict | None, where: Where,
                  rules: Rules | None = None) -> tuple[str, list["Problem"]]:
    """A template as a family would see it: its example values filled in.

    The api fills a template's `{placeholders}` when it sends it, so a
    placeholder it has no value for, or a stray brace, would stop the
    answer going out at all: a hard problem. An answer with no
    placeholders is sent as written, so its braces are only characters."""
    rules = rules or shipped_rules()
    text = text or ""
    if not placeholders:
        return text, []
    name = WHERE_NAMES[where]
    known = ", ".join("{" + p + "}" for p in placeholders)
    try:
        used = placeholder_names(text)
    except ValueError:
        return text, [Problem("hard", "broken_placeholder", where,
                              rules.message("broken_placeholder", where=name, known=known))]
    unknown = sorted(used - set(placeholders))
    if unknown:
        return text, [Problem("hard", "unknown_placeholder", where, rules.message(
            "unknown_placeholder", where=name, names=", ".join("{" + u + "}" for u in unknown), known=known))]
    try:
        return text.format(**placeholders), []
    except (ValueError, KeyError, IndexError, AttributeError):
        return text, [Problem("hard", "broken_placeholder", where,
                              rules.message("broken_placeholder", where=name, known=known))]


# --- the whole answer -------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    level: Level  # hard: must not ship; soft: fix unless there is a good reason
    code: str
    where: Where
    message: str  # plain words for the person editing

    def as_dict(self) -> dict:
        return asdict(self)


def check_text(text: str | None, where: Where, rules: Rules | None = None, key: str | None = None) -> list[Problem]:
    """All the checks for one text. SMS text must be GSM-7 and fit the
    segment limit; both channels get the readability checks. With the
    answer's `key`, also the facts that answer must give (`should_mention`)
    and, for a crisis answer, every number it must give (a hard problem)."""
    rules = rules or shipped_rules()
    name = WHERE_NAMES[where]
    text = text or ""
    if not text.strip():
        return [Problem("hard", "empty", where, rules.message("empty", where=name))]

    problems: list[Problem] = []
    if where == "sms":
        for char in gsm7_problems(text, rules, where):
            problems.append(Problem("hard", "not_gsm7", where, char.message))
        length = sms_length(text, rules)
        if length.segments > rules.max_sms_segments:
            limit = (
                rules.gsm7_single if rules.max_sms_segments == 1 else rules.gsm7_part * rules.max_sms_segments
            )
            problems.append(
                Problem(
                    "hard",
                    "too_many_segments",
                    where,
                    rules.message(
                        "too_many_segments",
                        segments=length.segments,
                        max=rules.max_sms_segments,
                        units=length.units,
                        limit=limit,
                    ),
                )
            )

    ease = reading_ease(text, rules)
    if ease.enough_words and ease.score < rules.min_reading_ease:
        problems.append(
            Problem(
                "soft",
                "hard_to_read",
                where,
                rules.message(
                    "reading_ease", where=name, score=ease.score, min=rules.min_reading_ease, age=ease.reading_age
                ),
            )
        )
    for long in long_sentences(text, rules):
        problems.append(
            Problem(
                "soft",
                "long_sentence",
                where,
                rules.message(
                    "long_sentence",
                    where=name,
                    words=long.words,
                    max=long.max_words,
                    sentence=_shorten(long.sentence),
                ),
            )
        )
    for found in jargon(text, rules):
        problems.append(
            Problem("soft", "jargon", where, rules.message("jargon", where=name, found=found.found, suggest=found.suggest))
        )
    for found in unexplained_acronyms(text, rules):
        hint = rules.message("acronym_hint", words=found.words, acronym=found.acronym) if found.words else ""
        problems.append(
            Problem(
                "soft",
                "unexplained_acronym",
                where,
                rules.message("acronym", where=name, acronym=found.acronym, hint=hint),
            )
        )
    missing_numbers = rules.crisis_numbers.missing(text, key)
    if missing_numbers:
        problems.insert(0, Problem("hard", "missing_crisis_number", where,
                                   rules.crisis_numbers.message(name, missing_numbers)))
    for fact in missing_facts(text, key, rules):
        if fact == "phone_number" and missing_numbers:
            continue  # the hard problem above names the exact numbers
        problems.append(Problem("soft", f"missing_{fact}", where, rules.message(f"missing_{fact}", where=name)))
    return problems


def check_answer(sms: str | None, web: str | None, rules: Rules | None = None, key: str | None = None,
                 placeholders: dict | None = None) -> list[Problem]:
    """Every problem with an answer's SMS text and web text, hard ones first.

    A template (an answer with `placeholders`) is checked as a family would
    see it, with the example values filled in."""
    problems: list[Problem] = []
    for text, where in ((sms, "sms"), (web, "web")):
        filled, template_problems = fill_template(text, placeholders, where, rules)
        problems += template_problems or check_text(filled, where, rules, key)
    return sorted(problems, key=lambda p: p.level != "hard")


def check_translation(sms: str | None, web: str | None, rules: Rules | None = None, key: str | None = None,
                      placeholders: dict | None = None) -> list[Problem]:
    """Every problem with an answer's words in another language, hard ones first.

    What holds in every language: not empty, every number a crisis answer
    must give, the English answer's `{placeholders}` only, short sentences,
    and the text message cost, counted in 70-character parts when the
    letters are outside the basic set (most of these languages). Reading
    ease, jargon and acronyms are measures of English and are not applied."""
    rules = rules or shipped_rules()
    problems: list[Problem] = []
    for text, where in ((sms, "sms"), (web, "web")):
        filled, template_problems = fill_template(text, placeholders, where, rules)
        if template_problems:
            problems += template_problems
            continue
        name = WHERE_NAMES[where]
        if not (filled or "").strip():
            problems.append(Problem("hard", "empty", where, rules.message("empty", where=name)))
            continue
        missing = rules.crisis_numbers.missing(filled, key)
        if missing:
            problems.append(Problem("hard", "missing_crisis_number", where,
                                    rules.crisis_numbers.message(name, missing)))
        if where == "sms":
            problems += _translation_cost(filled, rules)
        problems += [Problem("soft", "long_sentence", where,
                             rules.message("long_sentence", where=name, words=long.words, max=long.max_words,
                                           sentence=_shorten(long.sentence)))
                     for long in long_sentences(filled, rules)]
    return sorted(problems, key=lambda p: p.level != "hard")


def _translation_cost(text: str, rules: Rules) -> list[Problem]:
    """Too many parts, counted in the units the text's letters take."""
    length = sms_length(text, rules)
    if length.encoding != "UCS-2":
        most, limit, message = rules.max_sms_segments, rules.gsm7_part * rules.max_sms_segments, "too_many_segments"
    else:
        most = rules.max_sms_segments_other_letters
        limit, message = rules.ucs2_part * most, "too_many_segments_other_letters"
    if length.segments > most:
        return [Problem("hard", "too_many_segments", "sms", rules.message(
            message, segments=length.segments, max=most, units=length.units, limit=limit))]
    return []


def cost_note(text: str, rules: Rules | None = None) -> str:
    """For the editor: why a text in letters outside the basic set costs
    more ("each text holds 70 characters"), or "" for basic letters."""
    rules = rules or shipped_rules()
    length = sms_length(text, rules)
    if length.encoding != "UCS-2":
        return ""
    return rules.message("other_letters", segments=length.segments, units=length.units)
