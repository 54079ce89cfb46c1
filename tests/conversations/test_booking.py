"""Booking a place, through the api with the trained model and real actions.

The stack's clock is frozen on Sunday 22 November 2026 at 8pm (a parent
at the end of the day), so "Tuesday" is 24 November whatever day the
tests run. What staff see is checked on the register page, logged in as a
demo front-door member of staff.
"""
import re

import httpx
import pytest

from tests.conversations.conftest import Chat
from tests.support.handover import flat
from tests.support.stack import start_stack
from tests.support.staff import logged_in

REDIS_DB = 3  # apart from the other stacks (14, 13, 12, 11) and the api tests (15)
REFERENCE = re.compile(r"\bFH\d{6}\b")
TUESDAY = "2026-11-24"


@pytest.fixture(scope="module")
def booking_stack(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("booking"), REDIS_DB, CLOCK_FROZEN_AT="2026-11-22T20:00:00+00:00")
    yield stack
    stack.stop_all()


@pytest.fixture
def chat(booking_stack):
    return Chat(booking_stack.api_url)


@pytest.fixture(scope="module")
def front_door(booking_stack):
    return logged_in(booking_stack.api_url, "frontdoor1@fernbridge.example",
                     booking_stack.env["DEMO_STAFF_PASSWORD"])


@pytest.fixture(scope="module")
def internal(booking_stack):
    return httpx.Client(base_url=f"{booking_stack.api_url}/internal", timeout=30,
                        headers={"Authorization": f"Bearer {booking_stack.env['ACTIONS_API_TOKEN']}"})


def register(front_door, day=TUESDAY):
    response = front_door.get("/staff/sessions", params={"day": day})
    assert response.status_code == 200
    return " ".join(response.text.split())


def number_of(reply, title):
    """The number a session has in a list ("2. Baby massage at ...")."""
    found = re.search(rf"(\d+)\. {title} at", reply)
    assert found, reply
    return found.group(1)


def book(chat, ask="can i book baby massage", title="Baby massage", name="jo",
         children="1, aged 4 months", adults="1", phone="07700 900123"):
    """The whole booking up to the read-back; returns the read-back."""
    reply = flat(chat.say(ask))
    assert "Reply 1" in reply, reply
    assert "What is your first name?" in flat(chat.say(number_of(reply, title)))
    assert "How many children will come, and how old are they?" in flat(chat.say(name))
    assert "How many grown ups will come?" in flat(chat.say(children))
    assert "What mobile number should we text?" in flat(chat.say(adults))
    reply = flat(chat.say(phone))
    assert "Please check:" in reply and "Shall I book it?" in reply, reply
    return reply


def test_a_parent_books_a_place_late_in_the_evening(chat, front_door):
    check = book(chat, ask="can i bring my baby to baby massage on tuesday", name="its jo")
    assert "Please check: Baby massage at Riverside Family Hub, on Tuesday 1:30pm" in check, check
    assert "Name: Jo" in check and "Children: 1, aged 4 months" in check
    reply = flat(chat.say("yes"))
    assert "You're booked, Jo" in reply and "Riverside Family Hub" in reply, reply
    assert "Tuesday 24 November" in reply and "1:30pm" in reply
    (reference,) = REFERENCE.findall(reply)[:1]
    # How to cancel never depends on the bare word "cancel" (an SMS opt-out word).
    assert f"cancel booking {reference}" in reply
    # A second "yes" books nothing more.
    chat.say("yes")
    mine = flat(chat.say("what have i booked"))
    assert mine.count("Baby massage") == 1 and reference in mine
    # The hub sees Jo on Tuesday's register.
    page = register(front_door)
    assert reference in page and "Jo" in page


def test_a_drop_in_session_needs_no_booking(chat):
    reply = flat(chat.say("can i book stay and play at riverside"))
    reply = flat(chat.say(number_of(reply, "Stay and play")))
    assert "You do not need to book Stay and play" in reply and "Just turn up" in reply
    assert "first name" not in reply


def test_any_baby_groups_ends_with_a_list_to_book_from(chat):
    reply = flat(chat.say("any baby massage this week?"))
    assert "Baby massage at Riverside Family Hub" in reply and "Reply 1" in reply


def test_sessions_near_a_postcode_come_from_the_hub_that_serves_it(chat):
    reply = flat(chat.say("something for my 2 year old near FB3 i can book"))
    assert "Northgate Family Hub" in reply and "Reply 1" in reply, reply
    assert "Riverside" not in reply and "Millbrook" not in reply and "Oakfield" not in reply


def test_change_a_booking_to_another_week(chat, front_door):
    book(chat)
    reference = REFERENCE.search(flat(chat.say("yes"))).group(0)
    reply = flat(chat.say("can i change my booking to another week"))
    assert "Here are other dates for Baby massage" in reply, reply
    assert "1 December" in reply
    moved = flat(chat.say(number_of(reply, "Baby massage") if "1. Baby massage" in reply else "1"))
    assert f"Your booking {reference} is now for Baby massage" in moved, moved
    assert "1 December" in flat(chat.say("what have i booked"))
    assert reference not in register(front_door)
    assert reference in register(front_door, "2026-12-01")


