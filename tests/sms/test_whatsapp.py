"""The same front door on WhatsApp, through the real services: a common
question and a crisis, each answered on WhatsApp in the same turn; a
voice note gets a kind reply."""

from tests.support.handover import flat
from tests.support.sms_stack import PUBLIC_BASE_URL, TextingFamily
from tests.support.twilio import FROM_NUMBER, inbound_fields, signed_post


def on_whatsapp(sms_stack, twilio, last_digits: int) -> TextingFamily:
    return TextingFamily(sms_stack, twilio, f"whatsapp:+447700900{last_digits:03d}")


def test_a_family_on_whatsapp_is_answered_on_whatsapp(sms_stack, twilio):
    family = on_whatsapp(sms_stack, twilio, 51)
    reply = flat(family.say("when is riverside open"))
    assert "Riverside" in reply, reply
    reply = flat(family.say("i cant do this anymore ive got all my tablets here and i want to end it"))
    assert "999" in reply and "116 123" in reply, reply
    sent = twilio.to(family.number)
    assert len(sent) >= 2 and all(message["From"] == "whatsapp:" + FROM_NUMBER for message in sent)
    # Nothing went to the same number as an SMS.
    assert twilio.to(family.number.removeprefix("whatsapp:")) == []
    [(channel,)] = sms_stack.query("SELECT DISTINCT channel FROM sms_inbound WHERE message_sid = ?", family.last_sid)
    assert channel == "whatsapp"


def test_a_voice_note_on_whatsapp_gets_a_kind_reply(sms_stack, twilio):
    family = on_whatsapp(sms_stack, twilio, 52)
    fields = inbound_fields(family.number, "", media=1, media_type="audio/ogg")
    assert signed_post(family.http, "/sms/inbound", fields, sign_url=PUBLIC_BASE_URL + "/sms/inbound").status_code == 200
    reply = flat(family.wait(fields["MessageSid"]))
    assert "can't listen to voice notes" in reply and "type your message" in reply, reply
