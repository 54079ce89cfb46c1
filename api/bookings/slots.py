"""Occurrences of sessions ("slots") and the places they have.

An occurrence is written `<session key>@<YYYY-MM-DD>`. Its dates come from
the directory's recurrence rule (`api.directory.service.session_dates`),
less hub closures, bank holidays and school holidays for term-time
sessions. Places are counted in `session_dates`, whose row for a date is
made the first time someone books it or staff call it off.

Places are only ever taken with one conditional UPDATE whose row count
decides (see `take_places`), so two families can never both get the last
place, on SQLite or on PostgreSQL.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import false, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from api.bookings.checks import BookingProblem
from api.bookings.models import SessionDate
from api.directory.models import Hub, HubSession
from api.directory.service import (
    hub_timetable, school_holidays, session_dates, session_runs_on, session_skipped_because,
)
from api.directory.timetable import at_local, local

BOOK_AHEAD_DAYS = 56
UNLIMITED = 10_000  # a booking-required session with no capacity set
WAIT_PREFIX = "wait:"
OCCURRENCE = re.compile(r"(?P<key>[A-Za-z0-9_.\-]{1,120})@(?P<day>\d{4}-\d{2}-\d{2})")


@dataclass
class Slot:
    hub_session: HubSession
    day: date
    places_taken: int = 0
    cancelled: bool = False
    cancel_reason: str | None = None
    session_date_id: int | None = None

    @property
    def occurrence(self) -> str:
        return f"{self.hub_session.key}@{self.day.isoformat()}"

    @property
    def starts_at(self) -> datetime:
        return at_local(self.day, self.hub_session.starts)

    @property
    def ends_at(self) -> datetime:
        return at_local(self.day, self.hub_session.ends)

    @property
    def capacity(self) -> int:
        return self.hub_session.capacity if self.hub_session.capacity is not None else UNLIMITED

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.places_taken)

    @property
    def full(self) -> bool:
        return bool(self.hub_session.booking_required) and self.places_left <= 0

    def has_started(self, now: datetime) -> bool:
        return self.starts_at.astimezone(timezone.utc) <= _utc(now)

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at.astimezone(timezone.utc) <= _utc(now)


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def parse_occurrence(text: str | None) -> tuple[str, date, bool] | None:
    """"wait:riverside_messy_play_tue@2026-11-24" -> (key, date, True)."""
    value = (text or "").strip()
    wait = value.lower().startswith(WAIT_PREFIX)
    if wait:
        value = value[len(WAIT_PREFIX):].strip()
    match = OCCURRENCE.fullmatch(value)
    if not match:
        return None
    try:
        return match.group("key"), date.fromisoformat(match.group("day")), wait
    except ValueError:
        return None


def _sessions_query():
    return select(HubSession).options(selectinload(HubSession.hub).selectinload(Hub.hours),
                                      selectinload(HubSession.kind))


def session_by_key(session: Session, key: str) -> HubSession | None:
    return session.scalar(_sessions_query().where(HubSession.key == key))


def _rows(session: Session, pairs: list[tuple[int, date]]) -> dict[tuple[int, date], SessionDate]:
    if not pairs:
        return {}
    ids = {session_id for session_id, _ in pairs}
    days = [day for _, day in pairs]
    rows = session.scalars(select(SessionDate).where(
        SessionDate.session_id.in_(ids), SessionDate.on_date >= min(days), SessionDate.on_date <= max(days)))
    return {(row.session_id, row.on_date): row for row in rows}


def _slot(hub_session: HubSession, day: date, row: SessionDate | None) -> Slot:
    if row is None:
        return Slot(hub_session, day)
    return Slot(hub_session, day, row.places_taken, row.cancelled, row.cancel_reason, row.id)


def load_slot(session: Session, hub_session: HubSession, day: date) -> Slot:
    """The slot with its places as they are in the database now."""
    row = session.execute(select(SessionDate.id, SessionDate.places_taken, SessionDate.cancelled,
                                 SessionDate.cancel_reason)
                          .where(SessionDate.session_id == hub_session.id, SessionDate.on_date == day)).first()
    if row is None:
        return Slot(hub_session, day)
    return Slot(hub_session, day, row.places_taken, row.cancelled, row.cancel_reason, row.id)


def find_slot(session: Session, occurrence: str | None, now: datetime) -> tuple[Slot, bool]:
    """The slot an occurrence names, and whether a waiting-list place was
    asked for. BookingProblem (404) if it does not exist, has started or
    passed, is too far ahead, or was called off."""
    parsed = parse_occurrence(occurrence)
    if parsed is None:
        raise BookingProblem("booking_unknown_session", 404, "occurrence: write it as <session key>@<YYYY-MM-DD>")
    key, day, wait = parsed
    hub_session = session_by_key(session, key)
    if hub_session is None or hub_session.retired or not session_runs_on(session, hub_session, day):
        raise BookingProblem("booking_unknown_session", 404, "occurrence: no such session on that date")
    slot = load_slot(session, hub_session, day)
    if slot.has_started(now):
        raise BookingProblem("booking_unknown_session", 404, "occurrence: it has started or passed")
    if day > local(now).date() + timedelta(days=BOOK_AHEAD_DAYS):
        raise BookingProblem("booking_too_far_ahead", 404, "occurrence: too far ahead to book",
                             weeks=BOOK_AHEAD_DAYS // 7)
    if slot.cancelled:
        raise BookingProblem("booking_date_cancelled", 404, "occurrence: called off by the hub",
                             session_name=f"{hub_session.title} at {hub_session.hub.name}")
    return slot, wait


def upcoming_slots(session: Session, hub_sessions: list[HubSession], first: date, last: date,
                   now: datetime) -> list[Slot]:
    """Every slot of these sessions between two dates that runs, has not
    started and was not called off, soonest first."""
    holidays = school_holidays(session)
    timetables = {}
    wanted: list[tuple[HubSession, date]] = []
    for hub_session in hub_sessions:
        if hub_session.retired:
            continue  # gone from the directory: not offered, its bookings kept
        timetable = timetables.setdefault(hub_session.hub_id, hub_timetable(session, hub_session.hub))
        for day in session_dates(hub_session, first, last):
            if session_skipped_because(hub_session, day, timetable, holidays) is None:
                wanted.append((hub_session, day))
    rows = _rows(session, [(hs.id, day) for hs, day in wanted])
    slots = [_slot(hs, day, rows.get((hs.id, day))) for hs, day in wanted]
    slots = [s for s in slots if not s.cancelled and not s.has_started(now)]
    return sorted(slots, key=lambda s: (s.starts_at.astimezone(timezone.utc), s.hub_session.hub.name))


def slots_for(session: Session, pairs: list[tuple[HubSession, date]]) -> list[Slot]:
    rows = _rows(session, [(hs.id, day) for hs, day in pairs])
    return [_slot(hs, day, rows.get((hs.id, day))) for hs, day in pairs]


# --- places: the only code that changes session_dates.places_taken ---

def begin_write(session: Session) -> None:
    """Start a write transaction: on SQLite with BEGIN IMMEDIATE, so that
    writers queue for the write lock (the busy timeout) instead of two of
    them each holding a read lock, wanting to write, and one failing with
    "database is locked". PostgreSQL needs nothing: its row locks queue.
    Call before the first write of a transaction; a no-op after it."""
    if session.get_bind().dialect.name != "sqlite":
        return
    with session.no_autoflush:  # a pending object must not start a deferred transaction first
        dbapi_connection = session.connection().connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")


def ensure_session_date(session: Session, hub_session_id: int, day: date) -> int:
    """The id of the session_dates row for this date, making it if needed.

    Two requests may make it at once: INSERT ... ON CONFLICT DO NOTHING
    lets one win and the other carry on, on SQLite and PostgreSQL alike.
    """
    begin_write(session)
    found = session.scalar(select(SessionDate.id).where(SessionDate.session_id == hub_session_id,
                                                        SessionDate.on_date == day))
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"booking needs SQLite or PostgreSQL, not {dialect}")
    session.execute(insert(SessionDate.__table__)
                    .values(session_id=hub_session_id, on_date=day, places_taken=0, cancelled=False)
                    .on_conflict_do_nothing(index_elements=["session_id", "on_date"]))
    return session.scalar(select(SessionDate.id).where(SessionDate.session_id == hub_session_id,
                                                       SessionDate.on_date == day))


def take_places(session: Session, session_date_id: int, places: int, capacity: int) -> bool:
    """Take `places` if they are free and the date is still on. The
    database decides in one statement, so concurrent takers never overbook."""
    result = session.execute(
        update(SessionDate)
        .where(SessionDate.id == session_date_id, SessionDate.places_taken + places <= capacity,
               SessionDate.cancelled == false())
        .values(places_taken=SessionDate.places_taken + places)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_places(session: Session, session_date_id: int, places: int) -> None:
    session.execute(
        update(SessionDate)
        .where(SessionDate.id == session_date_id, SessionDate.places_taken >= places)
        .values(places_taken=SessionDate.places_taken - places)
        .execution_options(synchronize_session=False))

