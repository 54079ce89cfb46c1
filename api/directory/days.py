"""Turn a day as a family writes it ("tmrw", "sat", "xmas") into dates.

Everything is relative to `today`, the local date in Europe/London.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from api.directory.calendar import next_bank_holiday

WEEKDAY_WORDS = {
    0: ["monday", "mon", "mondays"],
    1: ["tuesday", "tues", "tue", "tuesdays"],
    2: ["wednesday", "weds", "wed", "wednesdays", "wensday", "wenesday"],
    3: ["thursday", "thurs", "thur", "thu", "thursdays", "thrs"],
    4: ["friday", "fri", "fridays"],
    5: ["saturday", "sat", "saturdays", "sats"],
    6: ["sunday", "sun", "sundays"],
}
WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

TODAY_WORDS = ["today", "tday", "2day", "todays", "this morning", "this afternoon", "right now", "now"]
TONIGHT_WORDS = ["tonight", "tonite", "2nite", "2night", "this evening", "this eve"]
TOMORROW_WORDS = ["tomorrow", "tmrw", "tmw", "tmr", "tmoz", "tomoz", "2moro", "2morrow",
                  "tommorow", "tommorrow", "tomorow", "tomrrow", "tomorrows"]
WEEKEND_WORDS = ["weekend", "wkend", "w/e", "weekends"]
BANK_HOLIDAY_WORDS = ["bank holiday", "bank hol", "bank holidays", "bank hols", "bh monday"]

# (words, month, day) for days named after Christmas and New Year.
FESTIVE_DAYS = [
    (["christmas eve", "xmas eve", "xmas eve's"], 12, 24),
    (["boxing day"], 12, 26),
    (["new years eve", "new year's eve", "nye"], 12, 31),
    (["new years day", "new year's day", "new years", "new year's", "new year"], 1, 1),
    (["christmas day", "xmas day", "christmas", "xmas", "crimbo"], 12, 25),
]


@dataclass(frozen=True)
class DayRequest:
    """The days a family asked about.

    kind is one of: today, tonight, tomorrow, weekday, weekend,
    bank_holiday, date. `evening` is true for "tonight".
    """

    dates: tuple[date, ...]
    kind: str
    evening: bool = False


def _has(text: str, words: list[str]) -> bool:
    return any(re.search(rf"(?<![a-z0-9']){re.escape(word)}(?![a-z0-9'])", text) for word in words)


def _next_on_or_after(today: date, month: int, day: int) -> date:
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)


def _next_day_of_month(today: date, day: int) -> date | None:
    """The next date on or after today that falls on this day of the month."""
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _explicit_date(text: str, today: date) -> date | None:
    """"28 december", "28th dec", "dec 28", "28/12", "28/12/2026" or "the 28th"."""
    month_names = "|".join(sorted(MONTHS, key=len, reverse=True))
    patterns = [
        (rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({month_names})\b", "day_month"),
        (rf"\b({month_names}) (\d{{1,2}})(?:st|nd|rd|th)?\b", "month_day"),
    ]
    for pattern, order in patterns:
        match = re.search(pattern, text)
        if match:
            first, second = match.groups()
            day, month = (int(first), MONTHS[second]) if order == "day_month" else (int(second), MONTHS[first])
            try:
                return _next_on_or_after(today, month, day)
            except ValueError:
                return None
    match = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)\b", text)  # "the 16th": the next 16th
    if match and "/" not in text:
        return _next_day_of_month(today, int(match.group(1)))
    match = re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b", text)
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        try:
            if year:
                full_year = int(year) + 2000 if len(year) == 2 else int(year)
                return date(full_year, month, day)
            return _next_on_or_after(today, month, day)
        except ValueError:
            return None
    return None


def parse_day(text: str | None, today: date) -> DayRequest | None:
    """The days meant by `text`, or None if empty or not understood.

    A weekday name means the next one, today included ("monday" said on a
    Monday means today); "next monday" means the one after today.
    """
    cleaned = re.sub(r"[^a-z0-9'/ ]+", " ", (text or "").lower().replace("\u2019", "'"))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        return None

    for words, month, day in FESTIVE_DAYS:
        if _has(cleaned, words):
            return DayRequest((_next_on_or_after(today, month, day),), "date")
    if _has(cleaned, BANK_HOLIDAY_WORDS):
        return DayRequest((next_bank_holiday(today),), "bank_holiday")
    if _has(cleaned, TONIGHT_WORDS):
        return DayRequest((today,), "tonight", evening=True)
    if _has(cleaned, TOMORROW_WORDS):
        return DayRequest((today + timedelta(days=1),), "tomorrow")
    if _has(cleaned, WEEKEND_WORDS):
        if today.weekday() == 6:
            return DayRequest((today,), "weekend")
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return DayRequest((saturday, saturday + timedelta(days=1)), "weekend")
    explicit = _explicit_date(cleaned, today)
    if explicit is not None:
        return DayRequest((explicit,), "date")
    for weekday, words in WEEKDAY_WORDS.items():
        if _has(cleaned, words):
            ahead = (weekday - today.weekday()) % 7
            if ahead == 0 and _has(cleaned, ["next"]):
                ahead = 7
            return DayRequest((today + timedelta(days=ahead),), "weekday")
    if _has(cleaned, TODAY_WORDS):
        return DayRequest((today,), "today")
    return None
