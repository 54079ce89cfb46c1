"""Which worker a new referral goes to, and when they will get in touch.

A worker's working times are their weekly shifts at their hub, except on
days the hub is shut for a bank holiday (England) or a closure (Christmas).
All moments are compared in UTC; shifts are Europe/London wall-clock times.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.directory.models import Hub, Worker
from api.directory.service import hub_timetable
from api.directory.timetable import LOOK_AHEAD_DAYS, Timetable, at_local, local
from api.referrals.family_times import ALL_DAYS, WHOLE_DAY, Window
from api.referrals.models import OPEN_STATUSES, Referral
from api.settings import get_settings


class NobodyToAssign(LookupError):
    """No active worker at the hub has a shift in the next 60 days."""


@dataclass(frozen=True)
class Shift:
    starts: datetime
    ends: datetime

    def covers(self, moment: datetime) -> bool:
        return _utc(self.starts) <= _utc(moment) < _utc(self.ends)


@dataclass(frozen=True)
class Assignment:
    worker: Worker
    contact_by: datetime  # aware, Europe/London
    today: bool           # urgent and the worker is on now: "today"
    # Set when the family gave good times and the first of them is still
    # to come: the family is told "between {contact_from} and {contact_by}".
    contact_from: datetime | None = None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def worker_shifts(worker: Worker, timetable: Timetable, after: datetime):
    """The worker's shifts that end after `after`, soonest first."""
    pattern = {shift.weekday: (shift.starts, shift.ends) for shift in worker.shifts}
    today = local(after).date()
    for offset in range(LOOK_AHEAD_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() not in pattern:
            continue
        if timetable.day(day).closed_because in ("bank_holiday", "closure"):
            continue
        starts, ends = pattern[day.weekday()]
        shift = Shift(at_local(day, starts), at_local(day, ends))
        if _utc(shift.ends) > _utc(after):
            yield shift


def open_referral_counts(session: Session, worker_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Referral.worker_id, func.count(Referral.id))
        .where(Referral.worker_id.in_(worker_ids), Referral.status.in_(OPEN_STATUSES))
        .group_by(Referral.worker_id))
    return {worker_id: count for worker_id, count in rows}


def choose_worker(session: Session, hub: Hub, now: datetime) -> tuple[Worker, Shift]:
    """The worker on duty now with the fewest open referrals; if nobody is
    on duty, the one whose next shift starts soonest (fewest open first on a tie)."""
    timetable = hub_timetable(session, hub)
    workers = list(session.scalars(
        select(Worker).options(selectinload(Worker.shifts))
        .where(Worker.hub_id == hub.id, Worker.active.is_(True)).order_by(Worker.name)))
    next_shift = {}
    for worker in workers:
        shift = next(worker_shifts(worker, timetable, now), None)
        if shift is not None:
            next_shift[worker.id] = (worker, shift)
    if not next_shift:
        raise NobodyToAssign(hub.slug)
    counts = open_referral_counts(session, list(next_shift))
    on_now = [(w, s) for w, s in next_shift.values() if s.covers(now)]
    if on_now:
        return min(on_now, key=lambda pair: (counts.get(pair[0].id, 0), pair[0].name))
    return min(next_shift.values(), key=lambda pair: (_utc(pair[1].starts), counts.get(pair[0].id, 0), pair[0].name))


def safe_hours() -> tuple[int, int]:
    """The safe window for getting in touch, in minutes of the London day:
    the same hours texts may go out (8am to 8pm by default)."""
    settings = get_settings()
    return settings.sms_quiet_until_hour * 60, min(settings.sms_quiet_from_hour * 60, 24 * 60 - 1)


def _wall(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def fitting_times(worker: Worker, timetable: Timetable, now: datetime, windows: list[Window] | None):
    """Stretches (starts, ends) after `now`, soonest first, when the worker is
    on shift, inside the safe window, and inside the family's good times."""
    safe_from, safe_until = safe_hours()
    for shift in worker_shifts(worker, timetable, now):
        day = local(shift.starts).date()
        limits = windows if windows is not None else [Window(ALL_DAYS, *WHOLE_DAY)]
        for window in sorted((w for w in limits if day.weekday() in w.days), key=lambda w: w.starts):
            starts = max(_utc(shift.starts), _utc(at_local(day, _wall(max(window.starts, safe_from)))), _utc(now))
            ends = min(_utc(shift.ends), _utc(at_local(day, _wall(min(window.ends, safe_until)))))
            if starts < ends:
                yield starts, ends


def promise(worker: Worker, timetable: Timetable, now: datetime, urgent: bool, within: timedelta,
            windows: list[Window] | None) -> Assignment | None:
    """When this worker can promise to get in touch, or None within 60 days.

    Inside a fitting stretch now: urgent means by its end ("today" when the
    family gave no times); otherwise by its end if at least `within` of it
    is left. Else within `within` of the start of the next fitting stretch
    (never after it ends), said as "between" when the family gave times."""
    for starts, ends in fitting_times(worker, timetable, now, windows):
        if starts <= _utc(now):
            if urgent:
                return Assignment(worker, local(ends), windows is None)
            if ends - _utc(now) >= within:
                return Assignment(worker, local(ends), False)
            continue
        contact_from = local(starts) if windows is not None else None
        return Assignment(worker, local(min(starts + within, ends)), False, contact_from)
    return None


def assign(session: Session, hub: Hub, now: datetime, urgent: bool, within: timedelta,
           windows: list[Window] | None = None) -> Assignment:
    """The worker and the promise. With no good times from the family: the
    worker on duty now with the fewest open referrals (else whoever is on
    next). With good times: whoever can get in touch soonest inside them
    (fewest open referrals on a tie)."""
    if windows is None:
        worker, _ = choose_worker(session, hub, now)
        found = promise(worker, hub_timetable(session, hub), now, urgent, within, None)
        if found is None:
            raise NobodyToAssign(hub.slug)
        return found
    timetable = hub_timetable(session, hub)
    workers = list(session.scalars(
        select(Worker).options(selectinload(Worker.shifts))
        .where(Worker.hub_id == hub.id, Worker.active.is_(True)).order_by(Worker.name)))
    promises = [found for found in (promise(w, timetable, now, urgent, within, windows) for w in workers) if found]
    if not promises:
        # Their times never meet a shift in the next 60 days: promise by the
        # shifts alone (the worker reads the family's times).
        return assign(session, hub, now, urgent, within, None)
    counts = open_referral_counts(session, [found.worker.id for found in promises])
    return min(promises, key=lambda found: (_utc(found.contact_from or found.contact_by),
                                            counts.get(found.worker.id, 0), found.worker.name))
