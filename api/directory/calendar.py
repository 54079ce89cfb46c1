"""Bank holidays (England), closures and school holidays for a date."""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _england_bank_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=[year]).items())


def bank_holiday_name(day: date) -> str | None:
    """The England bank holiday's name on `day`, or None."""
    return _england_bank_holidays(day.year).get(day)


def next_bank_holiday(today: date) -> date:
    """The next England bank holiday, today included."""
    for year in (today.year, today.year + 1):
        for day in sorted(_england_bank_holidays(year)):
            if day >= today:
                return day
    return today + timedelta(days=366)  # never reached: every year has one


def in_yearly_range(day: date, yearly_from: str, yearly_to: str) -> bool:
    """Is `day` inside a "MM-DD".."MM-DD" range that may wrap over New Year?"""
    md = day.strftime("%m-%d")
    if yearly_from <= yearly_to:
        return yearly_from <= md <= yearly_to
    return md >= yearly_from or md <= yearly_to
