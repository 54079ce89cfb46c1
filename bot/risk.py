"""The crisis check that runs on every message before anything else answers it.

It looks for harm to self, harm to a child, violence, a medical emergency, a
parent afraid of what they might do, and a family with nowhere safe to sleep
tonight, and says which kind it found, so the right helplines go out at once.
The phrases live in ``data/safety/risk_phrases.yml`` where a safeguarding lead
can review them; this module only tidies the text and applies those rules.

Why RE2 (the ``google-re2`` package) and not Python's ``re``: the rules are
long patterns full of optional words and word gaps, and ``re`` backtracks.
On "he came round came round ..." (267 characters) one rule took 3 seconds,
and each two more words made it four times slower, so one message could
stall the check for every family. RE2 never backtracks: its time grows in
step with the length of the message, whatever the pattern. It has no
lookarounds or backreferences, so a rule's exceptions are written as
``unless:`` phrases (see the phrase file), and the loader refuses a pattern
RE2 cannot run, naming the rule.

Needs PyYAML and google-re2; imported by the Rasa venv (``bot.components``).
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import string
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import re2
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES_PATH = REPO_ROOT / "data" / "safety" / "risk_phrases.yml"
# One file a language (its code, then .yml): the same kinds of rules, in
# the words families use in that language. Adding a language is adding a file.
LANGUAGES_DIR = REPO_ROOT / "data" / "safety" / "languages"
KINDS = ("self_harm", "child_harm", "violence", "medical", "parent_fear", "nowhere_safe")

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is reported by load_rules, not on stderr


def _re2(pattern: str):
    return re2.compile(pattern, _RE2_OPTIONS)


Pattern = type(_re2(""))

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'",
    "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
})
# Spelled-out contractions, before apostrophes are dropped: "he'll" would
# otherwise become "hell" and "i'll" the word "ill".
_CONTRACTIONS = tuple((_re2(find), replace) for find, replace in (
    (r"\bcan'?t\b", "can not"),
    (r"\bwon't\b", "will not"),
    (r"\bshan't\b", "shall not"),
    (r"n't\b", " not"),
    (r"'ll\b", " will"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'m\b", " am"),
    (r"'d\b", " would"),
))
_LETTERS_AND_DIGITS = frozenset(string.ascii_lowercase + string.digits)
# A letter three or more times ("pleeease"); RE2 has no \1, so one branch a letter.
_LETTER_REPEATED = _re2("|".join(letter * 3 + "+" for letter in string.ascii_lowercase))

# Other languages: accents are dropped as in English (families often type
# without them: "nie zyje", "nu respira"), and so are Arabic vowel marks;
# Arabic letters typed in more than one form (Arabic and Urdu keyboards) are
# read as one. Other marks are part of the letter (Bengali vowel signs) and kept.
_DROPPED_MARKS = frozenset(chr(c) for c in itertools.chain(range(0x300, 0x370), range(0x64B, 0x660), [0x670]))
_LETTER_FORMS = str.maketrans({
    "\u0142": "l", "\u00df": "ss",                       # Polish l with a stroke, German sharp s
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d2": "\u064a",   # alef maksura, Farsi and Urdu yeh
    "\u06a9": "\u0643",                                  # keheh (Urdu kaf)
    "\u06c1": "\u0647", "\u06be": "\u0647", "\u0629": "\u0647",   # Urdu heh forms, teh marbuta
})
# Words in these files are separated by one space, so a pattern matches
# whole words when it starts and ends at a space or an end of the text.
# Two word lists every language file can use:
#   {gap}   up to three more words (written straight after a word: "hit{gap} me")
#   {rest}  the rest of a word ("krzywdz{rest}": krzywdzi, krzywdzil, ...)
_ANY_SCRIPT_WORDS = {"gap": "(?: [^ ]+){0,3}", "rest": "[^ ]*"}


def words_in_any_script(text: str) -> list[str]:
    """The words of ``text`` in any script: lower case, letters, digits and
    the marks that belong to them; no accents, one form of each Arabic letter."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
    text = "".join(ch for ch in text if ch not in _DROPPED_MARKS).translate(_LETTER_FORMS)
    text = text.replace("'", "")
    text = "".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in text)
    text = _LETTER_REPEATED.sub(lambda found: found.group()[:2], text)
    return text.split()


