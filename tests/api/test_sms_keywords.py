"""STOP, START and HELP; pictures with no words; very long texts; emoji.
Everything is sent through the job queue and the real twilio library to
the loopback stand-in, so `twilio.to(number)` is what the phone got."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from api.bookings.models import Booking, SessionDate
from api.bookings.reminders import queue_due_reminders
from api.bookings.service import create_booking, remember_contact
from api.referrals.service import send_text
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, OTHER_FAMILY, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)

LONDON = ZoneInfo("Europe/London")
SUNDAY_NOON = datetime(2026, 11, 22, 12, 0, tzinfo=LONDON)
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
STOPPED = "You will not get any more texts from Fernbridge Family Hubs. If you change your mind, reply START."


@pytest.fixture(autouse=True)
def no_bookings(session_factory, no_texts):
    with session_factory() as session, session.begin():
        session.execute(delete(Booking))
        session.execute(delete(SessionDate))
    yield


@pytest.fixture
def client(sms_app):
    # The business clock is Monday 10am: reminders are due, and it is not quiet hours.
    return sms_app(clock_frozen_at=MONDAY_10AM)


def book_tuesday(session_factory, phone=FAMILY) -> None:
    """A place at Tuesday's messy play, booked on Sunday (so a reminder is due on Monday)."""
    with session_factory() as session:
        # Booked by text from that phone (so its texts need no YES first).
        remember_contact(session, f"{'ab' * 16}-{phone[-4:]}", phone, SUNDAY_NOON)
        create_booking(session, {"conversation_id": f"{'ab' * 16}-{phone[-4:]}", "channel": "sms",
                                 "occurrence": "riverside_messy_play_tue@2026-11-24", "first_name": "Jo",
                                 "children": 1, "child_ages_months": [30], "adults": 1, "phone": phone},
                       f"booking-{phone}-{datetime.now().timestamp()}", SUNDAY_NOON)


def send_reminders(session_factory) -> int:
    with session_factory() as session:
        return queue_due_reminders(session, MONDAY_10AM)


def bodies(twilio, number=FAMILY) -> list[str]:
    return [message["Body"] for message in twilio.to(number)]


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "END", "QUIT"])
def test_stop_confirms_once_and_then_a_booking_reminder_is_not_sent(client, twilio, fake_rasa, session_factory, word):
    text_in(client, word)
    run_jobs()
    assert bodies(twilio) == [STOPPED]
    assert fake_rasa.received == []  # a keyword never goes to the assistant

    book_tuesday(session_factory)
    assert send_reminders(session_factory) == 1
    run_jobs()
    [(reminder, delivery)] = outbox(session_factory, "booking_reminder")
    assert (reminder.status, delivery.reason) == ("not_sent", "opted_out")
    assert bodies(twilio) == [STOPPED]  # nothing more reached the phone

    # STOP again: no second confirmation. Anything else: no answer at all.
    text_in(client, "STOP")
    text_in(client, "when is riverside open")
    run_jobs()
    assert bodies(twilio) == [STOPPED]
    assert fake_rasa.received == []
    assert [row.handled_as for row in inbound_rows(session_factory)] == ["stop", "stop", "opted_out"]


def test_cancel_stops_texts_and_says_how_to_cancel_a_booking_instead(client, twilio):
    text_in(client, "cancel")
    run_jobs()
    [reply] = bodies(twilio)
    assert "stops all our texts" in reply and "If you meant to cancel a booking, reply START" in reply


def test_a_sentence_with_stop_in_it_goes_to_the_assistant(client, twilio, fake_rasa):
    text_in(client, "please stop the booking")
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["please stop the booking"]


def test_start_opts_back_in_and_the_next_reminder_is_sent(client, twilio, session_factory):
    text_in(client, "STOP")
    text_in(client, "START")
    run_jobs()
    assert bodies(twilio) == [STOPPED, "Welcome back. You will get texts from Fernbridge Family Hubs again. "
                                       "You can reply STOP at any time."]
    book_tuesday(session_factory)
    send_reminders(session_factory)
    run_jobs()
    [(reminder, delivery)] = outbox(session_factory, "booking_reminder")
    assert reminder.status == "sent"
    assert "Messy play" in bodies(twilio)[-1] and "FH" in bodies(twilio)[-1]


