"""The hub's side of booking: each day's sessions with their register,
calling off a date, and marking who came.

Calling off a date cancels every booking and waiting-list place on it and
texts each family (through the outbox). Doing it twice texts nobody twice:
the second time there is nobody left to tell.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from api.bookings.models import HOLDING_STATUSES, Booking, SessionDate
from api.bookings.slots import Slot, begin_write, ensure_session_date, load_slot, session_by_key
from api.bookings.wording import full_date
from api.content.plain_language import swap_to_gsm7
from api.content.service import render
from api.directory.models import Hub, HubSession
from api.directory.service import hub_timetable, school_holidays, session_dates, session_skipped_because
from api.directory.timetable import local
from api.outbox.service import queue_text

log = logging.getLogger("api.bookings")

ATTENDANCE = {"attended": "Came", "no_show": "Did not come", "booked": "Booked"}
MAX_REASON = 200


class RegisterChangeRefused(ValueError):
    """A staff change that is not allowed (the message says why, for staff)."""


@dataclass
class SessionOnDay:
    slot: Slot
    booked: list[Booking] = field(default_factory=list)  # booked, attended, no-show
    waiting: list[Booking] = field(default_factory=list)
    cancelled: list[Booking] = field(default_factory=list)

    @property
    def hub_session(self) -> HubSession:
        return self.slot.hub_session


def sessions_on(session: Session, day: date, hub_slug: str | None) -> list[SessionOnDay]:
    """Every session that runs on `day` (at one hub, or all), soonest first,
    with its bookings. A date staff called off is listed, marked as such."""
    query = select(HubSession).options(selectinload(HubSession.hub).selectinload(Hub.hours),
                                       selectinload(HubSession.kind))
    if hub_slug is not None:
        query = query.join(HubSession.hub).where(Hub.slug == hub_slug)
    holidays = school_holidays(session)
    running = []
    for hub_session in session.scalars(query):
        if day not in session_dates(hub_session, day, day):
            continue
        if session_skipped_because(hub_session, day, hub_timetable(session, hub_session.hub), holidays):
            continue
        running.append(SessionOnDay(load_slot(session, hub_session, day)))
    ids = [item.slot.session_date_id for item in running if item.slot.session_date_id]
    bookings = session.scalars(select(Booking).where(Booking.session_date_id.in_(ids))
                               .order_by(Booking.created_at, Booking.id)).all() if ids else []
    by_date: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_date.setdefault(booking.session_date_id, []).append(booking)
    for item in running:
        for booking in by_date.get(item.slot.session_date_id, []):
            if booking.status in HOLDING_STATUSES:
                item.booked.append(booking)
            elif booking.status == "waiting":
                item.waiting.append(booking)
            else:
                item.cancelled.append(booking)
    return sorted(running, key=lambda i: (i.hub_session.starts, i.hub_session.hub.name, i.hub_session.title))


def cancel_session_date(session: Session, session_key: str, day: date, reason: str, now: datetime) -> int:
    """Call off one date of a session: every booking and waiting-list place
    on it is cancelled and each family is texted the reason. Commits;
    returns how many families were texted."""
    reason = " ".join(swap_to_gsm7(reason or "").split())
    if not reason:
        raise RegisterChangeRefused("Say why the session is not on. Families will see this in their text.")
    if len(reason) > MAX_REASON:
        raise RegisterChangeRefused(f"Keep the reason to {MAX_REASON} characters, so the text stays short.")
    hub_session = session_by_key(session, session_key)
    if hub_session is None or day not in session_dates(hub_session, day, day):
        raise RegisterChangeRefused("That session does not run on that date.")
    if day < local(now).date():
        raise RegisterChangeRefused("That date has passed.")
    session_date_id = ensure_session_date(session, hub_session.id, day)
    session.execute(update(SessionDate).where(SessionDate.id == session_date_id, SessionDate.cancelled.is_(False))
                    .values(cancelled=True, cancel_reason=reason, cancelled_at=now)
                    .execution_options(synchronize_session=False))
    affected = session.scalars(select(Booking).where(Booking.session_date_id == session_date_id,
                                                     Booking.status.in_(("booked", "waiting")))
                               .order_by(Booking.id)).all()
    texted = 0
    for booking in affected:
        changed = session.execute(
            update(Booking).where(Booking.id == booking.id, Booking.status.in_(("booked", "waiting")))
            .values(status="cancelled", cancelled_at=now, cancelled_by="hub", updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            continue
        text = render(session, "booking_date_cancelled_text", "sms", title=hub_session.title,
                      hub=hub_session.hub.name, date=full_date(day), reason=reason, reference=booking.reference)
        if booking.number_confirmed_at is None:  # a number typed in that never said YES
            continue
        queue_text(session, None, booking.phone, text, "booking_date_cancelled", now=now, booking_id=booking.id)
        texted += 1
    session.execute(update(SessionDate).where(SessionDate.id == session_date_id).values(places_taken=0)
                    .execution_options(synchronize_session=False))
    session.commit()
    log.info("session date %s called off; %d families texted", session_date_id, texted)
    return texted


def booking_for_register(session: Session, reference: str) -> Booking | None:
    return session.scalar(select(Booking).options(
        selectinload(Booking.session_date).selectinload(SessionDate.session).selectinload(HubSession.hub))
        .where(Booking.reference == reference))


def mark_attendance(session: Session, booking: Booking, status: str, now: datetime) -> None:
    """Mark a booked family as came or did not come (or back to booked).
    Only on or after the day; all three hold the same places. Commits."""
    if status not in ATTENDANCE:
        raise RegisterChangeRefused("Choose came or did not come.")
    if booking.status not in HOLDING_STATUSES:
        raise RegisterChangeRefused("Only a booked place can be marked.")
    if booking.session_date.on_date > local(now).date():
        raise RegisterChangeRefused("You can mark who came on the day of the session, not before.")
    begin_write(session)
    session.execute(update(Booking).where(Booking.id == booking.id, Booking.status.in_(HOLDING_STATUSES))
                    .values(status=status, updated_at=now).execution_options(synchronize_session=False))
    session.commit()

