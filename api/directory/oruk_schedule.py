"""Reading an Open Referral UK (HSDS 3) schedule into the pattern a hub
session keeps: weekly, fortnightly (counted from a date) or monthly (the
nth weekday), with start and end times and the dates it is valid between.

`read_schedule` answers one of three ways: a `Pattern`; `FreeTextOnly`
(the feed gave words but no rule: imported as it is, for a person to look
at); or it raises `ScheduleProblem` (a rule a hub session cannot keep, such
as DAILY or several days: the service is still imported and listed for a
person, but no session dates are made from it).
"""

import re
from dataclasses import dataclass
from datetime import date, time

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
BYDAY = re.compile(r"^(?P<nth>[+-]?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")


class ScheduleProblem(ValueError):
    """A schedule whose rule cannot be turned into session dates."""


@dataclass(frozen=True)
class FreeTextOnly:
    description: str


@dataclass(frozen=True)
class Pattern:
    freq: str  # weekly | fortnightly | monthly
    weekday: int
    week_of_month: int | None
    starts: time
    ends: time
    starts_on: date | None
    ends_on: date | None


def read_time(value) -> time:
    """"13:30", "13:30:00" or "13:30:00Z" -> 13:30."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", str(value or "").strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleProblem(f"a time we cannot read: {str(value)[:40]!r}")
    return time(int(match.group(1)), int(match.group(2)))


def read_date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as error:
        raise ScheduleProblem(f"a date we cannot read: {str(value)[:40]!r}") from error


def read_schedule(schedule: dict) -> Pattern | FreeTextOnly:
    freq = str(schedule.get("freq") or "").strip().upper()
    if not freq:
        if schedule.get("byday") or schedule.get("opens_at"):
            raise ScheduleProblem("days or times given without freq")
        words = " ".join(str(schedule.get("description") or "").split())
        if not words:
            raise ScheduleProblem("a schedule with neither a rule nor a description")
        return FreeTextOnly(words)
    if freq not in ("WEEKLY", "MONTHLY"):
        raise ScheduleProblem(f"freq {freq[:20]} is not one we can expand (WEEKLY or MONTHLY)")
    if schedule.get("bymonthday") not in (None, "", []):
        raise ScheduleProblem("bymonthday (a date in the month) is not a pattern hub sessions can keep")
    try:
        interval = int(schedule.get("interval") or 1)
    except (TypeError, ValueError) as error:
        raise ScheduleProblem("interval is not a whole number") from error
    days = [part.strip().upper() for part in str(schedule.get("byday") or "").split(",") if part.strip()]
    if len(days) != 1:
        raise ScheduleProblem("byday must name exactly one day")
    match = BYDAY.match(days[0])
    if not match:
        raise ScheduleProblem(f"byday {days[0][:10]!r} is not a day")
    weekday, nth = DAYS.index(match.group("day")), match.group("nth")
    starts, ends = read_time(schedule.get("opens_at")), read_time(schedule.get("closes_at"))
    if ends <= starts:
        raise ScheduleProblem("closes_at is not after opens_at")
    dtstart = read_date(schedule.get("dtstart"))
    valid_from = read_date(schedule.get("valid_from"))
    ends_on = read_date(schedule.get("until")) or read_date(schedule.get("valid_to"))
    if freq == "WEEKLY":
        if nth or interval not in (1, 2):
            raise ScheduleProblem("a weekly rule must be every week or every other week, on a plain day")
        if interval == 2:
            anchor = dtstart or valid_from
            if anchor is None:
                raise ScheduleProblem("every other week needs dtstart (the date of one session)")
            return Pattern("fortnightly", weekday, None, starts, ends, anchor, ends_on)
        return Pattern("weekly", weekday, None, starts, ends, valid_from or dtstart, ends_on)
    if interval != 1 or not nth or int(nth) not in (1, 2, 3, 4, -1):
        raise ScheduleProblem("a monthly rule must be the 1st to 4th or last weekday (1SA, -1FR) every month")
    return Pattern("monthly", weekday, int(nth), starts, ends, valid_from or dtstart, ends_on)


def write_schedule(freq: str, weekday: int, week_of_month: int | None, starts: time, ends: time,
                   starts_on: date | None, ends_on: date | None) -> dict:
    """The HSDS 3 schedule fields for a hub session's pattern (the reverse
    of `read_schedule`)."""
    day = DAYS[weekday]
    fields: dict = {"opens_at": starts.strftime("%H:%M"), "closes_at": ends.strftime("%H:%M")}
    if freq == "monthly":
        fields.update(freq="MONTHLY", interval=1, byday=f"{week_of_month or 1}{day}")
    else:
        fields.update(freq="WEEKLY", interval=2 if freq == "fortnightly" else 1, byday=day)
    if freq == "fortnightly" and starts_on:
        fields["dtstart"] = starts_on.isoformat()
    elif starts_on:
        fields["valid_from"] = starts_on.isoformat()
    if ends_on:
        fields["valid_to"] = ends_on.isoformat()
    return fields
