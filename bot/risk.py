"""The crisis check that runs on every message before anything else answers it.

It looks for harm to self, harm to a child, violence, or a medical emergency,
and says which kind it found, so the right helplines go out at once. The
phrases live in ``data/safety/risk_phrases.yml`` where a safeguarding lead can
review them; this module only tidies the text and applies those rules.

Standard library and PyYAML only: both the Rasa venv (Python 3.10) and the
api venv (Python 3.11) import it.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES_PATH = REPO_ROOT / "data" / "safety" / "risk_phrases.yml"
KINDS = ("self_harm", "child_harm", "violence", "medical")

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'",
    "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
})
# Spelled-out contractions, before apostrophes are dropped: "he'll" would
# otherwise become "hell" and "i'll" the word "ill".
_CONTRACTIONS = tuple((re.compile(find), replace) for find, replace in (
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
_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")
_LETTER_REPEATED = re.compile(r"([a-z])\1{2,}")
_WORD_NAME = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class RiskAssessment:
    """What the check found. ``phrase`` is the rule's name, never the family's words."""

    kind: str
    phrase: str


@dataclass(frozen=True)
class PhraseRule:
    kind: str
    name: str
    regex: re.Pattern
    fallback: bool = False
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Idiom:
    name: str
    regex: re.Pattern
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskRules:
    """Compiled rules from one YAML file. Build with ``load_rules``."""

    priority: tuple[str, ...]
    rules: tuple[PhraseRule, ...]
    idioms: tuple[Idiom, ...]
    text_speak: Mapping[str, str] = field(default_factory=dict)
    rewrites: tuple[tuple[re.Pattern, str], ...] = ()

    def normalise(self, text: str) -> str:
        """Lower case, plain letters and words, text-speak written out."""
        text = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        for find, replace in _CONTRACTIONS:
            text = find.sub(replace, text)
        text = text.replace("'", "").replace("&", " and ")
        text = _NOT_LETTER_OR_DIGIT.sub(" ", text)
        text = _LETTER_REPEATED.sub(r"\1\1", text)
        text = " ".join(self.text_speak.get(word, word) for word in text.split())
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
        idiom_spans: list[tuple[int, int]] | None = None
        matched = []
        for rule in self.rules:
            for found in rule.regex.finditer(clean):
                if idiom_spans is None:  # only worked out when a rule first matches
                    idiom_spans = [m.span() for idiom in self.idioms for m in idiom.regex.finditer(clean)]
                start, end = found.span()
                if not any(s <= start and end <= e for s, e in idiom_spans):
                    matched.append(rule)
                    break
        return matched


def load_rules(path: str | Path | None = None) -> RiskRules:
    """Rules from ``path`` (default ``data/safety/risk_phrases.yml``), compiled once and cached.

    Raises ValueError when the file is not usable, so a broken edit fails at start-up,
    not silently on a family's message.
    """
    return _load_rules_cached(Path(path or DEFAULT_RULES_PATH).resolve())


def assess(text: str, rules: RiskRules | None = None) -> RiskAssessment | None:
    """The one kind of risk in ``text`` that matters most, or None."""
    return (rules or load_rules()).assess(text)


@functools.lru_cache(maxsize=8)
def _load_rules_cached(path: Path) -> RiskRules:
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file)
    return _compile(data, source=str(path))


def _compile(data: dict, source: str) -> RiskRules:
    priority = tuple(data.get("priority") or ())
    if sorted(priority) != sorted(KINDS):
        raise ValueError(f"{source}: priority must list each of {', '.join(KINDS)} once")
    words = {name: _one_line(value) for name, value in (data.get("words") or {}).items()}
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
            if name in names:
                raise ValueError(f"{source}: rule name {name!r} is used twice")
            names.add(name)
            pattern = _expand(_one_line(entry["pattern"]), words, f"{source}: rule {name}")
            rules.append(PhraseRule(
                kind=kind, name=name, regex=_regex(pattern, f"{source}: rule {name}"),
                fallback=bool(entry.get("fallback", False)),
                examples=tuple(entry.get("examples") or ()),
            ))
    missing = set(KINDS) - {rule.kind for rule in rules}
    if missing:
        raise ValueError(f"{source}: no rules for {', '.join(sorted(missing))}")

    idioms = tuple(
        Idiom(
            name=entry["name"],
            regex=_regex(_expand(_one_line(entry["pattern"]), words, f"{source}: idiom {entry['name']}"),
                         f"{source}: idiom {entry['name']}"),
            examples=tuple(entry.get("examples") or ()),
        )
        for entry in data.get("idioms") or ()
    )
    return RiskRules(priority=priority, rules=tuple(rules), idioms=idioms,
                     text_speak=text_speak, rewrites=rewrites)


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


def _regex(pattern: str, where: str, bare: bool = False) -> re.Pattern:
    """Whole words only, unless ``bare``."""
    try:
        return re.compile(pattern if bare else rf"\b(?:{pattern})\b")
    except re.error as error:
        raise ValueError(f"{where}: {error}") from error
