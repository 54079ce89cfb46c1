"""The one SMS sender: every text to a family goes out through here.

Texts are written to the outbox first (`api.outbox.service.queue_text`, or
`queue_family_text` below for the SMS module's own). A send job per text
(`send_job`, queued at commit by `api.sms.jobs`) then, for that number and
in the order they were written:

1. refuses a number that said STOP (all but the one STOP confirmation),
   a booking's texts to a number typed into the web chat that has not
   said YES (all but the question asking for it), and numbers outside the
   allowed countries (the UK by default);
2. keeps anything that is not a reply (reminders, notices, worker
   messages) until 8am if it is between 8pm and 8am, unless urgent;
3. counts the text against the limits: per number per hour (more are not
   sent), and overall per minute (more wait) and per day (more are not
   sent; answers to a family's own texts are outside this daily budget);
4. chooses SMS or WhatsApp (`api.sms.whatsapp.route`: the way the family
   last wrote to us, and WhatsApp's 24-hour rule with its templates);
5. for SMS, swaps look-alike characters for GSM-7 ones and counts segments;
6. sends it with the real twilio library (to TWILIO_API_BASE_URL) with a
   status callback, or, with no Twilio set up, keeps it as "simulated".

Twilio busy or unreachable: the job raises `SendLater` and rq retries it
with backoff. Twilio refusing the text (a bad number, say) is final:
"failed", with Twilio's error code, on the staff page of failed texts.
Delivery reports (`/sms/status`) move a sent text on to delivered,
undelivered or failed.
"""

import logging
from datetime import datetime, timedelta

import requests
from redis.exceptions import LockError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException

from api.bookings.models import NUMBER_CHECK, Booking, SessionDate
from api.clock import as_utc
from api.directory.timetable import local
from api.outbox.models import OutboxMessage
from api.outbox.service import queue_text
from api.referrals.models import Referral
from api.sms.gsm import measure, to_gsm7
from api.sms.models import (DELIVERED, FAILED, HELD, NOT_SENT, QUEUED, SENDING, SENT, SIMULATED, UNDELIVERED,
                            SmsDelivery)
from api.sms.policy import (OPT_OUT_CONFIRMATION, answers_family_text, country_allowed, in_quiet_hours,
                            is_opted_out, is_reply, next_minute, not_safe_to_text, quiet_hours_end, set_opt_out,
                            take_number, take_overall)
from api.sms.runtime import SmsRuntime, runtime, wall_clock
from api.sms.whatsapp import (OUTSIDE_WINDOW_ERROR, SMS, WINDOW_CLOSED, Route, address, from_address,
                              template_variables)
from api.sms.whatsapp import route as choose_route

log = logging.getLogger("api.sms")
# The twilio library logs every request at INFO; its URL is enough noise.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

MAX_SEND_ATTEMPTS = 8
TWILIO_UNSUBSCRIBED = 21610  # the number told the carrier STOP
STATUS_CALLBACK_PATH = "/sms/status"
FINAL = frozenset({DELIVERED, UNDELIVERED, FAILED, NOT_SENT, SIMULATED})
# What Twilio's delivery reports mean here.
REPORTED = {"delivered": DELIVERED, "read": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED}


class SendLater(Exception):
    """Twilio (or the number's lock) was not available: rq tries again later."""


def queue_family_text(session: Session, phone: str, body: str, kind: str, now: datetime,
                      inbound_id: int | None = None) -> OutboxMessage:
    """Add one of the SMS module's own texts (a reply, a keyword answer) to
    the outbox, remembering which family message it answers. Flushed, not
    committed: it is sent when the caller commits."""
    message = queue_text(session, None, phone, body, kind, now)
    wall = wall_clock()
    session.add(SmsDelivery(outbox_message_id=message.id, inbound_id=inbound_id, status=QUEUED, attempts=0,
                            created_at=wall, updated_at=wall))
    session.flush()
    return message


