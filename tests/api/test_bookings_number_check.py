"""A number typed into the web chat is texted nothing about the booking
but one question until that phone replies YES (issue 13, item 4); bookings
per chat and per number, and waiting lists, are limited.

The YES comes the way a family's text does: signed by Twilio, through
`/sms/inbound`, and the texts go out through the one sender to the
loopback Twilio stand-in.
"""

from datetime import date

import pytest
from sqlalchemy import select, update

from api.bookings import service
from api.bookings.checks import BookingProblem
from api.bookings.models import Booking
from api.bookings.register import cancel_session_date
from api.bookings.reminders import queue_due_reminders
from api.content.plain_language import check_text
from api.content.service import family_text
from api.outbox.service import queue_text
from tests.api.booking_helpers import (  # noqa: F401 - fixtures
    MESSY, MESSY_NEXT_TUESDAY, MESSY_TUESDAY, MONDAY_10AM, NORTHGATE_MESSY_WEDNESDAY, booking_body, bookings_with,
    conversation, count_bookings, london, new_key, no_bookings, places_taken, texts,
)
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, OTHER_FAMILY, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)

# Booked on the Friday before, so the booking gets a reminder on Monday.
FRIDAY_NOON = london(2026, 11, 20, 12)
MONDAY_NOON = london(2026, 11, 23, 12)
TYPED = "07700 900123"  # FAMILY, as someone typed it into the web chat


def book(session_factory, occurrence=MESSY_TUESDAY, now=FRIDAY_NOON, limits=service.BookingLimits(), **changes):
    with session_factory() as session:
        result = service.create_booking(session, booking_body(occurrence, **changes), new_key(), now, limits)
        session.expunge_all()
        return result


def refusal(call) -> BookingProblem:
    with pytest.raises(BookingProblem) as refused:
        call()
    return refused.value


def question(session_factory) -> str:
    with session_factory() as session:
        return family_text(session, "booking_number_check", "sms")


def remind(session_factory, now=london(2026, 11, 23, 9)) -> int:
    with session_factory() as session:
        return queue_due_reminders(session, now)


# --- the first text is the question, and only the question ---

def test_a_web_booking_texts_only_a_short_question_and_shows_the_booking_on_screen(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=FRIDAY_NOON)
    result = book(session_factory, first_name="Jo")
    assert result.created and result.booking.status == "booked"
    # On screen: the whole booking, and what the text is for.
    confirmation, note = result.texts
    assert result.booking.reference in confirmation and "Messy play" in confirmation
    assert "Reply YES" in note and "booking is made either way" in note
    run_jobs()
    [sent] = twilio.to(FAMILY)
    assert sent["Body"] == question(session_factory)
    # It names nobody and nothing the person booking typed or chose.
    for told in ("Jo", "Messy play", "Riverside", result.booking.reference):
        assert told not in sent["Body"]
    assert "Reply YES" in sent["Body"]
    assert check_text(sent["Body"], "sms") == [] and check_text(note, "web") == []
    assert len(sent["Body"]) <= 160


def test_no_reminder_or_notice_before_the_yes(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_NOON)
    booked = book(session_factory)  # on Friday, for Tuesday: a reminder would be due on Monday
    moved = book(session_factory, MESSY_NEXT_TUESDAY)
    assert remind(session_factory) == 0  # the reminder waits for the YES
    with session_factory() as session:
        service.move_booking(session, moved.booking.reference, moved.booking.conversation_id,
                             "riverside_messy_play_tue@2026-12-08", new_key(), MONDAY_NOON, "web")
        service.cancel_booking(session, moved.booking.reference, moved.booking.conversation_id, MONDAY_NOON, "web")
        cancel_session_date(session, MESSY, date(2026, 11, 24), "The hall is flooded", MONDAY_NOON)
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == [question(session_factory)]  # one question for both
    assert {b.status for b in bookings_with(session_factory)} == {"cancelled"}
    assert booked.booking.reference  # made, shown, and never texted about


