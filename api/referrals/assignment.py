"""Which worker a new referral goes to, and when they will get in touch.

A worker's working times are their weekly shifts at their hub, except on
days the hub is shut for a bank holiday (England) or a closure (Christmas).
All moments are compared in UTC; shifts are Europe/London wall-clock times.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.directory.models import Hub, Worker
from api.directory.service import hub_timetable
from api.directory.timetable import LOOK_AHEAD_DAYS, Timetable, at_local, local
from api.referrals.models import OPEN_STATUSES, Referral


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


def contact_time(session: Session, hub: Hub, worker: Worker, shift: Shift, now: datetime, urgent: bool,
                 within: timedelta) -> tuple[datetime, bool]:
    """When the family can expect to hear, and whether that is "today".

    On duty now: urgent means "today" (by the end of the shift); otherwise by
    the end of this shift if at least `within` of it is left. Else within
    `within` of the start of their next shift (never after that shift ends).
    """
    if shift.covers(now):
        if urgent:
            return local(shift.ends), True
        if _utc(shift.ends) - _utc(now) >= within:
            return local(shift.ends), False
        shift = next((s for s in worker_shifts(worker, hub_timetable(session, hub), shift.ends)
                      if _utc(s.starts) >= _utc(shift.ends)), shift)
    contact_by = min(_utc(shift.starts) + within, _utc(shift.ends))
    return local(contact_by), False


def assign(session: Session, hub: Hub, now: datetime, urgent: bool, within: timedelta) -> Assignment:
    worker, shift = choose_worker(session, hub, now)
    contact_by, today = contact_time(session, hub, worker, shift, now, urgent, within)
    return Assignment(worker, contact_by, today)