# Checked in the phrase file only (never on a family's text), to say plainly
# why RE2 would refuse a pattern.
_WORD_NAME = re.compile(r"\{([a-z_]+)\}")
_NOT_SUPPORTED = (
    (re.compile(r"(?<!\\)\(\?[=!]"), "a lookahead (?! or (?= is not allowed; use unless:"),
    (re.compile(r"(?<!\\)\(\?<[=!]"), "a lookbehind (?<! or (?<= is not allowed; use unless:"),
    (re.compile(r"(?<!\\)\\[1-9]|\(\?P="), "a backreference (\\1) is not allowed in a pattern"),
)
_IDIOM_KEYS = {"name", "pattern", "unless", "examples"}
_RULE_KEYS = _IDIOM_KEYS | {"fallback", "near_misses"}


@dataclass(frozen=True)
class RiskAssessment:
    """What the check found. ``phrase`` is the rule's name, never the family's words."""

    kind: str
    phrase: str


@dataclass(frozen=True)
class PhraseRule:
    kind: str
    name: str
    regex: Pattern
    fallback: bool = False
    examples: tuple[str, ...] = ()
    unless: tuple[Pattern, ...] = ()
    near_misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Idiom:
    name: str
    regex: Pattern
    examples: tuple[str, ...] = ()
    unless: tuple[Pattern, ...] = ()


