"""Recurring sessions as booking sees them: dates from the directory's
rrule, in London time across clock changes, less closures, bank holidays,
school holidays for term-time sessions and dates the hub called off."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from api.bookings.checks import BookingProblem
from api.bookings.models import SessionDate
from api.bookings.slots import find_slot, upcoming_slots
from api.directory.models import HubSession
from tests.api.booking_helpers import (  # noqa: F401 - fixtures
    MESSY, encryption_key, london, no_bookings,
)


def hub_session(db, key: str) -> HubSession:
    return db.scalar(select(HubSession).where(HubSession.key == key))


def days(slots) -> list[date]:
    return [slot.day for slot in slots]


# --- clock changes: a 10am session stays 10am London time ---

def test_spring_clock_change_week_keeps_10am(db):
    """Clocks go forward on Sunday 28 March 2027."""
    slots = upcoming_slots(db, [hub_session(db, MESSY)], date(2027, 3, 22), date(2027, 3, 31),
                           london(2027, 3, 1, 9))
    before, after = slots
    assert (before.day, after.day) == (date(2027, 3, 23), date(2027, 3, 30))
    assert before.starts_at.hour == after.starts_at.hour == 10
    assert before.starts_at.astimezone(timezone.utc).hour == 10  # GMT
    assert after.starts_at.astimezone(timezone.utc).hour == 9  # BST
    assert (after.ends_at - after.starts_at).total_seconds() == 3600


def test_autumn_clock_change_week_keeps_10am(db):
    """Clocks go back on Sunday 25 October 2026."""
    slots = upcoming_slots(db, [hub_session(db, MESSY)], date(2026, 10, 19), date(2026, 10, 28),
                           london(2026, 10, 1, 9))
    before, after = slots
    assert (before.day, after.day) == (date(2026, 10, 20), date(2026, 10, 27))
    assert before.starts_at.astimezone(timezone.utc).hour == 9  # BST
    assert after.starts_at.astimezone(timezone.utc).hour == 10  # GMT
    assert after.starts_at.hour == 10


def test_a_session_that_has_started_is_not_offered_even_on_the_clock_change_day(db):
    """At 9:30 UTC on 30 March 2027 it is 10:30 in London: the 10am session has started."""
    slots = upcoming_slots(db, [hub_session(db, MESSY)], date(2027, 3, 30), date(2027, 3, 30),
                           datetime(2027, 3, 30, 9, 30, tzinfo=timezone.utc))
    assert slots == []
    earlier = upcoming_slots(db, [hub_session(db, MESSY)], date(2027, 3, 30), date(2027, 3, 30),
                             datetime(2027, 3, 30, 8, 30, tzinfo=timezone.utc))
    assert days(earlier) == [date(2027, 3, 30)]


# --- monthly and fortnightly patterns ---

def test_monthly_second_tuesday(db):
    group = hub_session(db, "riverside_send_group_second_tue")
    slots = upcoming_slots(db, [group], date(2026, 12, 1), date(2027, 3, 31), london(2026, 11, 30, 9))
    assert days(slots) == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    assert all(slot.starts_at.hour == 18 for slot in slots)


def test_a_tuesday_that_is_not_the_second_is_not_an_occurrence(db):
    with pytest.raises(BookingProblem) as refused:
        find_slot(db, "riverside_send_group_second_tue@2026-12-15", london(2026, 11, 30, 9))
    assert (refused.value.key, refused.value.status) == ("booking_unknown_session", 404)
    slot, wait = find_slot(db, "riverside_send_group_second_tue@2026-12-08", london(2026, 11, 30, 9))
    assert slot.day == date(2026, 12, 8) and not wait


def test_fortnightly_counts_from_its_first_date(db):
    course = hub_session(db, "northgate_parenting_course_tue")
    slots = upcoming_slots(db, [course], date(2026, 11, 30), date(2026, 12, 20), london(2026, 11, 23, 9))
    assert days(slots) == [date(2026, 12, 1), date(2026, 12, 15)]


# --- exceptions: closures, bank holidays, school holidays, called-off dates ---

def test_christmas_closure_skips_the_dates_inside_it(db):
    slots = upcoming_slots(db, [hub_session(db, MESSY)], date(2026, 12, 20), date(2027, 1, 10),
                           london(2026, 12, 1, 9))
    assert days(slots) == [date(2026, 12, 22), date(2027, 1, 5)]
    with pytest.raises(BookingProblem) as refused:
        find_slot(db, f"{MESSY}@2026-12-29", london(2026, 12, 1, 9))
    assert refused.value.key == "booking_unknown_session"


@pytest.mark.parametrize("occurrence, now", [
    ("riverside_stay_and_play_mon@2027-05-03", london(2027, 4, 30, 9)),  # May bank holiday
    (f"{MESSY}@2027-04-13", london(2027, 4, 8, 9)),  # one-off closure for building repairs
    ("northgate_messy_play_wed@2027-02-17", london(2027, 2, 15, 9)),  # term time only, half term
    ("northgate_parenting_course_tue@2026-12-08", london(2026, 11, 30, 9)),  # the fortnight off
])
def test_dates_the_session_does_not_run_cannot_be_booked(db, occurrence, now):
    with pytest.raises(BookingProblem) as refused:
        find_slot(db, occurrence, now)
    assert (refused.value.key, refused.value.status) == ("booking_unknown_session", 404)


def test_a_date_the_hub_called_off_is_not_offered(db, session_factory):
    messy = hub_session(db, MESSY)
    with session_factory() as session, session.begin():
        session.add(SessionDate(session_id=messy.id, on_date=date(2026, 12, 1), places_taken=0, cancelled=True,
                                cancel_reason="the leader is ill"))
    slots = upcoming_slots(db, [messy], date(2026, 11, 24), date(2026, 12, 8), london(2026, 11, 23, 9))
    assert days(slots) == [date(2026, 11, 24), date(2026, 12, 8)]
    with pytest.raises(BookingProblem) as refused:
        find_slot(db, f"{MESSY}@2026-12-01", london(2026, 11, 23, 9))
    assert refused.value.key == "booking_date_cancelled"


def test_past_and_malformed_occurrences(db):
    now = london(2026, 11, 24, 10, 30)  # messy play started at 10
    for occurrence in [f"{MESSY}@2026-11-24", f"{MESSY}@2026-11-17", "nonsense", f"{MESSY}@2026-13-40",
                       "no_such_session@2026-11-24", ""]:
        with pytest.raises(BookingProblem) as refused:
            find_slot(db, occurrence, now)
        assert refused.value.status == 404, occurrence


def test_too_far_ahead(db):
    with pytest.raises(BookingProblem) as refused:
        find_slot(db, f"{MESSY}@2027-06-01", london(2026, 11, 23, 9))
    assert refused.value.key == "booking_too_far_ahead"