def _delivery_for(session: Session, message: OutboxMessage, wall: datetime) -> SmsDelivery:
    delivery = session.scalar(select(SmsDelivery).where(SmsDelivery.outbox_message_id == message.id))
    if delivery is None:
        delivery = SmsDelivery(outbox_message_id=message.id, status=QUEUED, attempts=0, created_at=wall,
                               updated_at=wall)
        session.add(delivery)
        session.flush()
    return delivery


# --- the send job ---

def send_job(outbox_id: int) -> None:
    """rq job: send this text, and any earlier ones still waiting for the same number."""
    send_waiting_texts(runtime(), outbox_id)


def send_waiting_texts(rt: SmsRuntime, outbox_id: int, now: datetime | None = None) -> list[str]:
    """Send the number's waiting texts up to this one, oldest first (one
    job at a time per number, so texts arrive in the order written).
    Returns what happened to each."""
    with rt.session_factory() as session:
        first = session.get(OutboxMessage, outbox_id)
        if first is None or first.status != QUEUED:
            return []
        phone_hash = first.to_phone_hash
    lock = rt.redis.lock(f"sms:lock:out:{phone_hash}", timeout=120, blocking_timeout=60)
    if not lock.acquire():
        raise SendLater("another job is sending to this number")
    try:
        with rt.session_factory() as session:
            ids = list(session.scalars(select(OutboxMessage.id).where(
                OutboxMessage.to_phone_hash == phone_hash, OutboxMessage.status == QUEUED,
                OutboxMessage.id <= outbox_id).order_by(OutboxMessage.id)))
        return [send_one(rt, message_id, now) for message_id in ids]
    finally:
        try:
            lock.release()
        except LockError:
            pass


def _urgent(session: Session, message: OutboxMessage, now: datetime) -> bool:
    """Urgent texts go even in quiet hours: a worker's text on an urgent
    referral, and a session called off for today or tomorrow (held until
    8am, the family might already be on their way)."""
    if message.kind == "booking_date_cancelled" and message.booking_id is not None:
        on_date = session.scalar(select(SessionDate.on_date).join(Booking, Booking.session_date_id == SessionDate.id)
                                 .where(Booking.id == message.booking_id))
        return on_date is not None and on_date <= (local(now) + timedelta(days=1)).date()
    if message.referral_id is None:
        return False
    return bool(session.scalar(select(Referral.urgent).where(Referral.id == message.referral_id)))


def _number_may_hear(session: Session, message: OutboxMessage) -> bool:
    """A text about a booking whose number was typed into the web chat goes
    only once that phone said YES; before then only the question asking
    for the YES does (whoever queued the text: the last line of defence)."""
    if message.booking_id is None or message.kind == NUMBER_CHECK:
        return True
    confirmed = session.execute(select(Booking.number_confirmed_at).where(Booking.id == message.booking_id)).first()
    return confirmed is None or confirmed[0] is not None  # a booking since deleted: nothing to hold back


