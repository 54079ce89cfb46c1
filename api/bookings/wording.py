"""Labels, dates, ages and numbered lists for booking, in family words.

The words come from `phrases:` in data/content/bookings.yml; whole answers
come from its `answers:` (through `api.content.service.render`).
"""

import calendar
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import yaml

from api.directory.models import Hub, HubSession
from api.directory.wording import family_day, family_time, weekday_name
from api.directory.wording import say as directory_say
from api.settings import get_settings

# The numbered list a family replies to: 3 fit in a text, 5 on web chat.
LIST_LENGTH = {"sms": 3, "web": 5}


@lru_cache
def _phrases(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {str(k): str(v) for k, v in (data.get("phrases") or {}).items()}


def say(key: str, **values: object) -> str:
    return _phrases(str(get_settings().data_path / "content" / "bookings.yml"))[key].format(**values)


def list_length(channel: str) -> int:
    return LIST_LENGTH.get(channel, LIST_LENGTH["web"])


def full_date(day: date) -> str:
    """"Tuesday 24 November"."""
    return say("date", weekday=weekday_name(day), day=day.day, month=calendar.month_name[day.month])


def hub_address(hub: Hub) -> str:
    """"12 Quay Street, Fernbridge, FB1 2AB" (the hub's name left out)."""
    lines = [line for line in hub.address if line.strip().lower() != hub.name.lower()]
    return ", ".join([*lines, hub.postcode])


def session_label(hub_session: HubSession, day: date, today: date | None = None) -> str:
    """"Messy play at Riverside Family Hub, on Tuesday 10am to 11am"; with no
    `today`, the full date ("Tuesday 24 November 10am to 11am")."""
    when = family_day(day, today) if today is not None else full_date(day)
    return say("label", title=hub_session.title, hub=hub_session.hub.name, day=when,
               starts=family_time(hub_session.starts), ends=family_time(hub_session.ends))


def session_on_day(hub_session: HubSession, day: date, today: date) -> str:
    """"Messy play on Tuesday", "Messy play tomorrow"."""
    return say("session_on_day", title=hub_session.title, day=family_day(day, today))


def numbers_to_reply(count: int) -> str:
    """3 -> "1, 2 or 3"; 2 -> "1 or 2"; 1 -> "1"."""
    numbers = [str(n) for n in range(1, count + 1)]
    if len(numbers) <= 1:
        return "".join(numbers)
    return directory_say("list_separator").join(numbers[:-1]) + say("numbers_or") + numbers[-1]


def numbered(labels: Sequence[str]) -> str:
    """One line per choice: "1. Messy play at ...". Lines are joined with
    line breaks, which a text message keeps."""
    return "\n".join(say("option_line", number=i, label=label.rstrip(".")) for i, label in enumerate(labels, 1))


def age_words(months: int) -> str:
    """18 -> "18 months"; 24 -> "2 years"; 30 -> "2 years"; 1 -> "1 month"."""
    if months < 24:
        return say("one_month") if months == 1 else say("months", count=months)
    years = months // 12
    return say("one_year") if years == 1 else say("years", count=years)


def age_range_words(min_months: int, max_months: int) -> str:
    """"18 months to 5 years"."""
    return say("age_range", low=age_words(min_months), high=age_words(max_months))
