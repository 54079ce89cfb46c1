"""WhatsApp through the same Twilio account, webhook and outbox as SMS: the
answer goes back the way the family wrote, WhatsApp's 24-hour rule is
kept (free-form inside it; an approved template, SMS the family also uses,
or nothing after it), voice notes and pictures get a kind reply, and
Twilio's WhatsApp errors reach the staff page in plain words. Everything
goes through the real twilio library to the loopback stand-in."""

import json
import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text, update

from api.outbox.service import queue_text
from api.sms.models import SmsInbound
from api.sms.records import problem_texts, retry_text
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, PUBLIC, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)
from tests.support.twilio import FROM_NUMBER, WHATSAPP_PROFILE_NAME, inbound_fields, signed_post

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
ON_WHATSAPP = "whatsapp:" + FAMILY
REMINDER = "Reminder: Stay and Play at Riverside Family Hub is tomorrow at 10am. Reply CANCEL if you cannot come."
TEMPLATE = "HX" + "a" * 32


def whatsapp_in(client, body: str, **options):
    return text_in(client, body, from_number=ON_WHATSAPP, **options)


def wrote_hours_ago(session_factory, hours: float, channel: str | None = None) -> None:
    """The family's messages (on this channel) were sent `hours` ago."""
    query = update(SmsInbound).values(received_at=datetime.now(timezone.utc) - timedelta(hours=hours))
    if channel:
        query = query.where(SmsInbound.channel == channel)
    with session_factory() as session:
        session.execute(query)
        session.commit()


def reminder(session_factory, kind: str = "booking_reminder") -> int:
    """A text the family did not just ask for, queued as the bookings queue one."""
    with session_factory() as session:
        message = queue_text(session, None, FAMILY, REMINDER, kind, MONDAY_10AM)
        session.commit()
        return message.id


def sent_by(message: dict) -> tuple[str, str]:
    return message["To"], message.get("From", "")


# --- a conversation on WhatsApp ---

def test_a_whatsapp_message_is_answered_on_whatsapp_in_the_familys_one_conversation(
        sms_app, fake_rasa, twilio, session_factory, caplog):
    caplog.set_level(logging.DEBUG)
    client = sms_app()
    text_in(client, "hi")  # the same family texted by SMS first
    response, _ = whatsapp_in(client, "when is riverside open")
    assert response.status_code == 200 and response.text.endswith("<Response/>")

    run_jobs()

    sms_call, whatsapp_call = fake_rasa.received
    # One family, one conversation, whichever way they write; no number in it.
    assert whatsapp_call["json"]["sender"] == sms_call["json"]["sender"]
    assert "7700900123" not in whatsapp_call["json"]["sender"] and "whatsapp" not in whatsapp_call["json"]["sender"]
    by_sms, by_whatsapp = twilio.messages
    assert sent_by(by_sms) == (FAMILY, FROM_NUMBER)
    assert sent_by(by_whatsapp) == (ON_WHATSAPP, "whatsapp:" + FROM_NUMBER)
    assert by_whatsapp["Body"] == "Hello from the stand-in\n\nA second reply"
    assert by_whatsapp["StatusCallback"] == PUBLIC + "/sms/status"
    assert [row.channel for row in inbound_rows(session_factory)] == ["sms", "whatsapp"]
    [(_, sms_delivery), (_, whatsapp_delivery)] = outbox(session_factory)
    assert (sms_delivery.channel, sms_delivery.segments) == ("sms", 1)
    assert (whatsapp_delivery.channel, whatsapp_delivery.segments, whatsapp_delivery.template_sid) == (
        "whatsapp", None, None)
    # The family's WhatsApp name and number are never logged.
    assert WHATSAPP_PROFILE_NAME not in caplog.text and "7700900123" not in caplog.text


