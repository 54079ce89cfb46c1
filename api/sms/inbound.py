"""A text arrives: keep it once, answer keywords here, queue the rest.

`receive_text` is what `/sms/inbound` calls once Twilio's signature is
checked, and what the staff SMS simulator calls, so both take exactly the
same path. It never waits for the assistant: the message is stored and a
job (`api.sms.turns`) asks Rasa, so Twilio is answered at once.

In order: a repeat of a MessageSid Twilio already gave us is dropped
(Redis first, then the unique column); STOP and its friends opt the number
out (one confirmation, then nothing more); START opts back in; a number
that opted out gets nothing; HELP says who we are; a picture or a voice
note with no words gets a kind reply saying what to do instead; a number
over its hourly limit is stored but not answered (a loop with another
automatic service stops there); a YES from
a number a booking is waiting to hear from confirms it (matched by its
look-up hash) and is answered with the booking's confirmation, never sent
to the assistant; anything else is queued for the assistant.

A WhatsApp message ("whatsapp:+44..." in From) takes the same path, kept
with channel "whatsapp" so the answer goes back the same way
(`api.sms.whatsapp`).
"""

import logging
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.bookings.service import confirm_number, confirmation
from api.content.service import family_text, get_answer, render
from api.crypto import normalise_phone, phone_hash
from api.directory.service import front_door
from api.languages.service import conversation_language
from api.sms.jobs import enqueue_turn
from api.sms.keywords import is_yes, keyword
from api.sms.models import HANDLED, QUEUED, SmsInbound
from api.sms.policy import is_opted_out, set_opt_out, take_inbound
from api.sms.runtime import SmsRuntime, wall_clock
from api.sms.sender import queue_family_text
from api.sms.whatsapp import channel_of

log = logging.getLogger("api.sms")

MAX_BODY_CHARS = 1600  # the most Twilio joins into one message
SEEN_SECONDS = 7 * 86400  # how long a MessageSid is remembered in Redis


@dataclass
class Received:
    outcome: str  # queued, duplicate, stop, start, help, media_only, voice_note, empty, opted_out,
    # rate_limited, number_confirmed, ignored
    inbound_id: int | None = None


def _first_time(rt: SmsRuntime, message_sid: str) -> bool:
    """Claim the MessageSid in Redis; False if it was seen before. If Redis
    is down, the unique column still stops a repeat."""
    try:
        return bool(rt.redis.set(f"sms:sid:{message_sid}", 1, nx=True, ex=SEEN_SECONDS))
    except RedisError:
        return True


def _forget(rt: SmsRuntime, message_sid: str) -> None:
    try:
        rt.redis.delete(f"sms:sid:{message_sid}")
    except RedisError:
        pass


def receive_text(session: Session, rt: SmsRuntime, message_sid: str, from_number: str, body: str,
                 media_count: int = 0, source: str = "twilio", media_type: str = "") -> Received:
    """`from_number` as Twilio gives it ("whatsapp:+44..." for WhatsApp);
    `media_type` is the first attachment's content type."""
    if not message_sid or not normalise_phone(from_number):
        return Received("ignored")
    if not _first_time(rt, message_sid):
        return Received("duplicate")
    try:
        received = _keep(session, rt, message_sid, from_number, body, media_count, source, media_type)
    except IntegrityError:
        session.rollback()
        return Received("duplicate")
    except Exception:
        session.rollback()
        _forget(rt, message_sid)  # so Twilio's retry is not taken for a repeat
        raise
    log.info("sms %d received: %s", received.inbound_id, received.outcome)
    if received.outcome == "queued":
        try:
            enqueue_turn(rt, received.inbound_id)
        except RedisError as error:  # stored: the upkeep job queues it later
            log.warning("sms %d stored but not queued: %s", received.inbound_id, type(error).__name__)
    return received


def _keep(session: Session, rt: SmsRuntime, message_sid: str, from_number: str, body: str, media_count: int,
          source: str, media_type: str) -> Received:
    wall, now = wall_clock(), rt.now()
    phone = normalise_phone(from_number)
    number = phone_hash(phone)
    text = (body or "")[:MAX_BODY_CHARS]
    row = SmsInbound(message_sid=message_sid[:64], phone=phone, phone_hash=number, body=text,
                     media_count=max(0, media_count), source=source, channel=channel_of(from_number),
                     received_at=wall, state=QUEUED, attempts=0)
    session.add(row)
    session.flush()  # a repeated MessageSid fails here

    def handled(outcome: str, answer: str | None = None, kind: str | None = None, language: str | None = None,
                **values) -> Received:
        row.state, row.handled_as = HANDLED, outcome
        if answer:
            if language:
                words = get_answer(session, answer, "sms", language).format(**values)
            else:
                words = render(session, answer, "sms", **values) if values else family_text(session, answer, "sms")
            queue_family_text(session, phone, words, kind, now, inbound_id=row.id)
        session.commit()
        return Received(outcome, row.id)

    word = keyword(text)
    if word == "stop":
        was_out = set_opt_out(session, number, True, text.strip().upper(), wall)
        if was_out:  # one confirmation only
            return handled("stop")
        cancel = text.strip(" .!").upper() == "CANCEL"
        return handled("stop", "sms_stopped_after_cancel" if cancel else "sms_stopped", "sms_stop")
    if word == "start":
        set_opt_out(session, number, False, text.strip().upper(), wall)
        return handled("start", "sms_started", "sms_start")
    if is_opted_out(session, number):
        return handled("opted_out")
    if word == "help":
        return handled("help", "sms_help", "sms_help", phone=front_door(session).phone)
    if not text.strip():
        if not media_count:
            return handled("empty")
        # In the language the family has been writing in (api/languages/).
        language = conversation_language(rt.redis, rt.settings, phone)
        if media_type.lower().startswith("audio/"):
            return handled("voice_note", "voice_note_only", "sms_media_only", language,
                           phone=front_door(session).phone)
        return handled("media_only", "sms_media_only", "sms_media_only", language)
    try:
        allowed = take_inbound(rt.redis, rt.settings, number, wall)
    except RedisError:
        allowed = True
    if not allowed:
        log.warning("sms %d not answered: this number sent more than %d texts this hour", row.id,
                    rt.settings.sms_max_inbound_per_number_per_hour)
        return handled("rate_limited")
    if is_yes(text):
        confirmed = confirm_number(session, number, now)
        if confirmed:  # the YES a web chat booking asked for: its texts may come now
            for booking in confirmed:
                queue_family_text(session, phone, confirmation(session, booking, "sms"), f"booking_{booking.status}",
                                  now, inbound_id=row.id)
            return handled("number_confirmed")
    session.commit()
    return Received("queued", row.id)