def test_stop_is_honoured_by_worker_texts_too(client, twilio, session_factory):
    from tests.api.referral_helpers import PAYLOAD, new_key
    from api.referrals.service import create_referral

    text_in(client, "STOP")
    run_jobs()
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": FAMILY}}, new_key(),
                               MONDAY_10AM)
        send_text(session, made.referral, None, "Hello, this is Sam from the hub.", MONDAY_10AM)
    run_jobs()
    [(text, delivery)] = outbox(session_factory, "staff_text")
    assert (text.status, delivery.reason) == ("not_sent", "opted_out")
    assert bodies(twilio) == [STOPPED]


def test_help_says_who_we_are_the_number_to_call_and_how_to_stop(client, twilio, fake_rasa):
    text_in(client, "help")
    run_jobs()
    [reply] = bodies(twilio)
    assert "Fernbridge Family Hubs" in reply and "01632 960000" in reply and "reply STOP" in reply
    assert fake_rasa.received == []


def test_a_picture_with_no_words_gets_a_kind_reply(client, twilio, fake_rasa, session_factory):
    text_in(client, "", media=1)
    run_jobs()
    assert bodies(twilio) == ["Sorry, I can only read words, not pictures or files. "
                              "Please send your message as text."]
    assert fake_rasa.received == []
    [row] = inbound_rows(session_factory)
    assert (row.state, row.handled_as, row.media_count) == ("handled", "media_only", 1)


def test_a_picture_with_words_is_answered_from_the_words(client, fake_rasa):
    text_in(client, "is this rash normal", media=2)
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["is this rash normal"]


def test_1600_characters_reach_the_assistant_whole(client, twilio, fake_rasa, session_factory):
    # A worry at the very end of a long text must still be read.
    long_text = ("we moved here last month and I do not know anyone yet. " * 40)[:1570] + " he hit me again"
    assert len(long_text) == 1586
    text_in(client, long_text.ljust(1600, "."))
    run_jobs()
    [call] = fake_rasa.received
    assert len(call["json"]["message"]) == 1600 and "he hit me again" in call["json"]["message"]
    assert len(twilio.to(FAMILY)) == 1
    [row] = inbound_rows(session_factory)
    assert row.state == "answered" and len(row.body) == 1600


def test_an_emoji_reaches_the_assistant_as_sent(client, fake_rasa, twilio):
    text_in(client, "thank you so much \U0001F60A\u2764\ufe0f")
    run_jobs()
    assert fake_rasa.received[0]["json"]["message"] == "thank you so much \U0001F60A\u2764\ufe0f"
    assert len(twilio.to(FAMILY)) == 1


def test_a_stop_from_one_number_does_not_stop_another(client, twilio):
    text_in(client, "STOP", from_number=FAMILY)
    text_in(client, "hello", from_number=OTHER_FAMILY)
    run_jobs()
    assert bodies(twilio) == [STOPPED]
    assert len(twilio.to(OTHER_FAMILY)) == 1


def test_not_safe_to_text_told_to_a_worker_holds_for_booking_texts_too(client, twilio, session_factory):
    from tests.api.referral_helpers import PAYLOAD, new_key
    from api.referrals.service import create_referral

    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": FAMILY,
                                                                "method": "call", "safe_to_text": False}},
                               new_key(), MONDAY_10AM)
        referral_id = made.referral.id
    try:
        book_tuesday(session_factory)
        send_reminders(session_factory)
        run_jobs()
        [(reminder, delivery)] = outbox(session_factory, "booking_reminder")
        assert (reminder.status, delivery.reason) == ("not_sent", "not_safe_to_text")
        assert bodies(twilio) == []
        # A reply to the family's own text still goes: they texted us from that phone.
        text_in(client, "help")
        run_jobs()
        assert len(bodies(twilio)) == 1
    finally:
        # The database lasts the whole run: later tests text this number.
        from sqlalchemy import update

        from api.referrals.models import Referral

        with session_factory() as session, session.begin():
            session.execute(update(Referral).where(Referral.id == referral_id).values(safe_to_text=True))

