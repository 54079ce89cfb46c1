"""WhatsApp: the same conversation as SMS, through the same Twilio account.

A family's WhatsApp message reaches `/sms/inbound` like a text, from
"whatsapp:+44...", signed the same way. It is kept with channel
"whatsapp" and then takes exactly the SMS path: the same number hash, the
same conversation with the assistant, the same outbox and sender. Which
way each text goes back is decided here, when it is sent (`route`):

- a family who never wrote to us on WhatsApp, or whose last message came
  by SMS, gets SMS as before;
- a family whose last message came by WhatsApp gets WhatsApp, free-form,
  for the 24 hours after that message (WhatsApp's rule for businesses);
- after those 24 hours only a template WhatsApp approved may go, one per
  kind of text (WHATSAPP_TEMPLATES); with none for this kind, SMS if the
  family has texted us by SMS as well (they use both with us); otherwise
  nothing goes, and the text is listed as not sent on the staff page of
  texts that did not reach a family, so a worker can call instead.

A reply answers one message: it goes back the way that message came.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.clock import as_utc
from api.outbox.models import OutboxMessage
from api.settings import Settings
from api.sms.models import SmsInbound

SMS, WHATSAPP = "sms", "whatsapp"
PREFIX = "whatsapp:"
WINDOW = timedelta(hours=24)
WINDOW_CLOSED = "whatsapp_window_closed"  # why a text was not sent
OUTSIDE_WINDOW_ERROR = "63016"  # Twilio's code for a free-form message after the 24 hours


@dataclass(frozen=True)
class Route:
    channel: str  # sms | whatsapp
    template_sid: str | None = None  # an approved template, after the 24 hours
    refused: str | None = None  # the reason nothing may go


def channel_of(address: str) -> str:
    """"whatsapp:+447700900123" is WhatsApp; a bare number is SMS."""
    return WHATSAPP if (address or "").strip().lower().startswith(PREFIX) else SMS


def address(channel: str, phone: str) -> str:
    return PREFIX + phone if channel == WHATSAPP else phone


def from_address(settings: Settings) -> str | None:
    """Who WhatsApp messages come from: TWILIO_WHATSAPP_FROM; else None when
    the messaging service (which has its own WhatsApp sender) is used; else
    TWILIO_FROM_NUMBER, registered with WhatsApp."""
    if settings.twilio_whatsapp_from:
        return address(WHATSAPP, settings.twilio_whatsapp_from.strip().removeprefix(PREFIX))
    if settings.twilio_messaging_service_sid:
        return None
    return address(WHATSAPP, settings.twilio_from_number)


def template_variables(body: str) -> str:
    """The words as the template's one variable ({{1}}): WhatsApp refuses
    line breaks in a variable, so they become spaces."""
    return json.dumps({"1": " ".join(body.split())})


def _last_message(session: Session, phone_hash: str, channel: str) -> datetime | None:
    return as_utc(session.scalar(select(func.max(SmsInbound.received_at)).where(
        SmsInbound.phone_hash == phone_hash, SmsInbound.channel == channel)))


def route(session: Session, settings: Settings, message: OutboxMessage, inbound_id: int | None,
          wall: datetime) -> Route:
    """How this text may reach the family now (see the module's docstring)."""
    last_whatsapp = _last_message(session, message.to_phone_hash, WHATSAPP)
    if last_whatsapp is None:
        return Route(SMS)
    last_sms = _last_message(session, message.to_phone_hash, SMS)
    answered = session.get(SmsInbound, inbound_id) if inbound_id is not None else None
    if answered is not None:
        if answered.channel == SMS:
            return Route(SMS)
    elif last_sms is not None and last_sms > last_whatsapp:
        return Route(SMS)
    if wall - last_whatsapp < WINDOW:
        return Route(WHATSAPP)
    template = settings.whatsapp_template_sids.get(message.kind)
    if template:
        return Route(WHATSAPP, template_sid=template)
    if last_sms is not None:
        return Route(SMS)
    return Route(WHATSAPP, refused=WINDOW_CLOSED)
