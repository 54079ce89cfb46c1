"""When a hub (or the front door phone line) is open on a date or moment.

All comparisons of moments are done in UTC; dates and wall-clock times are
Europe/London, so a clock change never moves "9am".
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from api.directory.calendar import bank_holiday_name, in_yearly_range

LONDON = ZoneInfo("Europe/London")
LOOK_AHEAD_DAYS = 60


def local(moment: datetime) -> datetime:
    """`moment` in Europe/London (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LONDON)


def at_local(day: date, wall: time) -> datetime:
    """The aware moment for a London wall-clock time on a date."""
    return datetime.combine(day, wall).replace(tzinfo=LONDON)


@dataclass(frozen=True)
class ClosureRule:
    reason: str
    starts_on: date | None = None
    ends_on: date | None = None
    yearly_from: str | None = None
    yearly_to: str | None = None

    def covers(self, day: date) -> bool:
        if self.yearly_from and self.yearly_to:
            return in_yearly_range(day, self.yearly_from, self.yearly_to)
        if self.starts_on and self.ends_on:
            return self.starts_on <= day <= self.ends_on
        return False


@dataclass(frozen=True)
class DayHours:
    """Hours on one date. `closed_because` is None when open, else
    "usual" (not open that weekday), "bank_holiday" or "closure"."""

    day: date
    opens: time | None
    closes: time | None
    closed_because: str | None = None
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.closed_because is None


@dataclass
class Timetable:
    weekly: dict[int, tuple[time, time]]
    closures: list[ClosureRule] = field(default_factory=list)

    def day(self, day: date) -> DayHours:
        for rule in self.closures:
            if rule.covers(day):
                return DayHours(day, None, None, "closure", rule.reason)
        holiday = bank_holiday_name(day)
        if holiday:
            return DayHours(day, None, None, "bank_holiday", holiday)
        usual = self.weekly.get(day.weekday())
        if usual is None:
            return DayHours(day, None, None, "usual")
        return DayHours(day, usual[0], usual[1])

    def closes_at_if_open(self, moment: datetime) -> datetime | None:
        """When it closes, if open at `moment`; otherwise None."""
        now = local(moment)
        today = self.day(now.date())
        if not today.is_open:
            return None
        opens, closes = at_local(today.day, today.opens), at_local(today.day, today.closes)
        if opens.astimezone(timezone.utc) <= now.astimezone(timezone.utc) < closes.astimezone(timezone.utc):
            return closes
        return None

    def next_opening(self, moment: datetime) -> datetime | None:
        """The first opening time after `moment`, or None within 60 days."""
        now = local(moment)
        for offset in range(LOOK_AHEAD_DAYS):
            hours = self.day(now.date() + timedelta(days=offset))
            if hours.is_open:
                opens = at_local(hours.day, hours.opens)
                if opens.astimezone(timezone.utc) > now.astimezone(timezone.utc):
                    return opens
        return None