def test_the_profile_name_whatsapp_sends_is_not_kept(sms_app, session_factory):
    whatsapp_in(sms_app(), "hello")
    with session_factory() as session:
        for table in ("sms_inbound", "outbox_messages", "conversation_contacts", "audit_events"):
            for row in session.execute(text(f"SELECT * FROM {table}")):
                assert not any("Shireen" in str(value) for value in row)


def test_a_forged_whatsapp_message_is_refused_and_a_repeat_is_answered_once(sms_app, fake_rasa, twilio,
                                                                           session_factory):
    client = sms_app()
    fields = inbound_fields(ON_WHATSAPP, "hello")
    forged = signed_post(client, "/sms/inbound", fields, "not-the-auth-token", sign_url=PUBLIC + "/sms/inbound")
    assert forged.status_code == 403 and inbound_rows(session_factory) == []

    for _ in range(2):  # Twilio posts the same message again
        assert signed_post(client, "/sms/inbound", fields, sign_url=PUBLIC + "/sms/inbound").status_code == 200
    run_jobs()
    assert len(fake_rasa.received) == 1 and len(twilio.to(ON_WHATSAPP)) == 1


# --- the 24-hour rule ---

def test_inside_24_hours_a_reminder_goes_on_whatsapp_as_it_is(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    whatsapp_in(client, "hello")
    run_jobs()
    wrote_hours_ago(session_factory, 23)
    reminder(session_factory)
    run_jobs()
    [_, sent] = twilio.messages
    assert sent_by(sent) == (ON_WHATSAPP, "whatsapp:" + FROM_NUMBER) and sent["Body"] == REMINDER


def test_after_24_hours_only_the_approved_template_goes(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM, whatsapp_templates=f"booking_reminder={TEMPLATE}")
    whatsapp_in(client, "hello")
    run_jobs()
    wrote_hours_ago(session_factory, 25)
    reminder(session_factory)
    run_jobs()
    [_, sent] = twilio.messages
    assert sent["To"] == ON_WHATSAPP and sent["ContentSid"] == TEMPLATE and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": REMINDER}
    [_, (_, delivery)] = outbox(session_factory)
    assert (delivery.status, delivery.channel, delivery.template_sid) == ("sent", "whatsapp", TEMPLATE)


def test_after_24_hours_with_no_template_nothing_goes_and_staff_are_told(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM, whatsapp_templates=f"booking_reminder={TEMPLATE}")
    whatsapp_in(client, "hello")
    run_jobs()
    wrote_hours_ago(session_factory, 25)
    worker_text = reminder(session_factory, kind="staff_text")  # no template for a worker's own text
    run_jobs()
    assert len(twilio.messages) == 1  # only the reply to "hello"
    with session_factory() as session:
        [problem] = problem_texts(session)
    assert problem.outbox_id == worker_text
    assert problem.what == ("Not sent: the family wrote on WhatsApp more than 24 hours ago, and there is no "
                            "approved template for this kind of message")
    assert problem.can_retry

    # Once the family writes again, staff can send it after all.
    whatsapp_in(client, "are you there")
    run_jobs()
    with session_factory() as session:
        assert retry_text(session, worker_text, datetime.now(timezone.utc))
        session.commit()
    run_jobs()
    assert [m["Body"] for m in twilio.to(ON_WHATSAPP)][-1] == REMINDER


def test_after_24_hours_a_family_who_also_texts_us_gets_sms(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "hi")
    whatsapp_in(client, "hello")
    run_jobs()
    wrote_hours_ago(session_factory, 26, "sms")
    wrote_hours_ago(session_factory, 25, "whatsapp")
    reminder(session_factory)
    run_jobs()
    assert sent_by(twilio.messages[-1]) == (FAMILY, FROM_NUMBER) and twilio.messages[-1]["Body"] == REMINDER


def test_a_family_who_moved_back_to_sms_gets_sms(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    whatsapp_in(client, "hello")
    run_jobs()
    wrote_hours_ago(session_factory, 2, "whatsapp")
    text_in(client, "hi again")
    run_jobs()
    reminder(session_factory)
    run_jobs()
    assert [m["To"] for m in twilio.messages] == [ON_WHATSAPP, FAMILY, FAMILY]


def test_the_whatsapp_sender_and_the_messaging_service(sms_app, twilio, session_factory):
    client = sms_app(twilio_whatsapp_from="+441632960888")
    whatsapp_in(client, "hello")
    run_jobs()
    assert sent_by(twilio.messages[-1]) == (ON_WHATSAPP, "whatsapp:+441632960888")

    client = sms_app(twilio_messaging_service_sid="MG" + "1" * 32)
    whatsapp_in(client, "hello again")
    run_jobs()
    sent = twilio.messages[-1]
    assert sent["To"] == ON_WHATSAPP and sent["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in sent


# --- pictures and voice notes ---

def test_a_voice_note_gets_a_kind_reply_with_the_hubs_number(sms_app, fake_rasa, twilio, session_factory):
    client = sms_app()
    whatsapp_in(client, "", media=1, media_type="audio/ogg")
    run_jobs()
    [sent] = twilio.messages
    assert sent["To"] == ON_WHATSAPP
    assert "can't listen to voice notes" in sent["Body"] and "type your message" in sent["Body"]
    assert "01632 960000" in sent["Body"]
    assert fake_rasa.received == []
    [row] = inbound_rows(session_factory)
    assert (row.handled_as, row.media_count) == ("voice_note", 1)


def test_a_picture_gets_a_kind_reply_and_words_with_a_picture_reach_the_assistant(sms_app, fake_rasa, twilio):
    client = sms_app()
    whatsapp_in(client, "", media=1)
    whatsapp_in(client, "this is the letter from school", media=1)
    run_jobs()
    first, second = twilio.to(ON_WHATSAPP)
    assert "not pictures or files" in first["Body"]
    assert second["Body"].startswith("Hello from the stand-in")
    assert [call["json"]["message"] for call in fake_rasa.received] == ["this is the letter from school"]


def test_a_family_writing_in_polish_gets_the_voice_note_reply_in_polish(sms_app, fake_rasa, twilio):
    client = sms_app()
    whatsapp_in(client, "moje dziecko nie chce spać w nocy, co mogę zrobić")
    run_jobs()
    whatsapp_in(client, "", media=1, media_type="audio/ogg")
    run_jobs()
    voice = twilio.to(ON_WHATSAPP)[-1]["Body"]
    assert "nie mogę odsłuchać wiadomości głosowych" in voice and "01632 960000" in voice and "'Polish'" in voice


# --- delivery failures ---

def test_twilio_refusing_a_message_after_the_24_hours_is_recorded_in_plain_words(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    whatsapp_in(client, "hello")
    run_jobs()
    twilio.fail_next(400, 63016, "Failed to send freeform message because you are outside the allowed window.")
    reminder(session_factory)  # our record says the window is open; WhatsApp's clock says not
    run_jobs()
    with session_factory() as session:
        [problem] = problem_texts(session)
    assert problem.what == ("Not sent: the family wrote on WhatsApp more than 24 hours ago, and there is no approved "
                            "template for this kind of message (Twilio error 63016: WhatsApp's 24 hours had passed)")


def test_a_message_whatsapp_could_not_deliver_is_shown_to_staff(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)  # not quiet hours, when a reminder would wait
    whatsapp_in(client, "hello")
    run_jobs()
    [sent] = twilio.messages
    assert twilio.report(client, sent, "read").status_code == 204
    [(message, _)] = outbox(session_factory)
    assert message.status == "delivered"

    reminder(session_factory)
    run_jobs()
    failed = twilio.messages[-1]
    assert twilio.report(client, failed, "undelivered", "63024").status_code == 204
    with session_factory() as session:
        [problem] = problem_texts(session)
    assert problem.what == ("Not delivered: the phone network could not deliver it "
                            "(Twilio error 63024: the number is not on WhatsApp)")
