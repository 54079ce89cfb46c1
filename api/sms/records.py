"""What staff see of texts: a simulated family's conversation, texts that
did not reach a family, and families' texts the assistant never answered.

Numbers are never shown in full: only their last three digits.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import as_utc
from api.crypto import normalise_phone
from api.outbox.models import OutboxMessage
from api.sms.gsm import measure, to_gsm7
from api.sms.models import FAILED, HANDLED, PROBLEM_STATUSES, SmsDelivery, SmsInbound
from api.sms.whatsapp import WHATSAPP

KIND_NAMES = {
    "reply": "Assistant's reply", "sms_holding": "Holding text (the assistant was slow)",
    "sms_help": "Answer to HELP", "sms_stop": "STOP confirmation", "sms_start": "START confirmation",
    "sms_media_only": "Reply to a picture or voice note", "sms_gave_up": "Sorry, we could not answer",
    "booking_booked": "Booking confirmation", "booking_waiting": "Waiting list confirmation",
    "booking_reminder": "Booking reminder", "booking_cancelled": "Booking cancelled",
    "booking_date_cancelled": "Session called off", "booking_place_freed": "A place came free",
    "booking_moved": "Booking moved", "worker_introduction": "Worker's introduction",
    "staff_text": "Text from staff", "booking_number_check": "Asked to reply YES to get booking texts",
}
STATUS_NAMES = {
    "queued": "Waiting to send", "held": "Kept back", "sending": "Sending", "sent": "Sent",
    "delivered": "Delivered", "undelivered": "Not delivered", "failed": "Failed", "not_sent": "Not sent",
    "simulated": "Simulated (not really sent)",
}
REASON_NAMES = {
    "opted_out": "the family texted STOP", "not_allowed_country": "not a UK number",
    "number_limit": "too many texts to this number in an hour", "daily_limit": "the daily limit of texts was reached",
    "twilio_error": "Twilio refused it", "twilio_unreachable": "Twilio could not be reached",
    "carrier": "the phone network could not deliver it", "sender_stopped": "the sender stopped while sending it",
    "expired": "it waited more than a day to be sent", "quiet_hours": "until 8am (quiet hours)",
    "busy": "a moment: many texts are going out",
    "number_not_confirmed": "the number was typed into the web chat and has not replied YES",
    "whatsapp_window_closed": ("the family wrote on WhatsApp more than 24 hours ago, and there is no approved "
                               "template for this kind of message"),
}
# Twilio's codes staff are most likely to meet.
ERROR_NAMES = {
    "21211": "the number is not a valid mobile number", "21408": "texts to this country are not switched on",
    "21610": "the family told their network STOP", "21614": "the number is not a mobile",
    "30003": "the phone is off or out of signal", "30004": "the network blocked it",
    "30005": "the number does not exist", "30006": "the number is a landline",
    "30007": "the network filtered it", "30008": "the network gave no reason",
    "63003": "the number is not on WhatsApp", "63016": "WhatsApp's 24 hours had passed",
    "63024": "the number is not on WhatsApp",
}
# Texts staff may try to send again (not ones a family said no to).
# A WhatsApp message after the 24 hours can go once the family writes again.
RETRYABLE_REASONS = {None, "number_limit", "daily_limit", "twilio_error", "twilio_unreachable", "carrier",
                     "sender_stopped", "expired", "whatsapp_window_closed"}
SIMULATOR_FIRST, SIMULATOR_LAST = 7700900000, 7700900999


def last_digits(phone: str) -> str:
    return "ends " + normalise_phone(phone)[-3:]


def is_drama_number(phone: str) -> bool:
    """One of the UK numbers Ofcom keeps for films and tests (07700 900000
    to 07700 900999): never a real family's phone."""
    number = normalise_phone(phone)
    return number.startswith("+44") and number[3:].isdigit() and SIMULATOR_FIRST <= int(number[3:]) <= SIMULATOR_LAST


def describe(delivery: SmsDelivery | None, status: str) -> str:
    if delivery is not None and delivery.status == "held":
        status = "held"
    words = STATUS_NAMES.get(status, status)
    reason = delivery.reason if delivery is not None else None
    if reason in REASON_NAMES and status not in ("sent", "delivered", "simulated"):
        words += ": " + REASON_NAMES[reason]
    if delivery is not None and delivery.error_code:
        meaning = ERROR_NAMES.get(delivery.error_code)
        words += f" (Twilio error {delivery.error_code}{': ' + meaning if meaning else ''})"
    return words


@dataclass
class ThreadLine:
    at: datetime
    from_family: bool
    text: str
    note: str