def send_one(rt: SmsRuntime, outbox_id: int, now: datetime | None = None) -> str:
    """Check, then send, one waiting text. Returns its status."""
    settings = rt.settings
    wall = wall_clock()
    now = now or rt.now()
    with rt.session_factory() as session:
        message = session.get(OutboxMessage, outbox_id)
        if message is None or message.status != QUEUED:
            return message.status if message else "gone"
        delivery = _delivery_for(session, message, wall)
        if delivery.send_after is not None and as_utc(delivery.send_after) > wall:
            session.commit()
            return HELD
        kind, phone, number = message.kind, message.to_phone, message.to_phone_hash

        if kind != OPT_OUT_CONFIRMATION and is_opted_out(session, number):
            return _finish(session, message, delivery, NOT_SENT, wall, reason="opted_out")
        if not _number_may_hear(session, message):
            return _finish(session, message, delivery, NOT_SENT, wall, reason="number_not_confirmed")
        if not is_reply(kind) and kind != OPT_OUT_CONFIRMATION and not_safe_to_text(session, number):
            return _finish(session, message, delivery, NOT_SENT, wall, reason="not_safe_to_text")
        if not country_allowed(settings, phone):
            return _finish(session, message, delivery, NOT_SENT, wall, reason="not_allowed_country")
        if not is_reply(kind) and in_quiet_hours(settings, now) and not _urgent(session, message, now):
            return _hold(session, delivery, wall + (quiet_hours_end(settings, now) - now), "quiet_hours", wall)
        way = choose_route(session, settings, message, delivery.inbound_id, wall)
        if way.refused:
            return _finish(session, message, delivery, NOT_SENT, wall, reason=way.refused)
        if kind != OPT_OUT_CONFIRMATION and not take_number(rt.redis, settings, number, wall):
            log.warning("sms %d not sent: this number has had %d texts this hour", outbox_id,
                        settings.sms_max_per_number_per_hour)
            return _finish(session, message, delivery, NOT_SENT, wall, reason="number_limit")
        overall = take_overall(rt.redis, settings, wall,
                               daily=not answers_family_text(kind, delivery.inbound_id))
        if overall == "busy":
            return _hold(session, delivery, next_minute(wall), "busy", wall)
        if overall == "daily_limit":
            log.error("sms %d not sent: %d texts sent today, the most allowed (SMS_MAX_PER_DAY)", outbox_id,
                      settings.sms_max_per_day)
            return _finish(session, message, delivery, NOT_SENT, wall, reason="daily_limit")

        claimed = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == outbox_id, OutboxMessage.status == QUEUED)
            .values(status=SENDING).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            session.rollback()
            return "taken"
        delivery.status, delivery.reason, delivery.send_after = SENDING, None, None
        delivery.channel, delivery.template_sid = way.channel, way.template_sid
        if way.channel == SMS:
            body = to_gsm7(message.body)
            size = measure(body)
            delivery.segments, delivery.encoding = size.segments, size.encoding
        else:  # WhatsApp takes any character, and has no segments
            body = message.body
        delivery.attempts += 1
        delivery.updated_at = wall
        attempts = delivery.attempts
        session.commit()

    if not settings.twilio_configured:
        return _record(rt, outbox_id, SIMULATED)
    try:
        sent = rt.twilio.messages.create(**_twilio_fields(settings, phone, body, way))
    except TwilioRestException as error:
        if error.status == 429 or error.status >= 500:
            _put_back(rt, outbox_id, attempts, f"twilio_{error.status}")
        return _refused(rt, outbox_id, error)
    except (TwilioException, requests.RequestException, OSError) as error:
        _put_back(rt, outbox_id, attempts, type(error).__name__)
    log.info("sms %d sent: %s by %s%s", outbox_id, kind, way.channel, " (template)" if way.template_sid else "")
    return _record(rt, outbox_id, SENT, twilio_sid=sent.sid)


def _twilio_fields(settings, phone: str, body: str, way: Route) -> dict:
    fields = {"to": address(way.channel, phone)}
    if way.template_sid:
        fields["content_sid"], fields["content_variables"] = way.template_sid, template_variables(body)
    else:
        fields["body"] = body
    whatsapp_sender = from_address(settings) if way.channel != SMS else None
    if whatsapp_sender:
        fields["from_"] = whatsapp_sender
    elif settings.twilio_messaging_service_sid:
        fields["messaging_service_sid"] = settings.twilio_messaging_service_sid
    else:
        fields["from_"] = settings.twilio_from_number
    if settings.public_base_url:
        fields["status_callback"] = settings.public_base_url.rstrip("/") + STATUS_CALLBACK_PATH
    return fields