class _Spans:
    """Where some phrases matched, sorted, so each question is a binary search."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        spans = sorted(spans)
        self._starts = [start for start, _ in spans]
        self._furthest_end = list(itertools.accumulate((end for _, end in spans), max))

    def cover(self, start: int, end: int) -> bool:
        """Does one of the spans hold all of start..end?"""
        before = bisect.bisect_right(self._starts, start)
        return before > 0 and self._furthest_end[before - 1] >= end

    def overlap(self, start: int, end: int) -> bool:
        """Does one of the spans share any character with start..end?"""
        before = bisect.bisect_left(self._starts, end)
        return before > 0 and self._furthest_end[before - 1] > start


def _found(regex: Pattern, unless: tuple[Pattern, ...], text: str) -> Iterator[tuple[int, int]]:
    """Where ``regex`` matched and none of its ``unless`` phrases overlaps the match."""
    exceptions = None  # only worked out once the pattern matches
    for found in regex.finditer(text):
        if exceptions is None:
            exceptions = _Spans(span for phrase in unless for span in _found(phrase, (), text))
        start, end = found.span()
        start, end = start + (text[start:start + 1] == " "), end - (text[end - 1:end] == " ")
        if not exceptions.overlap(start, end):
            yield start, end


def plain_words(text: str) -> list[str]:
    """The words of ``text`` in lower case, plain letters and digits only:
    straight quotes, "can't" as "can not", letters repeated more than twice
    cut to two. The crisis classifier tidies text the same way."""
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for find, replace in _CONTRACTIONS:
        text = find.sub(replace, text)
    text = text.replace("'", "").replace("&", " and ")
    text = "".join(ch if ch in _LETTERS_AND_DIGITS else " " for ch in text)
    text = _LETTER_REPEATED.sub(lambda found: found.group()[:2], text)
    return text.split()


@dataclass(frozen=True)
class RiskRules:
    """Compiled rules from one YAML file. Build with ``load_rules``."""

    priority: tuple[str, ...]
    rules: tuple[PhraseRule, ...]
    idioms: tuple[Idiom, ...]
    text_speak: Mapping[str, str] = field(default_factory=dict)
    rewrites: tuple[tuple[Pattern, str], ...] = ()
    language: str = "en"

    def normalise(self, text: str) -> str:
        """Lower case, plain letters and words, text-speak written out."""
        words = plain_words(text) if self.language == "en" else words_in_any_script(text)
        text = " ".join(self.text_speak.get(word, word) for word in words)
        for find, replace in self.rewrites:
            text = find.sub(replace, text)
        return text

    def matches(self, text: str) -> list[RiskAssessment]:
        """Every rule that matched outside a figure of speech, in file order."""
        return [RiskAssessment(rule.kind, rule.name) for rule in self._matching_rules(text)]

    def assess(self, text: str) -> RiskAssessment | None:
        matched = self._matching_rules(text)
        firm = [rule for rule in matched if not rule.fallback]
        candidates = firm or matched
        if not candidates:
            return None
        best = min(candidates, key=lambda rule: self.priority.index(rule.kind))
        return RiskAssessment(best.kind, best.name)

    def _matching_rules(self, text: str) -> list[PhraseRule]:
        clean = self.normalise(text)
        idioms: _Spans | None = None  # only worked out once a rule matches
        matched = []
        for rule in self.rules:
            for span in _found(rule.regex, rule.unless, clean):
                if idioms is None:
                    idioms = _Spans(where for idiom in self.idioms
                                    for where in _found(idiom.regex, idiom.unless, clean))
                if not idioms.cover(*span):
                    matched.append(rule)
                    break
        return matched


def load_rules(path: str | Path | None = None) -> RiskRules:
    """Rules from ``path`` (default ``data/safety/risk_phrases.yml``), compiled once and cached.

    Raises ValueError when the file is not usable (including a pattern RE2
    cannot run), so a broken edit fails at start-up, not silently on a family's message.
    """
    return _load_rules_cached(Path(path or DEFAULT_RULES_PATH).resolve())


@dataclass(frozen=True)
class EveryLanguage:
    """The English rules and every other language's, tried on each message
    (a family may write in any of them, or mix two). Build with ``load_every_language``."""

    english: RiskRules
    others: tuple[RiskRules, ...]

    @property
    def priority(self) -> tuple[str, ...]:
        return self.english.priority

    def assess(self, text: str) -> RiskAssessment | None:
        found = [rules.assess(text) for rules in (self.english, *self.others)]
        found = [assessment for assessment in found if assessment]
        return min(found, key=lambda assessment: self.priority.index(assessment.kind), default=None)


def load_every_language(languages_dir: str | Path | None = None) -> EveryLanguage:
    """The English rules and one set per file in ``data/safety/languages/``.

    Each language file has the English file's layout (words, rules for
    every kind, idioms, text_speak) and its ``language`` code; the English
    priority decides between kinds.
    """
    english = load_rules()
    folder = Path(languages_dir or LANGUAGES_DIR).resolve()
    return EveryLanguage(english, tuple(
        _load_rules_cached(path, english.priority) for path in sorted(folder.glob("*.yml"))))


def assess(text: str, rules: RiskRules | EveryLanguage | None = None) -> RiskAssessment | None:
    """The one kind of risk in ``text`` that matters most, or None."""
    return (rules or load_rules()).assess(text)


@functools.lru_cache(maxsize=32)
def _load_rules_cached(path: Path, priority: tuple[str, ...] = ()) -> RiskRules:
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file)
    if priority:
        return _compile_language(data, str(path), priority)
    return _compile(data, source=str(path))


def _compile_language(data: dict, source: str, priority: tuple[str, ...]) -> RiskRules:
    """A language file: its words and patterns are read the way its messages
    are (``words_in_any_script``), and ``{gap}`` and ``{rest}`` are given."""
    language = str(data.get("language") or "")
    if not re.fullmatch(r"[a-z]{2,3}", language) or language == "en":
        raise ValueError(f"{source}: language must be a short code like pl (English is risk_phrases.yml)")
    data = dict(data, priority=list(priority),
                words={**_ANY_SCRIPT_WORDS, **{name: _pattern_letters(value)
                                               for name, value in (data.get("words") or {}).items()}},
                rules={kind: [dict(entry, pattern=_pattern_letters(entry["pattern"]),
                                   unless=[_pattern_letters(p) for p in entry.get("unless") or ()])
                              for entry in entries or ()]
                       for kind, entries in (data.get("rules") or {}).items()},
                idioms=[dict(entry, pattern=_pattern_letters(entry["pattern"]))
                        for entry in data.get("idioms") or ()],
                normalise={"text_speak": {" ".join(words_in_any_script(str(k))): v for k, v in
                                          (data.get("text_speak") or {}).items()}})
    data.pop("text_speak", None)
    return _compile(data, source, language=language)


def _pattern_letters(pattern: str) -> str:
    """A language file's pattern with its letters read as a message's are
    (no accents, one form of each letter); the pattern's own syntax is ASCII and kept."""
    text = unicodedata.normalize("NFKD", _one_line(pattern).translate(_QUOTES).lower())
    return "".join(ch for ch in text if ch not in _DROPPED_MARKS).translate(_LETTER_FORMS).replace("'", "")


