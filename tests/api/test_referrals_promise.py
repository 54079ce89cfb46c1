"""Keeping the promise: the time a family is told falls inside the good
times they gave and the safe hours, or says plainly when the first such
time is; a number given with a condition is understood and the condition
kept. Runs on SQLite and PostgreSQL."""

import pytest

from api.referrals import service
from api.referrals.family_times import family_windows, said_with_number
from api.settings import get_settings
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    encryption_key, london, new_key, no_referrals, payload, utc,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = {MON, TUE, WED, THU, FRI}


def create(session, now, **changes):
    return service.create_referral(session, payload(**changes), new_key(), now)


def inside(referral, day, starts, ends) -> bool:
    """The whole promised stretch lies inside [starts, ends) London time on `day`."""
    first = referral.contact_from or referral.contact_by
    return (utc(london(*day, *starts)) <= utc(first) and utc(referral.contact_by) <= utc(london(*day, *ends)))


# --- reading the family's good times ---

WINDOWS = [
    ("weekday mornings before 11", [(WEEKDAYS, "08:00", "11:00")]),
    ("9:30 to 2:30 on weekdays", [(WEEKDAYS, "09:30", "14:30")]),
    ("9.30-2.30 weekdays", [(WEEKDAYS, "09:30", "14:30")]),
    ("after 3pm", [(set(range(7)), "15:00", "24:00")]),
    ("between 10 and 12", [(set(range(7)), "10:00", "12:00")]),
    ("mon-fri 10am-2pm", [(WEEKDAYS, "10:00", "14:00")]),
    ("mondays or tuesdays after 3", [({MON, TUE}, "15:00", "24:00")]),
    ("afternoons but not fridays", [({MON, TUE, WED, THU, SAT, SUN}, "12:00", "17:00")]),
    ("weekdays after 3, weekends any time", [(WEEKDAYS, "15:00", "24:00"), ({SAT, SUN}, "00:00", "24:00")]),
    ("evenings", [(set(range(7)), "17:00", "20:00")]),
    ("Not before 10", [(set(range(7)), "10:00", "24:00")]),
]


def minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


@pytest.mark.parametrize("said, expected", WINDOWS, ids=[said for said, _ in WINDOWS])
def test_the_good_times_families_give_are_read(said, expected):
    assert [(set(w.days), w.starts, w.ends) for w in family_windows(said)] == [
        (days, minutes(a), minutes(b)) for days, a, b in expected]


@pytest.mark.parametrize("said", ["any time", "whenever", "when the baby is asleep", "", "dont mind"])
def test_no_limit_we_understand_places_no_limit(said):
    assert family_windows(said) is None


# --- the promise inside those times ---

def test_weekday_mornings_before_11_asked_in_the_afternoon_is_promised_tomorrow_morning(db):
    # Monday 2pm: before, "by 5pm today", outside what the family said.
    made = create(db, london(2026, 11, 23, 14, 0), contact__times="weekday mornings before 11")
    assert inside(made.referral, (2026, 11, 24), (9, 0), (11, 0))
    assert made.messages == ["Thanks Jo. Amira from Riverside Family Hub will text you tomorrow between 9am and "
                             "10am, a time you said is good. You won't need to explain everything again."]


def test_at_2_46pm_a_mother_free_930_to_230_is_not_told_today(db):
    made = create(db, london(2026, 11, 23, 14, 46), contact__times="9:30 to 2:30 on weekdays",
                  contact__method="call", urgent=True)
    assert "today" not in made.messages[0]
    assert "will call you tomorrow between 9:30am and 10:30am, a time you said is good." in made.messages[0]
    assert not made.referral.contact_today
    assert inside(made.referral, (2026, 11, 24), (9, 30), (14, 30))


def test_inside_their_times_now_the_promise_ends_when_their_time_does(db):
    made = create(db, london(2026, 11, 23, 10, 0), contact__times="weekday mornings before 11")
    assert "will text you by 11am today." in made.messages[0]
    assert utc(made.referral.contact_by) == utc(london(2026, 11, 23, 11, 0))


def test_weekday_times_on_a_friday_evening_are_promised_for_monday(db):
    made = create(db, london(2026, 11, 27, 19, 0), contact__times="weekday mornings")
    assert "will text you on Monday between 9am and 10am" in made.messages[0]
    assert inside(made.referral, (2026, 11, 30), (9, 0), (12, 0))


def test_the_worker_who_can_keep_their_times_is_chosen(db):
    # Northgate, Monday 7pm, "evenings": only Daniel (Tuesday 12 to 8) works then.
    made = create(db, london(2026, 11, 23, 19, 0), hub="northgate", contact__times="evenings")
    assert made.referral.worker.name == "Daniel Price"
    assert "Daniel from Northgate Family Hub will text you tomorrow between 5pm and 6pm" in made.messages[0]


def test_the_promise_stays_inside_the_safe_hours(db, monkeypatch):
    monkeypatch.setattr(get_settings(), "sms_quiet_from_hour", 19)
    made = create(db, london(2026, 11, 23, 19, 0), hub="northgate", contact__times="after 6:30pm")
    # Daniel works until 8pm, but nothing is promised after 7pm.
    assert "tomorrow between 6:30pm and 7pm" in made.messages[0]
    assert utc(made.referral.contact_by) == utc(london(2026, 11, 24, 19, 0))


def test_without_times_the_promise_is_the_workers_as_before(db):
    made = create(db, london(2026, 11, 23, 19, 0), contact__times="when the baby is asleep")
    assert "will text you by 10am tomorrow." in made.messages[0]
    assert made.referral.contact_from is None


# --- a number given with a condition ---

def test_a_number_given_with_a_condition_is_understood_and_the_condition_kept(db):
    made = create(db, london(2026, 11, 23, 19, 0), contact__phone="07700 900123",
                  contact__said_with_number="07700 900123 dont text it or leave a voicemail")
    referral = service.load_referral(db, made.referral.reference)
    assert referral.contact_condition == "dont text it or leave a voicemail"
    assert not referral.safe_to_text and not referral.safe_to_leave_message
    assert "will call you" in made.messages[0] and "text you" not in made.messages[0]


@pytest.mark.parametrize("said, condition, no_texts, no_voicemail", [
    ("07700 900123 dont text it or leave a voicemail", "dont text it or leave a voicemail", True, True),
    ("its 07700900123 thanks", "", False, False),
    ("07700 900123 calls only pls", "calls only pls", True, False),
    ("07700 900123, dont leave a message", "dont leave a message", False, True),
])
def test_what_is_said_with_a_number(said, condition, no_texts, no_voicemail):
    found = said_with_number(said)
    assert (found.condition, found.no_texts, found.no_voicemail) == (condition, no_texts, no_voicemail)
