"""Shared pieces for the booking tests: a key, clean tables, a booking
payload, fixed times. Imported by tests/api/test_bookings_*.py."""

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from api.bookings.models import Booking, ConversationContact, SessionDate
from api.directory.models import HubSession
from api.outbox.models import OutboxMessage
from tests.api.referral_helpers import TEST_DATA_KEY, encryption_key  # noqa: F401 - re-exported with its fixture

LONDON = ZoneInfo("Europe/London")

# Monday 23 November 2026, 10am. Riverside messy play (booking needed, 10
# places, a waiting list, 18 months to 5) runs on Tuesdays at 10am.
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
MESSY = "riverside_messy_play_tue"
TUESDAY = date(2026, 11, 24)
NEXT_TUESDAY = date(2026, 12, 1)
MESSY_TUESDAY = f"{MESSY}@{TUESDAY.isoformat()}"
MESSY_NEXT_TUESDAY = f"{MESSY}@{NEXT_TUESDAY.isoformat()}"
# Northgate messy play: Wednesdays, 12 places, no waiting list.
NORTHGATE_MESSY_WEDNESDAY = "northgate_messy_play_wed@2026-11-25"
# Parenting course: adults only (asks_children false), fortnightly Tuesdays.
COURSE = "northgate_parenting_course_tue@2026-12-01"
# Stay and play: no booking needed.
STAY_AND_PLAY = "riverside_stay_and_play_mon@2026-11-30"


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def new_key() -> str:
    return secrets.token_hex(8)


def conversation(family: str | None = None) -> str:
    """A conversation id like the api's: `<family hash>-<episode>`."""
    return f"{family or secrets.token_hex(16)}-{secrets.token_hex(4)}"


def a_phone(index: int) -> str:
    """One of the made-up numbers (07700 900000-900999), a different one per index:
    one number holds only so many bookings."""
    return f"07700 900{500 + index:03d}"


def said_yes(session, booking: Booking, now: datetime) -> None:
    """The booking's phone replied YES to the question (as `api.sms.inbound`
    does for a YES), so texts about its bookings may go. Commits."""
    from api.bookings.service import confirm_number

    confirm_number(session, booking.phone_hash, now)
    session.commit()


def booking_body(occurrence: str = MESSY_TUESDAY, **changes) -> dict:
    body = {"conversation_id": conversation(), "channel": "web", "occurrence": occurrence, "first_name": "Jo",
            "children": 2, "child_ages_months": [24, 40], "adults": 1, "phone": "07700 900123"}
    body.update(changes)
    return body


@pytest.fixture(autouse=True)
def no_bookings(session_factory, encryption_key):
    """Every test starts with no bookings, no places taken, no texts."""
    with session_factory() as session, session.begin():
        session.execute(delete(OutboxMessage))
        session.execute(delete(Booking))
        session.execute(delete(SessionDate))
        session.execute(delete(ConversationContact))
    yield


def places_taken(session_factory, occurrence: str) -> int:
    key, day = occurrence.split("@")
    with session_factory() as session:
        return session.scalar(select(SessionDate.places_taken).join(SessionDate.session).where(
            HubSession.key == key, SessionDate.on_date == date.fromisoformat(day))) or 0


def bookings_with(session_factory, status: str | None = None) -> list[Booking]:
    with session_factory() as session:
        query = select(Booking).order_by(Booking.id)
        if status:
            query = query.where(Booking.status == status)
        return list(session.scalars(query))


def texts(session_factory, kind: str | None = None) -> list[OutboxMessage]:
    with session_factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def count_bookings(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(Booking.id)))