def _finish(session: Session, message: OutboxMessage, delivery: SmsDelivery, status: str, wall: datetime,
            reason: str | None = None, error_code: str | None = None) -> str:
    message.status = status
    delivery.status, delivery.reason, delivery.updated_at = status, reason, wall
    if error_code is not None:
        delivery.error_code = error_code
    session.commit()
    if status in (NOT_SENT, FAILED):
        log.info("sms %d %s: %s", message.id, status, reason)
    return status


def _hold(session: Session, delivery: SmsDelivery, until: datetime, reason: str, wall: datetime) -> str:
    delivery.status, delivery.reason, delivery.send_after, delivery.updated_at = HELD, reason, until, wall
    session.commit()
    return HELD


def _record(rt: SmsRuntime, outbox_id: int, status: str, twilio_sid: str | None = None) -> str:
    wall = wall_clock()
    with rt.session_factory() as session:
        message = session.get(OutboxMessage, outbox_id)
        delivery = _delivery_for(session, message, wall)
        message.status, message.sent_at = status, wall
        delivery.status, delivery.updated_at = status, wall
        if twilio_sid:
            delivery.twilio_sid = twilio_sid
        session.commit()
    return status


def _put_back(rt: SmsRuntime, outbox_id: int, attempts: int, why: str) -> None:
    """Twilio could not take the text now: wait and try again (rq's retry),
    or give up after MAX_SEND_ATTEMPTS."""
    wall = wall_clock()
    with rt.session_factory() as session:
        message = session.get(OutboxMessage, outbox_id)
        delivery = _delivery_for(session, message, wall)
        if attempts >= MAX_SEND_ATTEMPTS:
            _finish(session, message, delivery, FAILED, wall, reason="twilio_unreachable")
            return
        message.status = QUEUED
        delivery.status, delivery.reason, delivery.updated_at = QUEUED, "twilio_unreachable", wall
        session.commit()
    log.warning("sms %d not sent yet (attempt %d): %s", outbox_id, attempts, why)
    raise SendLater(why)


def _refused(rt: SmsRuntime, outbox_id: int, error: TwilioRestException) -> str:
    wall = wall_clock()
    with rt.session_factory() as session:
        message = session.get(OutboxMessage, outbox_id)
        delivery = _delivery_for(session, message, wall)
        if error.code == TWILIO_UNSUBSCRIBED:
            set_opt_out(session, message.to_phone_hash, True, "carrier", wall)
            return _finish(session, message, delivery, NOT_SENT, wall, reason="opted_out",
                           error_code=str(error.code))
        if str(error.code) == OUTSIDE_WINDOW_ERROR:  # our record of their last message was out of date
            return _finish(session, message, delivery, NOT_SENT, wall, reason=WINDOW_CLOSED,
                           error_code=str(error.code))
        return _finish(session, message, delivery, FAILED, wall, reason="twilio_error",
                       error_code=str(error.code or error.status))


# --- delivery reports ---

def record_status(session: Session, twilio_sid: str, reported: str, error_code: str | None) -> bool:
    """Twilio's status callback: move a sent text on to delivered,
    undelivered or failed (never back: reports can arrive out of order).
    False if no text has this sid."""
    delivery = session.scalar(select(SmsDelivery).where(SmsDelivery.twilio_sid == twilio_sid))
    if delivery is None:
        return False
    status = REPORTED.get((reported or "").lower())
    if status is None or delivery.status in FINAL:
        return True
    wall = wall_clock()
    message = session.get(OutboxMessage, delivery.outbox_message_id)
    message.status = status
    delivery.status, delivery.updated_at = status, wall
    delivery.error_code = error_code or None
    if status != DELIVERED:
        delivery.reason = WINDOW_CLOSED if error_code == OUTSIDE_WINDOW_ERROR else "carrier"
        if error_code == str(TWILIO_UNSUBSCRIBED):
            set_opt_out(session, message.to_phone_hash, True, "carrier", wall)
    session.commit()
    return True
