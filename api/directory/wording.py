"""Dates, times and lists in family words ("9am", "tomorrow", "on Monday").

The words themselves come from `phrases:` in data/content/templates.yml.
"""

import calendar
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from api.content.service import phrase
from api.directory.timetable import local
from api.settings import get_settings


def say(key: str, **values: object) -> str:
    return phrase(get_settings().data_path, key, **values)


def family_time(value: time) -> str:
    """9:00 -> "9am", 17:30 -> "5:30pm", 12:00 -> "12pm"."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def weekday_name(day: date) -> str:
    return calendar.day_name[day.weekday()]


def family_day(day: date, today: date, evening: bool = False) -> str:
    """"today", "tonight", "tomorrow", "on Monday", or "on Monday 28 December"
    when it is more than 6 days away."""
    if day == today:
        return say("tonight") if evening else say("today")
    if day == today + timedelta(days=1):
        return say("tomorrow")
    if today < day <= today + timedelta(days=6):
        return say("on_weekday", weekday=weekday_name(day))
    return say("on_date", weekday=weekday_name(day), day=day.day, month=calendar.month_name[day.month])


def family_moment(moment: datetime, now: datetime) -> str:
    """"9am tomorrow", "9am on Monday", "9am on Monday 28 December"."""
    when, today = local(moment), local(now).date()
    return say("time_on_day", time=family_time(when.time()), day=family_day(when.date(), today))


def family_hours(opens: time, closes: time) -> str:
    return say("time_range", opens=family_time(opens), closes=family_time(closes))


def family_list(items: Sequence[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return say("list_separator").join(items[:-1]) + say("list_and") + items[-1]


def family_week(weekly: dict[int, tuple[time, time]]) -> str:
    """"Monday to Thursday 9am to 5pm, Friday 9am to 4:30pm"; days with the
    same hours next to each other are put together."""
    groups: list[tuple[int, int, tuple[time, time]]] = []
    for weekday in range(7):
        hours = weekly.get(weekday)
        if hours is None:
            continue
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], weekday, hours)
        else:
            groups.append((weekday, weekday, hours))
    parts = []
    for first, last, (opens, closes) in groups:
        days = calendar.day_name[first] if first == last else say(
            "day_span", first=calendar.day_name[first], last=calendar.day_name[last])
        parts.append(say("days_and_hours", days=days, hours=family_hours(opens, closes)))
    return say("list_separator").join(parts)


def single_line(text: str) -> str:
    return " ".join(text.split())