def thread(session: Session, phone_hash: str, limit: int = 100) -> list[ThreadLine]:
    """A number's texts both ways, oldest first, as the family's phone shows them."""
    lines = []
    for row in session.scalars(select(SmsInbound).where(SmsInbound.phone_hash == phone_hash)
                               .order_by(SmsInbound.id.desc()).limit(limit)):
        note = {"stop": "Opted out", "start": "Opted back in", "opted_out": "Not answered: opted out",
                "rate_limited": "Not answered: too many texts", "help": "",
                "number_confirmed": "Said YES to texts about a booking", "media_only": "Picture, no words",
                "voice_note": "Voice note, no words",
                "empty": "Empty"}.get(row.handled_as or "", "") if row.state == HANDLED else (
            "Waiting for the assistant" if row.state == "queued" else "Not answered" if row.state == FAILED else "")
        if row.channel == WHATSAPP:
            note = "By WhatsApp" + (f". {note}" if note else "")
        lines.append(ThreadLine(as_utc(row.received_at), True, row.body, note))
    for message, delivery in session.execute(
            select(OutboxMessage, SmsDelivery).outerjoin(SmsDelivery, SmsDelivery.outbox_message_id == OutboxMessage.id)
            .where(OutboxMessage.to_phone_hash == phone_hash).order_by(OutboxMessage.id.desc()).limit(limit)):
        if delivery is not None and delivery.channel == WHATSAPP:
            text = message.body
            note = f"{describe(delivery, message.status)}. By WhatsApp" + (
                " (approved template)" if delivery.template_sid else "")
        else:
            text = to_gsm7(message.body)
            size = measure(text)
            note = f"{describe(delivery, message.status)}. {size.segments} segment{'s' if size.segments != 1 else ''}"
        at = as_utc(delivery.created_at if delivery is not None else message.created_at)
        lines.append(ThreadLine(at, False, text, note))
    return sorted(lines, key=lambda line: (line.at, not line.from_family))[-limit:]


@dataclass
class ProblemText:
    outbox_id: int
    at: datetime
    kind: str
    to: str
    what: str
    text: str
    can_retry: bool


def problem_texts(session: Session, limit: int = 200) -> list[ProblemText]:
    """Texts that did not reach a family, newest first."""
    rows = session.execute(
        select(OutboxMessage, SmsDelivery).join(SmsDelivery, SmsDelivery.outbox_message_id == OutboxMessage.id)
        .where(OutboxMessage.status.in_(PROBLEM_STATUSES)).order_by(SmsDelivery.updated_at.desc()).limit(limit))
    return [ProblemText(message.id, as_utc(delivery.updated_at), KIND_NAMES.get(message.kind, message.kind),
                        last_digits(message.to_phone), describe(delivery, message.status), message.body,
                        delivery.reason in RETRYABLE_REASONS)
            for message, delivery in rows]


@dataclass
class UnansweredText:
    inbound_id: int
    at: datetime
    source: str
    what: str
    text: str


def unanswered_texts(session: Session, limit: int = 100) -> list[UnansweredText]:
    """Families' texts the assistant never answered (given up), newest first."""
    rows = session.scalars(select(SmsInbound).where(SmsInbound.state == FAILED)
                           .order_by(SmsInbound.id.desc()).limit(limit))
    return [UnansweredText(row.id, as_utc(row.received_at), last_digits(row.phone),
                           f"Tried {row.attempts} times"
                           + (f" (last problem: {row.last_error})" if row.last_error else ""),
                           row.body) for row in rows]


def retry_text(session: Session, outbox_id: int, wall: datetime) -> bool:
    """Put a failed text back in the queue (sent when this commits)."""
    found = session.execute(select(OutboxMessage, SmsDelivery).join(
        SmsDelivery, SmsDelivery.outbox_message_id == OutboxMessage.id).where(OutboxMessage.id == outbox_id)).first()
    if found is None:
        return False
    message, delivery = found
    if message.status not in PROBLEM_STATUSES or delivery.reason not in RETRYABLE_REASONS:
        return False
    # Re-add the row as new so the commit hands it to the sender (api.sms.jobs).
    copy = OutboxMessage(referral_id=message.referral_id, booking_id=message.booking_id, to_phone=message.to_phone,
                         to_phone_hash=message.to_phone_hash, body=message.body, kind=message.kind, status="queued",
                         created_at=wall)
    session.add(copy)
    session.flush()
    session.add(SmsDelivery(outbox_message_id=copy.id, inbound_id=delivery.inbound_id, status="queued", attempts=0,
                            created_at=wall, updated_at=wall))
    delivery.reason = "retried"
    message.status = "retried"
    return True