def test_a_booking_text_queued_by_any_other_path_is_held_back_by_the_sender(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=FRIDAY_NOON)
    booked = book(session_factory)
    with session_factory() as session:
        queue_text(session, None, FAMILY, "Your session is tomorrow", "booking_reminder", FRIDAY_NOON,
                   booking_id=booked.booking.id)
        session.commit()
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == [question(session_factory)]
    reminder, delivery = outbox(session_factory, "booking_reminder")[0]
    assert (reminder.status, delivery.reason) == ("not_sent", "number_not_confirmed")


def test_a_yes_from_that_phone_brings_the_confirmation_then_the_reminder(sms_app, twilio, fake_rasa, session_factory):
    client = sms_app(clock_frozen_at=FRIDAY_NOON)
    booked = book(session_factory)
    run_jobs()
    text_in(client, "Yes!")
    run_jobs()
    assert fake_rasa.received == []  # answered here, never put to the assistant
    [_question, confirmed] = [m["Body"] for m in twilio.to(FAMILY)]
    assert confirmed.startswith("You're booked, Jo.") and booked.booking.reference in confirmed
    assert [row.handled_as for row in inbound_rows(session_factory)] == ["number_confirmed"]
    assert remind(session_factory) == 1
    run_jobs()
    assert twilio.to(FAMILY)[-1]["Body"].startswith("Reminder: Messy play at Riverside Family Hub is tomorrow")
    # A yes later on is the family's to the assistant again.
    text_in(client, "yes")
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["yes"]


def test_a_yes_from_another_phone_confirms_nothing(sms_app, twilio, fake_rasa, session_factory):
    client = sms_app(clock_frozen_at=FRIDAY_NOON)
    book(session_factory)
    text_in(client, "YES", from_number=OTHER_FAMILY)
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["YES"]
    assert remind(session_factory) == 0
    with session_factory() as session:
        assert session.scalar(select(Booking.number_confirmed_at)) is None


def test_after_a_yes_the_same_chat_books_again_without_another_question(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=FRIDAY_NOON)
    family = conversation()
    book(session_factory, conversation_id=family)
    run_jobs()
    text_in(client, "yes please")
    run_jobs()
    again = book(session_factory, MESSY_NEXT_TUESDAY, conversation_id=family.rsplit("-", 1)[0] + "-later")
    assert len(again.texts) == 1  # no "reply YES" on screen
    run_jobs()
    bodies = [m["Body"] for m in twilio.to(FAMILY)]
    assert bodies.count(question(session_factory)) == 1
    assert again.booking.reference in bodies[-1]
    # Another chat giving the same number is asked again.
    stranger = book(session_factory, NORTHGATE_MESSY_WEDNESDAY, children=1, child_ages_months=[30])
    assert len(stranger.texts) == 2
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)].count(question(session_factory)) == 2


