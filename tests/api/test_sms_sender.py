"""The one sender: every outbox text, whoever queued it, goes out through
the real twilio library to the loopback stand-in, fitted to SMS, within
quiet hours, limits and countries; Twilio's errors and delivery reports
are recorded."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from rq.job import Job
from sqlalchemy import delete, update

from api.bookings.models import Booking, SessionDate
from api.bookings.register import cancel_session_date
from api.bookings.service import create_booking, remember_contact
from api.content.plain_language import sms_length
from api.outbox.service import queue_text
from api.referrals.service import claim_referral, create_referral, send_text
from api.sms.models import SmsDelivery
from api.sms.runtime import current_runtime
from api.sms.sender import SendLater, send_waiting_texts
from api.sms.upkeep import look_after_texts
from tests.api.referral_helpers import PAYLOAD, make_staff, new_key
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, OTHER_FAMILY, PUBLIC, encryption_key, no_texts, outbox, run_jobs, sms_app, twilio,
)

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
MONDAY_9_30PM = datetime(2026, 11, 23, 21, 30, tzinfo=LONDON)
TUESDAY_8_05AM = datetime(2026, 11, 24, 8, 5, tzinfo=LONDON)


def queue(session_factory, body: str, kind: str = "booking_reminder", phone: str = FAMILY,
          referral_id: int | None = None) -> int:
    """A text queued the way every other part of the api queues one."""
    with session_factory() as session:
        message = queue_text(session, referral_id, phone, body, kind, MONDAY_10AM)
        session.commit()
        return message.id


def time_passes(session_factory) -> None:
    """Whatever was kept back is now due (as if the hours had gone by)."""
    with session_factory() as session:
        session.execute(update(SmsDelivery).where(SmsDelivery.send_after.is_not(None))
                        .values(send_after=datetime.now(timezone.utc) - timedelta(seconds=1)))
        session.commit()


def statuses(session_factory) -> list[tuple[str, str | None]]:
    return [(message.status, delivery.reason if delivery else None) for message, delivery in outbox(session_factory)]


# --- fitting texts to SMS ---

def test_a_curly_apostrophe_is_straightened_and_costs_no_extra_segment(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    body = ("Hi Jo, it\u2019s Sam from Riverside Family Hub. I\u2019ll call you tomorrow after 3pm "
            "as you asked \u2013 there\u2019s no need to do anything before then\u2026")
    assert sms_length(body).segments == 2  # UCS-2 as written: 70 a segment, 67 when joined
    queue(session_factory, body, "staff_text")
    run_jobs()
    [sent] = twilio.to(FAMILY)
    assert sent["Body"] == ("Hi Jo, it's Sam from Riverside Family Hub. I'll call you tomorrow after 3pm "
                            "as you asked - there's no need to do anything before then...")
    [(message, delivery)] = outbox(session_factory)
    assert (delivery.segments, delivery.encoding) == (1, "GSM-7")


def test_an_emoji_is_kept_and_counted_as_ucs2(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    queue(session_factory, "See you on Tuesday \U0001F44B", "staff_text")
    run_jobs()
    assert twilio.to(FAMILY)[0]["Body"] == "See you on Tuesday \U0001F44B"
    [(message, delivery)] = outbox(session_factory)
    assert (delivery.segments, delivery.encoding) == (1, "UCS-2")


# --- every path goes through the one sender ---

def test_a_workers_introduction_is_sent_when_the_claim_commits(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    worker = make_staff(session_factory, "front_door", name="Sam Okafor")
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": "07700 900123"}},
                               new_key(), MONDAY_10AM)
        claim_referral(session, made.referral, worker, MONDAY_10AM)
    run_jobs()
    [sent] = twilio.to(FAMILY)
    assert "Sam" in sent["Body"] and "Riverside Family Hub" in sent["Body"]
    assert statuses(session_factory) == [("sent", None)]


def test_a_text_rolled_back_is_never_sent(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    with session_factory() as session:
        queue_text(session, None, FAMILY, "This change was undone", "staff_text", MONDAY_10AM)
        session.rollback()
    run_jobs()
    assert twilio.messages == []


def test_texts_to_one_number_go_in_the_order_they_were_written(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    for number in range(5):
        queue(session_factory, f"Text number {number}", "staff_text")
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == [f"Text number {n}" for n in range(5)]


def test_with_no_twilio_texts_stay_in_the_outbox_as_simulated(make_client, twilio, session_factory):
    make_client(data_encryption_key="test-data-encryption-key", clock_frozen_at=MONDAY_10AM,
                twilio_api_base_url=twilio.url)
    queue(session_factory, "Your place is booked", "booking_booked")
    run_jobs()
    assert twilio.requests == 0
    assert statuses(session_factory) == [("simulated", None)]


# --- quiet hours ---

def test_a_reminder_at_9pm_waits_until_8am_but_a_reply_goes_at_once(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_9_30PM)
    queue(session_factory, "A reminder for tomorrow", "booking_reminder")
    queue(session_factory, "An answer to your question", "reply", phone=OTHER_FAMILY)
    run_jobs()
    assert twilio.to(FAMILY) == []
    assert [m["Body"] for m in twilio.to(OTHER_FAMILY)] == ["An answer to your question"]
    [(reminder, delivery), _reply] = outbox(session_factory)
    assert (reminder.status, delivery.status, delivery.reason) == ("queued", "held", "quiet_hours")
    kept_for = delivery.send_after.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(hours=10) < kept_for <= timedelta(hours=10, minutes=30)  # 9:30pm to 8am

    # The upkeep job does not send it early...
    look_after_texts(current_runtime())
    run_jobs()
    assert twilio.to(FAMILY) == []
    # ...and sends it once the morning comes.
    sms_app(clock_frozen_at=TUESDAY_8_05AM)
    time_passes(session_factory)
    look_after_texts(current_runtime())
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == ["A reminder for tomorrow"]


def test_an_urgent_referrals_text_goes_at_night(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_9_30PM)
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "urgent": True,
                                         "contact": {**PAYLOAD["contact"], "phone": OTHER_FAMILY}},
                               new_key(), MONDAY_9_30PM)
        send_text(session, made.referral, None, "Sam here. I will call you in 10 minutes.", MONDAY_9_30PM)
        calm = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": FAMILY}},
                               new_key(), MONDAY_9_30PM)
        send_text(session, calm.referral, None, "Sam here. I will call you tomorrow.", MONDAY_9_30PM)
    run_jobs()
    assert [m["Body"] for m in twilio.to(OTHER_FAMILY)] == ["Sam here. I will call you in 10 minutes."]
    assert twilio.to(FAMILY) == []


@pytest.mark.parametrize("day, goes_tonight", [(date(2026, 11, 24), True), (date(2026, 12, 1), False)])
def test_a_session_called_off_for_tomorrow_is_texted_at_night_a_later_one_waits(
        sms_app, twilio, session_factory, day, goes_tonight):
    """A family should not set off in the morning for a session the hub called
    off last night; one called off for next week can wait until 8am."""
    sms_app(clock_frozen_at=MONDAY_9_30PM)
    with session_factory() as session:
        session.execute(delete(Booking))
        session.execute(delete(SessionDate))
        remember_contact(session, "f" * 32 + "-1", FAMILY, MONDAY_10AM)  # booked by text from that phone
        booked = create_booking(session, {"conversation_id": "f" * 32 + "-1", "channel": "sms",
                                          "occurrence": f"riverside_messy_play_tue@{day.isoformat()}",
                                          "first_name": "Jo", "children": 1, "child_ages_months": [30],
                                          "adults": 1, "phone": FAMILY}, "called-off-test", MONDAY_10AM)
        assert booked.booking is not None
        cancel_session_date(session, "riverside_messy_play_tue", day, "The hall is flooded", MONDAY_9_30PM)
    run_jobs()
    called_off = [m["Body"] for m in twilio.to(FAMILY) if "flooded" in m["Body"]]
    assert len(called_off) == (1 if goes_tonight else 0)


# --- limits and countries ---

def test_one_number_gets_no_more_than_its_hourly_limit(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM, sms_max_per_number_per_hour=3)
    for number in range(5):
        queue(session_factory, f"Notice {number}", "staff_text")
    queue(session_factory, "For someone else", "staff_text", phone=OTHER_FAMILY)
    run_jobs()
    assert len(twilio.to(FAMILY)) == 3
    assert len(twilio.to(OTHER_FAMILY)) == 1
    assert statuses(session_factory)[3:5] == [("not_sent", "number_limit")] * 2


def test_a_number_texting_too_often_is_not_answered(sms_app, twilio, fake_rasa, session_factory):
    from tests.api.sms_helpers import inbound_rows, text_in

    client = sms_app(clock_frozen_at=MONDAY_10AM, sms_max_inbound_per_number_per_hour=2)
    for number in range(4):
        text_in(client, f"message {number}")
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["message 0", "message 1"]
    assert [row.handled_as for row in inbound_rows(session_factory)] == [None, None, "rate_limited", "rate_limited"]
    assert len(twilio.to(FAMILY)) == 2


def test_over_the_overall_limit_a_minute_texts_wait(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM, sms_max_per_minute=2)
    for index in range(3):
        queue(session_factory, "Hello", "staff_text", phone=f"+4477009001{index:02d}")
    run_jobs()
    assert len(twilio.messages) == 2
    assert statuses(session_factory).count(("queued", "busy")) == 1


def test_over_the_daily_limit_texts_are_not_sent(sms_app, twilio, session_factory, caplog):
    sms_app(clock_frozen_at=MONDAY_10AM, sms_max_per_day=2)
    for index in range(3):
        queue(session_factory, "Hello", "staff_text", phone=f"+4477009001{index:02d}")
    run_jobs()
    assert len(twilio.messages) == 2
    assert statuses(session_factory).count(("not_sent", "daily_limit")) == 1
    assert "SMS_MAX_PER_DAY" in caplog.text


@pytest.mark.parametrize("phone", ["+15005550006", "+353851234567", "+33612345678"])
def test_texts_go_only_to_uk_numbers(sms_app, twilio, session_factory, phone):
    sms_app(clock_frozen_at=MONDAY_10AM)
    queue(session_factory, "Hello", "staff_text", phone=phone)
    run_jobs()
    assert twilio.messages == []
    assert statuses(session_factory) == [("not_sent", "not_allowed_country")]


def test_a_setting_allows_other_countries(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM, sms_allowed_country_codes="44, 353")
    queue(session_factory, "Hello", "staff_text", phone="+353851234567")
    run_jobs()
    assert [m["To"] for m in twilio.messages] == ["+353851234567"]


# --- what Twilio says ---

def test_twilio_refusing_a_number_is_final_with_its_code(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    twilio.fail_next(400, 21211, "The 'To' number is not a valid phone number.")
    queue(session_factory, "Hello", "staff_text")
    run_jobs()
    [(message, delivery)] = outbox(session_factory)
    assert (message.status, delivery.reason, delivery.error_code) == ("failed", "twilio_error", "21211")


def test_twilio_saying_the_number_unsubscribed_opts_it_out(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    queue(session_factory, "First", "staff_text")
    queue(session_factory, "Second", "staff_text")
    run_jobs()
    assert twilio.messages == []
    assert statuses(session_factory) == [("not_sent", "opted_out")] * 2


def test_twilio_down_is_retried_with_backoff_and_sent_once(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM)
    twilio.fail_next(503, 20503, "Service unavailable")
    outbox_id = queue(session_factory, "Hello", "staff_text")
    run_jobs()
    assert twilio.messages == []
    [(message, delivery)] = outbox(session_factory)
    assert (message.status, delivery.reason, delivery.attempts) == ("queued", "twilio_unreachable", 1)
    job = Job.fetch(f"sms-out-{outbox_id}", connection=current_runtime().redis)
    assert job.get_status() == "scheduled" and job.retries_left == 5  # rq tries again in 10 seconds

    send_waiting_texts(current_runtime(), outbox_id)  # as rq's retry does
    send_waiting_texts(current_runtime(), outbox_id)
    assert len(twilio.messages) == 1
    assert statuses(session_factory) == [("sent", None)]


def test_twilio_unreachable_raises_for_a_retry(sms_app, session_factory):
    from tests.support.ports import unused_port

    sms_app(clock_frozen_at=MONDAY_10AM, twilio_api_base_url=f"http://127.0.0.1:{unused_port()}")
    outbox_id = queue(session_factory, "Hello", "staff_text")
    with pytest.raises(SendLater):
        send_waiting_texts(current_runtime(), outbox_id)
    assert statuses(session_factory) == [("queued", "twilio_unreachable")]


# --- delivery reports ---

def test_a_signed_delivery_report_is_recorded_and_never_goes_backwards(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    queue(session_factory, "Hello", "staff_text")
    run_jobs()
    [sent] = twilio.messages
    assert sent["StatusCallback"] == PUBLIC + "/sms/status"
    assert twilio.report(client, sent, "delivered").status_code == 204
    assert twilio.report(client, sent, "sent").status_code == 204  # late, out of order
    [(message, delivery)] = outbox(session_factory)
    assert (message.status, delivery.status) == ("delivered", "delivered")


def test_undelivered_and_failed_reports_keep_the_carriers_code(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    queue(session_factory, "One", "staff_text")
    queue(session_factory, "Two", "staff_text", phone=OTHER_FAMILY)
    run_jobs()
    one, two = twilio.messages
    twilio.report(client, one, "undelivered", "30003")
    twilio.report(client, two, "failed", "30006")
    [(first, first_delivery), (second, second_delivery)] = outbox(session_factory)
    assert (first.status, first_delivery.error_code) == ("undelivered", "30003")
    assert (second.status, second_delivery.error_code) == ("failed", "30006")


def test_a_forged_delivery_report_changes_nothing(sms_app, twilio, session_factory):
    from tests.support.twilio import signed_post

    client = sms_app(clock_frozen_at=MONDAY_10AM)
    queue(session_factory, "Hello", "staff_text")
    run_jobs()
    [sent] = twilio.messages
    fields = {"MessageSid": sent["sid"], "MessageStatus": "failed", "ErrorCode": "30003"}
    assert signed_post(client, "/sms/status", fields, auth_token="guessed").status_code == 403
    assert client.post("/sms/status", data=fields).status_code == 403
    assert statuses(session_factory) == [("sent", None)]


def test_a_messaging_service_can_send_instead_of_a_number(sms_app, twilio, session_factory):
    sms_app(clock_frozen_at=MONDAY_10AM, twilio_from_number="", twilio_messaging_service_sid="MG" + "1" * 32)
    queue(session_factory, "Hello", "staff_text")
    run_jobs()
    [sent] = twilio.messages
    assert sent["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in sent


def test_replies_to_a_familys_own_texts_are_outside_the_daily_budget(sms_app, twilio, fake_rasa, session_factory):
    """Reminders and notices use up the day's texts; a crisis reply and a
    STOP confirmation still go, and take none of the notices' budget."""
    from tests.api.sms_helpers import text_in

    client = sms_app(clock_frozen_at=MONDAY_10AM, sms_max_per_day=1)
    queue(session_factory, "A reminder for tomorrow", "booking_reminder")
    queue(session_factory, "A notice for someone else", "booking_reminder", phone="+447700900111")
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == ["A reminder for tomorrow"]
    assert statuses(session_factory)[1] == ("not_sent", "daily_limit")  # the day's budget is used up

    text_in(client, "i want to hurt myself", from_number=OTHER_FAMILY)  # the assistant's reply (the stand-in's)
    text_in(client, "STOP", from_number="+447700900222")
    run_jobs()
    assert [m["Body"] for m in twilio.to(OTHER_FAMILY)] == ["Hello from the stand-in\n\nA second reply"]
    [stopped] = twilio.to("+447700900222")
    assert stopped["Body"].startswith("You will not get any more texts")
    # ...and they did not eat into it: the next notice is still refused, not sent in their place.
    queue(session_factory, "Another notice", "booking_reminder", phone="+447700900333")
    run_jobs()
    assert twilio.to("+447700900333") == []
