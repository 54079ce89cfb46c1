"""`POST /sms/inbound`: Twilio's signature, repeats, and a text answered by
the assistant through the job queue and the real twilio library (sending
to the loopback stand-in for Twilio's REST API)."""

import hashlib
import hmac
import logging

from sqlalchemy import select, text
from twilio.request_validator import RequestValidator

from api.bookings.models import ConversationContact
from api.crypto import phone_hash
from tests.api.conftest import PSEUDONYM_KEY
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, PUBLIC, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)
from tests.support.twilio import AUTH_TOKEN, FROM_NUMBER, inbound_fields, signed_post


def test_a_text_is_acknowledged_at_once_then_answered_in_one_joined_text(sms_app, fake_rasa, twilio, session_factory):
    client = sms_app()
    response, fields = text_in(client, "when is riverside open")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    # Twilio is answered before the assistant is asked.
    assert fake_rasa.received == [] and twilio.messages == []
    [row] = inbound_rows(session_factory)
    assert row.state == "queued" and row.message_sid == fields["MessageSid"]

    run_jobs()

    [call] = fake_rasa.received
    assert call["json"]["message"] == "when is riverside open"
    assert call["json"]["metadata"] == {"channel": "sms", "language": "en", "written_in": "en",
                                     "turn_id": f"sms-{row.id}"}  # no personal data
    sender = call["json"]["sender"]
    family, episode = sender.rsplit("-", 1)
    assert family == hmac.new(PSEUDONYM_KEY.encode(), FAMILY.encode(), hashlib.sha256).hexdigest()
    assert "7700900123" not in sender
    # Rasa's two replies fit in one text together, so they go as one.
    [sent] = twilio.messages
    assert sent["Body"] == "Hello from the stand-in\n\nA second reply"
    assert sent["To"] == FAMILY and sent["From"] == FROM_NUMBER
    assert sent["StatusCallback"] == PUBLIC + "/sms/status"
    [(message, delivery)] = outbox(session_factory)
    assert (message.kind, message.status) == ("reply", "sent")
    assert delivery.twilio_sid == sent["sid"] and delivery.segments == 1 and delivery.encoding == "GSM-7"
    [row] = inbound_rows(session_factory)
    assert row.state == "answered" and row.conversation_id == sender


def test_the_number_is_kept_against_the_conversation_for_booking(sms_app, fake_rasa, session_factory):
    client = sms_app()
    text_in(client, "hi")
    run_jobs()
    sender = fake_rasa.received[0]["json"]["sender"]
    with session_factory() as session:
        contact = session.scalar(select(ConversationContact).where(ConversationContact.conversation_id == sender))
        assert contact.phone == FAMILY and contact.phone_hash == phone_hash(FAMILY)
        raw = session.execute(text("SELECT phone FROM conversation_contacts")).scalar()
    assert "7700900123" not in raw  # encrypted at rest


def test_numbers_and_words_are_encrypted_at_rest(sms_app, session_factory):
    text_in(sms_app(), "my son is being bullied at school")
    with session_factory() as session:
        phone, body = session.execute(text("SELECT phone, body FROM sms_inbound")).one()
    assert "7700900123" not in phone and "bullied" not in body


def test_texts_from_one_number_reach_the_assistant_in_order(sms_app, fake_rasa, twilio):
    client = sms_app()
    for words in ("first", "second", "third"):
        text_in(client, words)
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["first", "second", "third"]
    assert len({call["json"]["sender"] for call in fake_rasa.received}) == 1
    assert len(twilio.to(FAMILY)) == 3


def test_a_forged_text_is_refused_and_logged_without_personal_data(sms_app, fake_rasa, session_factory, caplog):
    client = sms_app()
    fields = inbound_fields(FAMILY, "my secret words")
    with caplog.at_level(logging.INFO, logger="api.sms"):
        response = signed_post(client, "/sms/inbound", fields, auth_token="not-the-real-token",
                               sign_url=PUBLIC + "/sms/inbound")
    assert response.status_code == 403
    assert inbound_rows(session_factory) == []
    run_jobs()
    assert fake_rasa.received == []
    assert "bad_signature" in caplog.text
    assert "7700900123" not in caplog.text and "secret" not in caplog.text


def test_a_signature_for_another_url_is_refused(sms_app, session_factory):
    client = sms_app()
    fields = inbound_fields(FAMILY, "hello")
    for wrong in ("http://testserver/sms/inbound", "https://evil.example.org/sms/inbound",
                  PUBLIC + "/sms/status"):
        response = signed_post(client, "/sms/inbound", fields, sign_url=wrong)
        assert response.status_code == 403, wrong
    assert inbound_rows(session_factory) == []


def test_a_changed_field_breaks_the_signature(sms_app, session_factory):
    client = sms_app()
    fields = inbound_fields(FAMILY, "hello")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/sms/inbound", fields)
    fields["Body"] = "hello, changed on the way"
    response = signed_post(client, "/sms/inbound", fields, signature=signature)
    assert response.status_code == 403
    assert inbound_rows(session_factory) == []


def test_a_missing_signature_is_refused(sms_app, session_factory):
    client = sms_app()
    response = client.post("/sms/inbound", data=inbound_fields(FAMILY, "hello"))
    assert response.status_code == 403
    assert inbound_rows(session_factory) == []


def test_with_no_twilio_set_up_every_webhook_is_refused(make_client, session_factory):
    client = make_client(data_encryption_key="test-data-encryption-key")
    response = signed_post(client, "/sms/inbound", inbound_fields(FAMILY, "hello"), sign_url=PUBLIC + "/sms/inbound")
    assert response.status_code == 403
    assert inbound_rows(session_factory) == []


def test_a_repeated_message_sid_is_answered_once(sms_app, fake_rasa, twilio, session_factory, test_redis):
    client = sms_app()
    first, fields = text_in(client, "hello")
    again = signed_post(client, "/sms/inbound", fields, sign_url=PUBLIC + "/sms/inbound")
    assert first.status_code == again.status_code == 200
    # Even if Redis forgot the MessageSid, the database remembers it.
    test_redis.delete(f"sms:sid:{fields['MessageSid']}")
    third = signed_post(client, "/sms/inbound", fields, sign_url=PUBLIC + "/sms/inbound")
    assert third.status_code == 200
    run_jobs()
    assert len(inbound_rows(session_factory)) == 1
    assert len(fake_rasa.received) == 1
    assert len(twilio.messages) == 1


def test_an_unknown_signature_algorithm_is_refused_not_an_error(sms_app, session_factory):
    client = sms_app()
    fields = inbound_fields(FAMILY, "hello")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/sms/inbound", fields)
    for settings_header in ("algorithm=HMAC_MD99", "algorithm=hmac_sha1;drop", "algorithm=SHA-256 "):
        response = client.post("/sms/inbound", data=fields, headers={
            "X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": settings_header})
        assert response.status_code == 403, settings_header
    assert inbound_rows(session_factory) == []
