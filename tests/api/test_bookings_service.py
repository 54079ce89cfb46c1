"""Booking as service functions: finding sessions, what they need, booking,
waiting lists, the family's own bookings, cancelling, moving, reminders."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from api.bookings import service
from api.bookings.checks import BookingProblem, family_key, find_reference, uk_mobile
from api.bookings.models import Booking
from api.bookings.reminders import queue_due_reminders
from api.content.plain_language import check_text
from tests.api.booking_helpers import (  # noqa: F401 - fixtures
    COURSE, MESSY_NEXT_TUESDAY, MESSY_TUESDAY, MONDAY_10AM, NORTHGATE_MESSY_WEDNESDAY, STAY_AND_PLAY, booking_body,
    a_phone, bookings_with, conversation, count_bookings, encryption_key, london, new_key, no_bookings, places_taken,
    said_yes, texts,
)


def book(db, occurrence=MESSY_TUESDAY, now=MONDAY_10AM, key=None, **changes):
    return service.create_booking(db, booking_body(occurrence, **changes), key or new_key(), now)


def fill(db, occurrence=MESSY_TUESDAY, places=10):
    """Book `places` places, one child each, each family with its own number."""
    for index in range(places):
        book(db, occurrence, children=1, child_ages_months=[30], phone=a_phone(index))


def refusal(call) -> BookingProblem:
    with pytest.raises(BookingProblem) as refused:
        call()
    return refused.value


# --- small rules ---

@pytest.mark.parametrize("text, number", [
    ("07700 900123", "+447700900123"), ("+44 7700 900123", "+447700900123"), ("+44 (0)7700-900123", "+447700900123"),
    ("0044 7700 900123", "+447700900123"), ("447700900123", "+447700900123"), ("07624 123456", "+447624123456"),
])
def test_uk_mobile_numbers_are_accepted(text, number):
    assert uk_mobile(text) == number


@pytest.mark.parametrize("text", [
    "01632 960000", "020 7946 0000", "+1 202 555 0143", "+33 6 12 34 56 78", "0770090012", "077009001234",
    "07000 123456", "07600 123456", "07700 9OO123", "call me", "", None, "+447700900123+1", "08001111",
])
def test_landlines_foreign_and_malformed_numbers_are_refused(text):
    assert uk_mobile(text) is None


@pytest.mark.parametrize("text", ["FH482913", "fh482913", "fh-482 913", "my booking is FH 482-913 thanks",
                                  "cancel booking fh 4 8 2 9 1 3"])
def test_booking_numbers_are_found_in_any_text(text):
    assert find_reference(text) == "FH482913"


@pytest.mark.parametrize("text", ["FH48291", "FH4829134", "xfh482913", "482913", "FH-48-29-1", ""])
def test_things_that_are_not_booking_numbers(text):
    assert find_reference(text) is None


def test_the_family_key_is_the_conversation_id_without_its_episode():
    assert family_key("abc123-9f8e") == "abc123"
    assert family_key("no-dash-here-x") == "no-dash-here"
    assert family_key("plain") == "plain"


# --- finding sessions ---

def test_options_as_a_numbered_list_to_reply_to(db):
    sms_choices, [sms] = service.booking_options(db, day="", hub="", kind="messy play", age="", now=MONDAY_10AM,
                                                 channel="sms")
    web_choices, [web] = service.booking_options(db, day="", hub="", kind="messy play", age="", now=MONDAY_10AM,
                                                 channel="web")
    assert [c.id for c in sms_choices] == [MESSY_TUESDAY, NORTHGATE_MESSY_WEDNESDAY, MESSY_NEXT_TUESDAY]
    assert len(web_choices) == 4  # all there are in the next two weeks
    assert sms.splitlines()[1] == "1. Messy play at Riverside Family Hub, tomorrow 10am to 11am."
    assert sms.endswith("Reply 1, 2 or 3 to choose one.")
    assert web.endswith("Reply 1, 2, 3 or 4 to choose one.")
    _all, [five] = service.booking_options(db, day="", hub="", kind="", age="", now=MONDAY_10AM, channel="web")
    assert five.endswith("Reply 1, 2, 3, 4 or 5 to choose one.")
    assert all(c.booking_required and not c.full for c in sms_choices)


def test_options_say_which_sessions_need_no_booking(db):
    choices, [text] = service.booking_options(db, day="monday", hub="riverside", kind="", age="",
                                              now=london(2026, 11, 29, 20), channel="sms")
    assert [c.id for c in choices] == [STAY_AND_PLAY]
    assert not choices[0].booking_required
    assert "Just turn up" in text and text.endswith("Reply 1 to choose it.")


@pytest.mark.parametrize("channel", ["sms", "web"])
def test_the_longest_option_lists_pass_the_plain_language_checks(db, channel):
    """Real labels (dates a week away are longest) still fit in two texts."""
    for day in ["", "next tuesday", "wednesday", "saturday"]:
        _choices, [text] = service.booking_options(db, day=day, hub="", kind="", age="",
                                                   now=london(2026, 11, 25, 12), channel=channel)
        assert check_text(text, channel) == [], text


def test_options_when_nothing_matches(db):
    choices, [text] = service.booking_options(db, day="sunday", hub="", kind="messy play", age="",
                                              now=MONDAY_10AM, channel="sms")
    assert choices == [] and text.startswith("Sorry, I could not find a session like that on Sunday.")
    choices, [text] = service.booking_options(db, day="", hub="atlantis", kind="", age="", now=MONDAY_10AM,
                                              channel="sms")
    assert choices == [] and 'I do not know a hub called "atlantis"' in text


def test_options_near_a_postcode_come_from_the_hub_that_serves_it(db):
    """ "something for my 2 year old near FB3": Northgate serves FB3 and FB4."""
    choices, _ = service.booking_options(db, day="", hub="", kind="messy play", age="", postcode="FB3 9ZZ",
                                         now=MONDAY_10AM, channel="web")
    assert [c.id for c in choices] == [NORTHGATE_MESSY_WEDNESDAY, "northgate_messy_play_wed@2026-12-02"]
    choices, [text] = service.booking_options(db, day="", hub="", kind="", age="", postcode="CH41",
                                              now=MONDAY_10AM, channel="sms")
    assert choices == [] and "CH41" in text and check_text(text, "sms") == []


def test_options_match_the_childs_age(db):
    choices, _ = service.booking_options(db, day="tuesday", hub="riverside", kind="", age="6 month old",
                                         now=MONDAY_10AM, channel="web")
    assert [c.id for c in choices] == ["riverside_baby_massage_tue@2026-11-24"]


# --- what a session needs ---

def test_needs_for_a_drop_in_says_when_to_come(db):
    needs = service.booking_needs(db, STAY_AND_PLAY, MONDAY_10AM, "sms")
    assert needs.as_dict() == {"label": "Stay and play at Riverside Family Hub, on Monday 30 November 10am to 11:30am",
                               "booking_required": False, "full": False, "asks_children": True,
                               "ages_needed": True, "options": []}
    assert needs.texts == ["You do not need to book Stay and play. Just turn up at Riverside Family Hub on Monday "
                           "30 November at 10am. It ends at 11:30am. The address is 12 Quay Street, Fernbridge, "
                           "FB1 2AB."]


def test_needs_for_a_booking(db):
    assert service.booking_needs(db, MESSY_TUESDAY, MONDAY_10AM, "web").as_dict() == {
        "label": "Messy play at Riverside Family Hub, tomorrow 10am to 11am", "booking_required": True, "full": False, "asks_children": True, "ages_needed": True, "options": []}
    course = service.booking_needs(db, COURSE, MONDAY_10AM, "web").as_dict()
    assert (course["asks_children"], course["ages_needed"]) == (False, False)


def test_needs_for_a_full_session_offers_other_times_and_the_waiting_list(db):
    fill(db)
    needs = service.booking_needs(db, MESSY_TUESDAY, MONDAY_10AM, "sms")
    ids = [c["id"] for c in needs.as_dict()["options"]]
    assert needs.slot.full and len(ids) == 3
    assert ids[-1] == "wait:" + MESSY_TUESDAY
    assert MESSY_NEXT_TUESDAY in ids or NORTHGATE_MESSY_WEDNESDAY in ids
    [text] = needs.texts
    assert text.startswith("Sorry, Messy play tomorrow is full.")
    assert "3. Join the waiting list for Messy play tomorrow." in text
    assert text.endswith("Reply 1, 2 or 3 to choose one.")


def test_a_full_session_without_a_waiting_list_offers_no_waiting_list(db):
    fill(db, NORTHGATE_MESSY_WEDNESDAY, 12)
    ids = [c["id"] for c in service.booking_needs(db, NORTHGATE_MESSY_WEDNESDAY, MONDAY_10AM, "web")
           .as_dict()["options"]]
    assert ids and not any(i.startswith("wait:") for i in ids)


# --- booking ---

def test_a_booking_takes_a_place_per_child_and_confirms_everything(db, session_factory):
    result = book(db, now=london(2026, 11, 20, 21))  # booked on the Friday before
    assert result.created and result.booking.status == "booked"
    reference = result.booking.reference
    assert reference.startswith("FH") and len(reference) == 8 and reference[2:].isdigit()
    assert places_taken(session_factory, MESSY_TUESDAY) == 2
    text, _reply_yes = result.texts
    for part in ["Jo", "Messy play", "Riverside Family Hub", "12 Quay Street, Fernbridge, FB1 2AB",
                 "Tuesday 24 November", "10am to 11am", reference, f"cancel booking {reference}",
                 "reminder the day before"]:
        assert part in text, part
    assert "CANCEL" not in text
    # The number was typed into the web chat: it is asked for a YES first
    # (tests/api/test_bookings_number_check.py); the YES brings this text.
    [sent] = texts(session_factory)
    assert (sent.kind, sent.booking_id, sent.to_phone) == ("booking_number_check", result.booking.id, "+447700900123")
    confirmation = service.confirmation(db, result.booking, "sms")
    assert f"reply: cancel booking {reference}" in confirmation
    assert check_text(confirmation, "sms") == []


def test_a_booking_made_the_day_before_promises_no_reminder(db):
    text = book(db).texts[0]
    assert "reminder" not in text


def test_on_sms_the_reply_is_the_text(db, session_factory):
    sender = conversation()
    service.remember_contact(db, sender, "+447700900123", MONDAY_10AM)
    db.commit()
    result = book(db, channel="sms", phone=None, use_sender_number=True, conversation_id=sender)
    assert "reply: cancel booking" in result.texts[0]
    assert texts(session_factory) == []


def test_an_sms_family_can_use_the_number_they_text_from(db, session_factory):
    sender = conversation()
    service.remember_contact(db, sender, "+447700900456", MONDAY_10AM)
    db.commit()
    result = book(db, channel="sms", phone=None, use_sender_number=True, conversation_id=sender)
    assert result.booking.phone == "+447700900456"
    later_episode = sender.rsplit("-", 1)[0] + "-later"
    again = book(db, MESSY_NEXT_TUESDAY, channel="sms", phone=None, use_sender_number=True,
                 conversation_id=later_episode)
    assert again.booking.phone == "+447700900456"
    problem = refusal(lambda: book(db, channel="sms", phone=None, use_sender_number=True))
    assert problem.key == "booking_phone_unknown"


def test_the_same_key_twice_makes_one_booking(db, session_factory):
    key = new_key()
    first, again = book(db, key=key), book(db, key=key)
    assert first.created and not again.created
    assert again.booking.reference == first.booking.reference
    assert count_bookings(session_factory) == 1 and places_taken(session_factory, MESSY_TUESDAY) == 2
    assert len(texts(session_factory)) == 1


def test_a_double_yes_with_a_new_key_gives_back_the_place_already_held(db, session_factory):
    family = conversation()
    first = book(db, conversation_id=family)
    again = book(db, conversation_id=family)
    assert not again.created and again.booking.reference == first.booking.reference
    assert again.texts[0].startswith("You already have a place at Messy play")
    assert count_bookings(session_factory) == 1 and places_taken(session_factory, MESSY_TUESDAY) == 2


@pytest.mark.parametrize("changes, key", [
    ({"children": 40, "child_ages_months": [30] * 40}, "booking_too_many_children"),
    ({"children": 0, "child_ages_months": []}, "booking_no_children"),
    ({"children": "two"}, "booking_no_children"),
    ({"child_ages_months": [6, 30]}, "booking_ages_outside"),
    ({"child_ages_months": [30]}, "booking_ages_needed"),
    ({"adults": 0}, "booking_adults_needed"),
    ({"adults": 12}, "booking_too_many_adults"),
    ({"first_name": "  "}, "booking_name_needed"),
    ({"phone": "01632 960000"}, "booking_phone_invalid"),
    ({"phone": "+33 6 12 34 56 78"}, "booking_phone_invalid"),
    ({"phone": "not a number"}, "booking_phone_invalid"),
    ({"phone": None}, "booking_phone_unknown"),
    ({"occurrence": f"riverside_messy_play_tue@2026-11-17"}, "booking_unknown_session"),
    ({"occurrence": "riverside_messy_play_tue@2026-11-25"}, "booking_unknown_session"),
    ({"occurrence": "swimming@2026-11-24"}, "booking_unknown_session"),
    ({"occurrence": STAY_AND_PLAY}, "booking_not_needed"),
    ({"conversation_id": ""}, "booking_went_wrong"),
])
def test_bad_input_is_refused_in_family_words_and_nothing_is_booked(db, session_factory, changes, key):
    problem = refusal(lambda: book(db, **changes))
    assert (problem.key, problem.status) == (key, 422)
    words = service.problem_texts(db, problem, "sms")[0]
    assert check_text(words, "sms") == [], words
    assert count_bookings(session_factory) == 0 and texts(session_factory) == []
    assert places_taken(session_factory, MESSY_TUESDAY) == 0


def test_forty_children_are_told_to_call_the_hub(db):
    problem = refusal(lambda: book(db, children=40, child_ages_months=[30] * 40))
    assert service.problem_texts(db, problem, "sms") == [
        "Sorry, I can only book up to 6 children at once. For a bigger group, please call Riverside Family Hub "
        "on 01632 960101."]


def test_a_child_too_young_is_told_the_ages(db):
    problem = refusal(lambda: book(db, children=1, child_ages_months=[6]))
    assert service.problem_texts(db, problem, "web") == [
        "Sorry, Messy play is for children aged 18 months to 5 years. It is not right for a child aged 6 months. "
        "You can ask me what else is on."]


def test_an_adults_only_course_counts_grown_ups(db, session_factory):
    result = book(db, COURSE, children=3, child_ages_months=[1, 2, 3], adults=2)
    assert (result.booking.children, result.booking.adults, result.booking.places) == (0, 2, 2)
    assert places_taken(session_factory, COURSE) == 2


def test_check_says_what_does_not_fit_without_booking(db, session_factory):
    assert service.check_booking(db, booking_body(), MONDAY_10AM) is None
    fill(db, places=9)
    problem = refusal(lambda: service.check_booking(db, booking_body(), MONDAY_10AM))
    assert problem.key == "booking_not_enough_places" and problem.values["left"] == 1
    book(db, children=1, child_ages_months=[30])
    problem = refusal(lambda: service.check_booking(db, booking_body(), MONDAY_10AM))
    assert problem.key == "booking_full_now"
    assert service.check_booking(db, booking_body("wait:" + MESSY_TUESDAY), MONDAY_10AM) is None
    assert count_bookings(session_factory) == 10


# --- full, and the waiting list ---

def test_full_gives_other_choices_and_books_nothing(db, session_factory):
    fill(db)
    with pytest.raises(service.BookingFull) as full:
        book(db, children=1, child_ages_months=[30])
    assert full.value.status == 409
    assert [c.id for c in full.value.choices][-1] == "wait:" + MESSY_TUESDAY
    assert places_taken(session_factory, MESSY_TUESDAY) == 10 and count_bookings(session_factory) == 10


def test_fewer_places_left_than_children(db, session_factory):
    fill(db, places=9)
    problem = refusal(lambda: book(db))
    assert (problem.key, problem.status) == ("booking_not_enough_places", 422)
    assert places_taken(session_factory, MESSY_TUESDAY) == 9


def test_the_waiting_list_books_the_first_family_that_fits_when_a_place_frees(db, session_factory):
    fill(db, places=8)
    two = book(db, children=2, child_ages_months=[24, 40])  # the last 2 places
    big = book(db, "wait:" + MESSY_TUESDAY, children=3, child_ages_months=[24, 30, 40], phone="07700 900111")
    small = book(db, "wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30], phone="07700 900222")
    said_yes(db, small.booking, MONDAY_10AM)
    assert (big.booking.status, small.booking.status) == ("waiting", "waiting")
    assert big.texts[0].startswith("Thanks Jo. You are on the waiting list for Messy play")
    assert places_taken(session_factory, MESSY_TUESDAY) == 10

    service.cancel_booking(db, two.booking.reference, two.booking.conversation_id, MONDAY_10AM, "web")
    statuses = {b.reference: b.status for b in bookings_with(session_factory)}
    assert statuses[big.booking.reference] == "waiting"  # 3 children do not fit in 2 places
    assert statuses[small.booking.reference] == "booked"
    assert places_taken(session_factory, MESSY_TUESDAY) == 9
    [freed] = texts(session_factory, "booking_place_freed")
    assert freed.booking_id == small.booking.id and freed.to_phone == "+447700900222"
    assert small.booking.reference in freed.body and "you're booked" in freed.body
    assert check_text(freed.body, "sms") == []


def test_asking_for_the_waiting_list_when_there_is_room_books_a_place(db):
    result = book(db, "wait:" + MESSY_TUESDAY)
    assert result.booking.status == "booked"


def test_no_waiting_list_place_where_the_hub_keeps_none(db):
    fill(db, NORTHGATE_MESSY_WEDNESDAY, 12)
    with pytest.raises(service.BookingFull):
        book(db, "wait:" + NORTHGATE_MESSY_WEDNESDAY, children=1, child_ages_months=[30])


# --- the family's bookings ---

def test_what_have_i_booked_across_episodes(db):
    family = "f" * 32
    first = book(db, conversation_id=f"{family}-one")
    second = book(db, MESSY_NEXT_TUESDAY, conversation_id=f"{family}-one")
    book(db)  # another family
    found = service.my_bookings(db, f"{family}-two", MONDAY_10AM, "sms")
    assert [b.reference for b in found.bookings] == [first.booking.reference, second.booking.reference]
    assert found.texts[0].splitlines()[1] == (f"{first.booking.reference}: Messy play at Riverside Family Hub, "
                                              "Tuesday 24 November 10am to 11am.")
    assert service.my_bookings(db, conversation(), MONDAY_10AM, "sms").texts == [
        "You have nothing booked at the moment. You can ask me what's on and book a place."]
    # After the session it is no longer "upcoming".
    later = service.my_bookings(db, f"{family}-two", london(2026, 11, 24, 12), "sms")
    assert [b.reference for b in later.bookings] == [second.booking.reference]


def test_find_by_reference_day_or_all(db):
    family = conversation()
    tuesday = book(db, conversation_id=family).booking
    next_week = book(db, MESSY_NEXT_TUESDAY, conversation_id=family).booking
    spaced = f"fh-{tuesday.reference[2:5]} {tuesday.reference[5:]}"
    by_reference = service.find_bookings(db, family, f"cancel {spaced} please", "", MONDAY_10AM, "sms")
    assert [b.reference for b in by_reference.bookings] == [tuesday.reference]
    assert by_reference.texts[0].startswith("I found your booking.")
    by_day = service.find_bookings(db, family, "my booking on tuesday", "", london(2026, 11, 25, 9), "sms")
    assert [b.reference for b in by_day.bookings] == [next_week.reference]
    both = service.find_bookings(db, family, "cancel my booking", "", MONDAY_10AM, "sms")
    assert len(both.bookings) == 2 and both.texts[0].endswith("Reply 1 or 2 to choose one.")
    none = service.find_bookings(db, family, "FH000000", "", MONDAY_10AM, "sms")
    assert none.bookings == [] and none.texts[0].startswith("Sorry, I could not find a booking like that")
    other_family = service.find_bookings(db, conversation(), tuesday.reference, "", MONDAY_10AM, "sms")
    assert other_family.bookings == []


def test_cancel_frees_the_place_at_once_and_only_for_the_family(db, session_factory):
    result = book(db)
    said_yes(db, result.booking, MONDAY_10AM)
    reference = result.booking.reference
    problem = refusal(lambda: service.cancel_booking(db, reference, conversation(), MONDAY_10AM, "web"))
    assert (problem.key, problem.status) == ("booking_not_found", 404)
    assert places_taken(session_factory, MESSY_TUESDAY) == 2

    [text] = service.cancel_booking(db, reference.lower(), result.booking.conversation_id, MONDAY_10AM, "web")
    assert text.startswith(f"Your booking {reference} for Messy play on Tuesday 24 November is cancelled.")
    assert places_taken(session_factory, MESSY_TUESDAY) == 0
    assert [t.kind for t in texts(session_factory)] == ["booking_number_check", "booking_cancelled"]
    # Twice is fine: nothing more is freed or sent.
    service.cancel_booking(db, reference, result.booking.conversation_id, MONDAY_10AM, "web")
    assert places_taken(session_factory, MESSY_TUESDAY) == 0 and len(texts(session_factory)) == 2
    problem = refusal(lambda: service.cancel_booking(db, "FH999999", result.booking.conversation_id,
                                                     MONDAY_10AM, "web"))
    assert problem.key == "booking_not_found"


def test_move_to_another_date_frees_the_old_place(db, session_factory):
    result = book(db)
    said_yes(db, result.booking, MONDAY_10AM)
    family, reference = result.booking.conversation_id, result.booking.reference
    choices, [text] = service.move_choices(db, reference, family, MONDAY_10AM, "sms")
    assert MESSY_TUESDAY not in [c.id for c in choices] and choices[0].id == MESSY_NEXT_TUESDAY
    assert text.startswith("Here are other dates for Messy play with places:")
    key = new_key()
    moved, [words] = service.move_booking(db, reference, family, MESSY_NEXT_TUESDAY, key, MONDAY_10AM, "web")
    assert moved.reference == reference and "Tuesday 1 December" in words
    assert places_taken(session_factory, MESSY_TUESDAY) == 0
    assert places_taken(session_factory, MESSY_NEXT_TUESDAY) == 2
    # A retried move changes nothing.
    service.move_booking(db, reference, family, MESSY_NEXT_TUESDAY, key, MONDAY_10AM, "web")
    assert places_taken(session_factory, MESSY_NEXT_TUESDAY) == 2
    assert [t.kind for t in texts(session_factory)] == ["booking_number_check", "booking_moved"]


def test_move_refusals(db, session_factory):
    result = book(db)
    family, reference = result.booking.conversation_id, result.booking.reference
    problem = refusal(lambda: service.move_booking(db, reference, family, NORTHGATE_MESSY_WEDNESDAY, new_key(),
                                                   MONDAY_10AM, "web"))
    assert problem.key == "booking_move_other_session"
    fill(db, MESSY_NEXT_TUESDAY)
    with pytest.raises(service.BookingFull):
        service.move_booking(db, reference, family, MESSY_NEXT_TUESDAY, new_key(), MONDAY_10AM, "web")
    assert places_taken(session_factory, MESSY_TUESDAY) == 2
    assert places_taken(session_factory, MESSY_NEXT_TUESDAY) == 10
    problem = refusal(lambda: service.move_booking(db, reference, conversation(), MESSY_NEXT_TUESDAY, new_key(),
                                                   MONDAY_10AM, "web"))
    assert problem.status == 404


def test_moving_out_of_a_full_date_gives_the_place_to_the_waiting_list(db, session_factory):
    fill(db, places=9)
    mine = book(db, children=1, child_ages_months=[30]).booking
    waiting = book(db, "wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30], phone=a_phone(99)).booking
    said_yes(db, waiting, MONDAY_10AM)
    service.move_booking(db, mine.reference, mine.conversation_id, MESSY_NEXT_TUESDAY, new_key(), MONDAY_10AM,
                         "sms")
    with session_factory() as session:
        assert session.get(Booking, waiting.id).status == "booked"
    assert places_taken(session_factory, MESSY_TUESDAY) == 10
    assert len(texts(session_factory, "booking_place_freed")) == 1


# --- reminders ---

def test_a_reminder_the_day_before_between_8am_and_8pm_once(db, session_factory):
    booking = book(db, MESSY_NEXT_TUESDAY).booking  # made Monday 23 November for Tuesday 1 December
    said_yes(db, booking, MONDAY_10AM)
    assert queue_due_reminders(db, london(2026, 11, 29, 12)) == 0  # two days before
    assert queue_due_reminders(db, london(2026, 11, 30, 7, 59)) == 0  # too early
    assert queue_due_reminders(db, london(2026, 11, 30, 20, 0)) == 0  # too late
    assert queue_due_reminders(db, london(2026, 11, 30, 8, 0)) == 1
    assert queue_due_reminders(db, london(2026, 11, 30, 8, 1)) == 0  # once
    [reminder] = texts(session_factory, "booking_reminder")
    assert reminder.booking_id == booking.id
    assert reminder.body.startswith("Reminder: Messy play at Riverside Family Hub is tomorrow, 10am to 11am.")
    assert f"Reply: cancel booking {booking.reference}" in reminder.body
    assert check_text(reminder.body, "sms") == []


def test_no_reminder_for_a_booking_made_the_day_before_or_cancelled(db, session_factory):
    book(db)  # made Monday for Tuesday: the confirmation is fresh
    cancelled = book(db, MESSY_NEXT_TUESDAY).booking
    service.cancel_booking(db, cancelled.reference, cancelled.conversation_id, MONDAY_10AM, "sms")
    assert queue_due_reminders(db, london(2026, 11, 23, 12)) == 0
    assert queue_due_reminders(db, london(2026, 11, 30, 12)) == 0
    assert texts(session_factory, "booking_reminder") == []


def test_reminders_use_london_time_after_the_clock_change(db, session_factory):
    """Clocks went forward on Sunday 28 March 2027: 7:30 UTC is 8:30am, 19:30 UTC is 8:30pm."""
    said_yes(db, book(db, "riverside_messy_play_tue@2027-03-30", now=london(2027, 3, 20, 12)).booking,
             london(2027, 3, 20, 12))
    assert queue_due_reminders(db, datetime(2027, 3, 29, 19, 30, tzinfo=timezone.utc)) == 0
    assert queue_due_reminders(db, datetime(2027, 3, 29, 6, 59, tzinfo=timezone.utc)) == 0
    assert queue_due_reminders(db, datetime(2027, 3, 29, 7, 30, tzinfo=timezone.utc)) == 1


def test_a_moved_booking_is_reminded_for_its_new_date(db, session_factory):
    booking = book(db, MESSY_NEXT_TUESDAY).booking
    said_yes(db, booking, MONDAY_10AM)
    assert queue_due_reminders(db, london(2026, 11, 30, 9)) == 1
    service.move_booking(db, booking.reference, booking.conversation_id, "riverside_messy_play_tue@2026-12-08",
                         new_key(), london(2026, 11, 30, 10), "sms")
    assert queue_due_reminders(db, london(2026, 12, 7, 9)) == 1
    assert len(texts(session_factory, "booking_reminder")) == 2


def test_the_scheduled_reminders_job_texts_each_family_once(db, session_factory, database_url):
    """Reminders are a job the one scheduler queues every minute and any SMS
    worker runs: run twice at once (two workers, or a job retried after its
    worker died), a family still gets one reminder."""
    import threading

    from api.bookings.reminders import reminders_job
    from api.sms.runtime import SmsRuntime, make_sync_redis, use_runtime
    from tests.api.conftest import make_settings

    said_yes(db, book(db, MESSY_NEXT_TUESDAY).booking, MONDAY_10AM)
    settings = make_settings(database_url, clock_frozen_at=london(2026, 11, 30, 9))
    use_runtime(SmsRuntime(settings, session_factory, make_sync_redis(settings)))
    try:
        counts = []
        runs = [threading.Thread(target=lambda: counts.append(reminders_job())) for _ in range(2)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        assert sorted(counts) == [0, 1]
        assert reminders_job() == 0
    finally:
        use_runtime(None)
    assert len(texts(session_factory, "booking_reminder")) == 1