def test_cancel_a_booking_by_its_reference_frees_the_place(chat, front_door):
    book(chat, name="sam")
    reference = REFERENCE.search(flat(chat.say("yes"))).group(0)
    reply = flat(chat.say(f"please cancel {reference}"))
    assert f"Your booking {reference}" in reply and "is cancelled" in reply, reply
    assert "nothing booked" in flat(chat.say("what have i booked"))
    assert not re.search(rf"{reference}.{{0,200}}Booked", register(front_door))


def test_cancel_my_booking_on_tuesday(chat):
    book(chat, name="lee")
    chat.say("yes")
    reply = flat(chat.say("i cant make it on tuesday, cancel my booking"))
    assert "is cancelled" in reply, reply


@pytest.mark.parametrize("answer, words", [
    ("40, all aged 2", "I can only book up to"),
    ("1, aged 7 years", "is for children aged"),
])
def test_a_party_that_does_not_fit_is_told_why_and_asked_again(chat, answer, words):
    reply = flat(chat.say("can i book baby massage"))
    chat.say(number_of(reply, "Baby massage"))
    chat.say("jo")
    reply = flat(chat.say(answer))
    assert words in reply, reply
    assert "How many grown ups" not in reply
    assert "How many grown ups" in flat(chat.say("1, aged 5 months"))


def test_a_number_that_is_not_a_uk_mobile_is_asked_again(chat):
    reply = flat(chat.say("can i book baby massage"))
    chat.say(number_of(reply, "Baby massage"))
    for answer in ("jo", "1, aged 5 months", "1"):
        chat.say(answer)
    assert "does not look like a UK mobile number" in flat(chat.say("+1 415 555 0100"))
    assert "Please check:" in flat(chat.say("07700 900123"))
    assert "I have not booked anything" in flat(chat.say("no"))


def test_an_unknown_reference_is_answered_plainly(chat):
    reply = flat(chat.say("please cancel FH000001"))
    assert "could not find a booking like that" in reply, reply


def test_the_family_can_stop_halfway(chat):
    reply = flat(chat.say("can i book baby massage"))
    chat.say(number_of(reply, "Baby massage"))
    assert "Nothing is booked" in flat(chat.say("actually i changed my mind"))


def test_cancel_that_just_after_booking_cancels_the_booking(chat):
    book(chat, name="kim")
    reference = REFERENCE.search(flat(chat.say("yes"))).group(0)
    reply = flat(chat.say("actually can you cancel that"))
    assert f"Your booking {reference}" in reply and "is cancelled" in reply, reply


def test_a_full_session_offers_another_date(chat, internal):
    """Runs last: it fills Tuesday's baby massage."""
    options = internal.post("/bookings/options", json={"kind": "baby massage", "channel": "web"}).json()["options"]
    occurrence = next(o["id"] for o in options if o["id"].endswith(TUESDAY))
    for filler in range(20):
        if internal.get("/bookings/needs", params={"occurrence": occurrence}).json()["full"]:
            break
        made = internal.post("/bookings", headers={"Idempotency-Key": f"fill-{filler}"}, json={
            "conversation_id": f"filler{filler}-1", "channel": "web", "occurrence": occurrence,
            "first_name": "Filler", "children": 1, "child_ages_months": [3], "adults": 1,
            "phone": f"07700 900{900 + filler:03d}"})  # one number holds only so many bookings
        assert made.status_code in (200, 201), made.text
    reply = flat(chat.say("can i book baby massage on tuesday"))
    reply = flat(chat.say(number_of(reply, "Baby massage")))
    assert "is full" in reply and "Reply 1" in reply, reply
    assert "1 December" in reply


def test_a_number_without_ages_is_kept_and_only_the_ages_are_asked_for(chat):
    """"2" to "How many children will come, and how old are they?" keeps the
    2: the next question is only "And how old are they?"."""
    reply = flat(chat.say("can i book messy play at riverside"))
    assert "Reply 1" in reply, reply
    chat.say(number_of(reply, "Messy play"))
    assert "How many children will come, and how old are they?" in flat(chat.say("mo"))
    reply = flat(chat.say("2"))
    assert "And how old are they?" in reply and "Sorry" not in reply, reply
    reply = flat(chat.say("2 and 4"))
    assert "How many grown ups will come?" in reply, reply
    chat.say("1")
    check = flat(chat.say("07700 900321"))
    assert "Please check:" in check and "2, aged" in check, check


@pytest.mark.parametrize("day", ["next tues", "the 24th", "24/11"])
def test_days_as_families_write_them(chat, day):
    """The clock is Sunday 22 November: each of these is Tuesday 24th."""
    reply = flat(chat.say(f"can i book messy play on {day}"))
    assert "Tuesday" in reply or "24 November" in reply, reply
    assert "Wednesday" not in reply, reply