def _compile(data: dict, source: str, language: str = "en") -> RiskRules:
    priority = tuple(data.get("priority") or ())
    if sorted(priority) != sorted(KINDS):
        raise ValueError(f"{source}: priority must list each of {', '.join(KINDS)} once")
    words = {name: _one_line(value) for name, value in (data.get("words") or {}).items()}
    for name, value in words.items():
        _check_supported(value, f"{source}: word list {name}")
    normalise = data.get("normalise") or {}
    text_speak = {str(k): str(v) for k, v in (normalise.get("text_speak") or {}).items()}
    rewrites = tuple(
        (_regex(item["find"], f"{source}: rewrite {item['find']!r}", bare=True), item["replace"])
        for item in normalise.get("rewrites") or ()
    )

    rules: list[PhraseRule] = []
    names: set[str] = set()
    for kind, entries in (data.get("rules") or {}).items():
        if kind not in KINDS:
            raise ValueError(f"{source}: unknown kind {kind!r}")
        if not entries:
            raise ValueError(f"{source}: kind {kind!r} has no rules")
        for entry in entries:
            name = entry["name"]
            where = f"{source}: rule {name}"
            if name in names:
                raise ValueError(f"{source}: rule name {name!r} is used twice")
            names.add(name)
            rules.append(PhraseRule(
                kind=kind, name=name, **_patterns(entry, words, where, _RULE_KEYS, language),
                fallback=bool(entry.get("fallback", False)),
                examples=tuple(entry.get("examples") or ()),
                near_misses=tuple(entry.get("near_misses") or ()),
            ))
    missing = set(KINDS) - {rule.kind for rule in rules}
    if missing:
        raise ValueError(f"{source}: no rules for {', '.join(sorted(missing))}")

    idioms = tuple(
        Idiom(name=entry["name"], examples=tuple(entry.get("examples") or ()),
              **_patterns(entry, words, f"{source}: idiom {entry['name']}", _IDIOM_KEYS, language))
        for entry in data.get("idioms") or ()
    )
    return RiskRules(priority=priority, rules=tuple(rules), idioms=idioms,
                     text_speak=text_speak, rewrites=rewrites, language=language)


def _patterns(entry: dict, words: dict[str, str], where: str, keys: set[str], language: str) -> dict:
    """A rule's or idiom's ``pattern`` and ``unless`` phrases, compiled."""
    unknown = set(entry) - keys
    if unknown:
        raise ValueError(f"{where}: unknown key {', '.join(sorted(unknown))}")
    spaced = language != "en"
    return {
        "regex": _regex(_expand(_one_line(entry["pattern"]), words, where), where, spaced=spaced),
        "unless": tuple(_regex(_expand(_one_line(phrase), words, f"{where}, unless"), f"{where}, unless",
                               spaced=spaced)
                        for phrase in entry.get("unless") or ()),
    }


def _one_line(value: str) -> str:
    """Long patterns may be split over lines in the YAML; the breaks mean nothing."""
    return "".join(line.strip() for line in str(value).splitlines())


def _expand(pattern: str, words: dict[str, str], where: str, depth: int = 0) -> str:
    if depth > 10:
        raise ValueError(f"{where}: word lists refer to each other in a loop")

    def word_list(match: re.Match) -> str:
        name = match.group(1)
        if name not in words:
            raise ValueError(f"{where}: unknown word list {{{name}}}")
        return _expand(words[name], words, where, depth + 1)

    return _WORD_NAME.sub(word_list, pattern)


def _check_supported(pattern: str, where: str) -> None:
    for construct, why in _NOT_SUPPORTED:
        if construct.search(pattern):
            raise ValueError(f"{where}: {why}")


def _regex(pattern: str, where: str, bare: bool = False, spaced: bool = False) -> Pattern:
    """Whole words only, unless ``bare``. Refuses what RE2 cannot run, saying why.

    RE2's word boundary ``\\b`` knows only ASCII letters, so in another
    language's rules a whole word is one between spaces (or an end)."""
    _check_supported(pattern, where)
    if not bare:
        pattern = rf"(?:^| )(?:{pattern})(?: |$)" if spaced else rf"\b(?:{pattern})\b"
    try:
        return _re2(pattern)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else error
        raise ValueError(f"{where}: RE2 cannot compile it: {reason}") from error