def test_a_waiting_family_whose_number_never_said_yes_is_booked_but_not_texted(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=FRIDAY_NOON)
    for index in range(9):
        book(session_factory, children=1, child_ages_months=[30], phone=f"07700 9001{index:02d}")
    last = book(session_factory, children=1, child_ages_months=[30], phone="07700 900150")
    waiting = book(session_factory, "wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30])
    assert waiting.booking.status == "waiting"
    with session_factory() as session:
        service.cancel_booking(session, last.booking.reference, last.booking.conversation_id, FRIDAY_NOON, "web")
    assert {b.reference: b.status for b in bookings_with(session_factory)}[waiting.booking.reference] == "booked"
    assert texts(session_factory, "booking_place_freed") == []


def test_an_sms_family_booking_for_the_phone_they_text_from_is_texted_as_before(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=FRIDAY_NOON)
    sender = conversation()
    with session_factory() as session:
        service.remember_contact(session, sender, FAMILY, FRIDAY_NOON)
        session.commit()
    booked = book(session_factory, channel="sms", phone=None, use_sender_number=True, conversation_id=sender)
    assert len(booked.texts) == 1
    assert remind(session_factory) == 1
    run_jobs()
    assert [m["Body"][:9] for m in twilio.to(FAMILY)] == ["Reminder:"]
    # A different number typed in by text is asked first, like the web chat's.
    other = book(session_factory, MESSY_NEXT_TUESDAY, channel="sms", phone="07700 900456", conversation_id=sender)
    assert len(other.texts) == 2
    run_jobs()
    assert [m["Body"] for m in twilio.to(OTHER_FAMILY)] == [question(session_factory)]


# --- limits ---

def test_one_chat_makes_only_so_many_bookings_a_day(session_factory):
    limits = service.BookingLimits(per_browser_per_day=2)
    family = conversation()
    for occurrence, phone in ((MESSY_TUESDAY, "07700 900121"), (MESSY_NEXT_TUESDAY, "07700 900122")):
        book(session_factory, occurrence, limits=limits, conversation_id=family, phone=phone)
    problem = refusal(lambda: book(session_factory, NORTHGATE_MESSY_WEDNESDAY, limits=limits, conversation_id=family,
                                   children=1, child_ages_months=[30], phone="07700 900199"))
    assert (problem.key, problem.status) == ("booking_too_many", 429)
    with session_factory() as session:
        words = service.problem_texts(session, problem, "web")[0]
    assert "call us on" in words and check_text(words, "web") == []
    assert count_bookings(session_factory) == 2
    # The next day the chat may book again.
    assert book(session_factory, NORTHGATE_MESSY_WEDNESDAY, now=london(2026, 11, 21, 13), limits=limits,
                conversation_id=family, children=1, child_ages_months=[30], phone="07700 900199").created


def test_one_number_holds_only_so_many_upcoming_bookings_whoever_books(session_factory):
    limits = service.BookingLimits(per_number=2)
    book(session_factory, MESSY_TUESDAY, limits=limits)
    book(session_factory, MESSY_NEXT_TUESDAY, limits=limits)
    problem = refusal(lambda: book(session_factory, NORTHGATE_MESSY_WEDNESDAY, limits=limits, children=1,
                                   child_ages_months=[30]))
    assert problem.key == "booking_too_many"
    assert book(session_factory, NORTHGATE_MESSY_WEDNESDAY, limits=limits, children=1, child_ages_months=[30],
                phone="07700 900456").created


def test_the_limits_come_from_settings_on_the_route(make_client, session_factory):
    from tests.api.conftest import AUTH
    client = make_client(now=FRIDAY_NOON, data_encryption_key="test-data-encryption-key",
                         booking_max_per_number=1)
    first = client.post("/internal/bookings", json=booking_body(), headers={**AUTH, "Idempotency-Key": new_key()})
    assert first.status_code == 201
    second = client.post("/internal/bookings", json=booking_body(MESSY_NEXT_TUESDAY),
                         headers={**AUTH, "Idempotency-Key": new_key()})
    assert second.status_code == 429
    assert "call us on" in second.json()["messages"][0]["text"]


def test_a_waiting_list_takes_only_so_many_families(session_factory):
    limits = service.BookingLimits(waiting_list=2)
    for index in range(10):
        book(session_factory, children=1, child_ages_months=[30], phone=f"07700 9001{index:02d}", limits=limits)
    for index in range(2):
        assert book(session_factory, "wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30],
                    phone=f"07700 9002{index:02d}", limits=limits).booking.status == "waiting"
    with pytest.raises(service.BookingFull) as full:
        book(session_factory, "wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30], phone="07700 900299",
             limits=limits)
    assert not any(choice.id.startswith("wait:") for choice in full.value.choices)
    with session_factory() as session:
        offered = service.booking_needs(session, MESSY_TUESDAY, FRIDAY_NOON, "web", limits).as_dict()["options"]
        assert offered and not any(o["id"].startswith("wait:") for o in offered)
        with_room = service.booking_needs(session, MESSY_TUESDAY, FRIDAY_NOON, "web").as_dict()["options"]
        assert with_room[-1]["id"] == "wait:" + MESSY_TUESDAY  # the default (10) has room
    assert len(bookings_with(session_factory, "waiting")) == 2 and places_taken(session_factory, MESSY_TUESDAY) == 10
