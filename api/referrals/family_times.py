"""The good times a family gave, read into weekly windows, and what they
said with their number ("dont text it or leave a voicemail").

    family_windows("weekday mornings before 11")
        -> [Window(days={Mon..Fri}, starts=08:00, ends=11:00)]
    family_windows("9:30 to 2:30 on weekdays")
        -> [Window(days={Mon..Fri}, starts=09:30, ends=14:30)]

Anything not understood ("when the baby is asleep") gives None: no limit
is placed, and the worker reads the family's own words. The words this
reads are in data/contact_words.yml.
"""

import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path

import yaml

from api.settings import get_settings

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
DAY_NAMES = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
_DAY = "|".join(sorted(DAY_NAMES, key=len, reverse=True))
_TIME = r"(?:(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?|(noon|midday))"
WHOLE_DAY = (0, 24 * 60)


@dataclass(frozen=True)
class Window:
    """Days of the week (0 Monday) and London wall-clock minutes [starts, ends)."""

    days: frozenset
    starts: int
    ends: int

    @property
    def start_time(self) -> time:
        return time(self.starts // 60, self.starts % 60)

    @property
    def end_time(self) -> time:
        return time(23, 59) if self.ends >= 24 * 60 else time(self.ends // 60, self.ends % 60)


@dataclass(frozen=True)
class SaidWithNumber:
    """What the family said around their phone number."""

    condition: str       # their words without the number, "" if nothing more
    no_texts: bool
    no_voicemail: bool


@lru_cache(maxsize=4)
def _words(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def contact_words() -> dict:
    return _words(get_settings().data_path / "contact_words.yml")


def _plain(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9:.,;/\- ]", " ", text).split())


def _minutes(hour: str | None, minute: str | None, half: str | None, word: str | None,
             guess_pm: bool = True) -> int | None:
    if word:
        return 12 * 60
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59:
        return None
    if half == "pm" and h < 12:
        h += 12
    elif half == "am" and h == 12:
        h = 0
    elif half is None and guess_pm and 1 <= h <= 7:
        h += 12  # "after 3" is 3pm: nobody asks for a call at 3am
    return h * 60 + m


def _days(clause: str) -> frozenset | None:
    found: set[int] = set()
    for first, last in re.findall(rf"\b({_DAY})s?\s*(?:to|-|till|until)\s*({_DAY})s?\b", clause):
        a, b = DAY_NAMES[first], DAY_NAMES[last]
        found |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
    clause = re.sub(rf"\b({_DAY})s?\s*(?:to|-|till|until)\s*({_DAY})s?\b", " ", clause)
    if re.search(r"\bweek ?days?\b", clause):
        found |= WEEKDAYS
    if re.search(r"\bweek ?ends?\b", clause):
        found |= WEEKEND
    for name in re.findall(rf"\b({_DAY})s?\b", clause):
        found.add(DAY_NAMES[name])
    return frozenset(found) if found else None


def _ranges(clause: str) -> list[tuple[int, int]] | None:
    """The clause's time limits, intersected; None if it names no time."""
    limits: list[tuple[int, int]] = []
    clause = re.sub(r"\bnot before\b", "after", clause)
    clause = re.sub(r"\bnot after\b", "before", clause)
    for match in re.finditer(rf"(?:from\s+|between\s+)?\b{_TIME}\s*(?:to|-|till|until|and)\s*{_TIME}", clause):
        g = match.groups()
        start = _minutes(g[0], g[1], g[2], g[3])
        end = _minutes(g[4], g[5], g[6], g[7])
        if start is None or end is None:
            continue
        if end <= start and end < 12 * 60:
            end += 12 * 60
        if end > start:
            limits.append((start, end))
    clause = re.sub(rf"(?:from\s+|between\s+)?\b{_TIME}\s*(?:to|-|till|until|and)\s*{_TIME}", " ", clause)
    for word, group in (("before", 0), ("by", 0), ("until", 0), ("till", 0), ("after", 1), ("from", 1)):
        for match in re.finditer(rf"\b{word}\s+{_TIME}", clause):
            moment = _minutes(*match.groups())
            if moment is not None:
                limits.append((WHOLE_DAY[0], moment) if group == 0 else (moment, WHOLE_DAY[1]))
    parts = contact_words()["parts_of_day"]
    for name in sorted(parts, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}\b", clause):
            starts, ends = (int(part[:2]) * 60 + int(part[3:]) for part in parts[name])
            limits.append((starts, ends))
            clause = re.sub(rf"\b{re.escape(name)}\b", " ", clause)
    if not limits:
        return None
    starts, ends = max(a for a, _ in limits), min(b for _, b in limits)
    return [(starts, ends)] if ends > starts else []


def family_windows(text: str) -> list[Window] | None:
    """The weekly windows the family gave, or None when they gave no limit
    we understand (then only the worker's shift and the safe hours count)."""
    plain = _plain(text)
    if not plain:
        return None
    not_on = rf"\b(?:not|except|apart from|never)\s+(?:on\s+)?({_DAY})s?\b"
    excluded = {DAY_NAMES[name] for name in re.findall(not_on, plain)}
    plain = re.sub(not_on, " ", plain)
    for words in contact_words()["any_time"]:
        plain = re.sub(rf"\b{re.escape(words)}\b", " anytime ", plain)
    plain = re.sub(rf"\bbetween\s+{_TIME}\s+and\s+", lambda m: m.group(0).replace("between", "from")
                   .replace(" and ", " to "), plain)
    clauses = [c for c in re.split(r",|;|/|\bor\b|\band\b|\balso\b|\bbut\b", plain) if c.strip()]
    parsed = [(_days(c), _ranges(c) or ([WHOLE_DAY] if "anytime" in c.split() else None)) for c in clauses]
    if all(days is None and ranges is None for days, ranges in parsed) and not excluded:
        return None
    if all(days is None and ranges in (None, [WHOLE_DAY]) for days, ranges in parsed) and not excluded:
        return None  # "any time"
    if not parsed:
        windows = [Window(ALL_DAYS, *WHOLE_DAY)]
    elif all(days is not None and ranges is not None for days, ranges in parsed):
        windows = [Window(days, a, b) for days, ranges in parsed for a, b in ranges]
    else:
        all_days = frozenset().union(*(days for days, _ in parsed if days is not None)) or ALL_DAYS
        said = [r for _, ranges in parsed if ranges is not None for r in ranges]
        had_times = any(ranges is not None for _, ranges in parsed)
        windows = [Window(all_days, a, b) for a, b in (said if had_times else [WHOLE_DAY])]
    if excluded:
        windows = [Window(w.days - excluded, w.starts, w.ends) for w in windows]
    return [w for w in windows if w.days and w.ends > w.starts] or None


def said_with_number(text: str, phone_digits: str = "") -> SaidWithNumber:
    """The family's words around their number, kept for the worker, and
    whether they asked for no texts or no voicemail."""
    words = contact_words()
    plain = _plain(re.sub(r"\+?[\d][\d\s\-().]{8,}\d", " ", text or ""))
    no_texts = any(re.search(rf"\b{re.escape(p)}\b", plain) for p in words["no_texts"])
    no_voicemail = any(re.search(rf"\b{re.escape(p)}\b", plain) for p in words["no_voicemail"])
    rest = plain
    for filler in sorted(words["filler"], key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(filler)}\b", " ", rest)
    meaningful = bool(re.sub(r"[^a-z]", "", rest))
    condition = " ".join(re.sub(r"\+?[\d][\d\s\-().]{8,}\d", " ", text or "").split()).strip(" ,.-") \
        if meaningful else ""
    return SaidWithNumber(condition[:300], no_texts, no_voicemail)
