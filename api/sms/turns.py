"""The job that answers a family's text with the assistant.

The conversation id is the same kind the web chat uses:
`HMAC(PSEUDONYM_KEY, phone number)-<episode>` (`api.turns.conversation`), so
Rasa never sees the number. Before Rasa is asked, the number is kept
against that id (`conversation_contacts`), so booking can say "Can we
text you on this number?" instead of asking for it. The turn itself is the
web chat's (`api.turns.turn.assistant_replies`): a message after a
handover goes onto the family's referral in the same way.

One number's texts are answered one at a time, in the order they came
(a Redis lock per number; each job answers every earlier waiting text of
its number first). Each text goes to Rasa with its own turn id; a retry
first looks in Rasa's tracker for it, so a text is never put to Rasa twice
(a worker killed after Rasa answered). If Rasa or the action server is down, the job fails,
the text stays "queued", and rq tries again with backoff. A text is marked
answered in the same commit that puts its replies in the outbox, so a
retry never answers it twice.
"""

import asyncio
import logging

from redis.exceptions import LockError
from sqlalchemy import select

from api.bookings.service import remember_contact
from api.turns.conversation import conversation_sender
from api.turns.turn import AssistantUnavailable, assistant_replies
from api.deps import make_redis
from api.referrals.endings import take_feedback_reply
from api.sms.joiner import join_replies
from api.sms.models import ANSWERED, QUEUED, SmsInbound
from api.sms.runtime import SmsRuntime, runtime, wall_clock
from api.sms.sender import queue_family_text

log = logging.getLogger("api.sms")


class NumberBusy(Exception):
    """Another job is answering this number: rq tries again shortly."""


def answer_job(inbound_id: int) -> None:
    """rq job: answer this text, and any earlier ones still waiting from the same number."""
    answer_waiting_texts(runtime(), inbound_id)


def answer_waiting_texts(rt: SmsRuntime, inbound_id: int) -> int:
    """Answer the number's waiting texts up to this one, oldest first.
    Returns how many were answered."""
    with rt.session_factory() as session:
        row = session.get(SmsInbound, inbound_id)
        if row is None or row.state != QUEUED:
            return 0
        number = row.phone_hash
    hold = int(rt.settings.rasa_timeout_seconds) + 60
    lock = rt.redis.lock(f"sms:lock:in:{number}", timeout=hold, blocking_timeout=hold)
    if not lock.acquire():
        raise NumberBusy()
    answered = 0
    try:
        while True:
            with rt.session_factory() as session:
                next_id = session.scalar(select(SmsInbound.id).where(
                    SmsInbound.phone_hash == number, SmsInbound.state == QUEUED, SmsInbound.id <= inbound_id)
                    .order_by(SmsInbound.id).limit(1))
            if next_id is None:
                return answered
            asyncio.run(answer_one(rt, next_id))
            answered += 1
            lock.reacquire()
    finally:
        try:
            lock.release()
        except LockError:
            pass


async def answer_one(rt: SmsRuntime, inbound_id: int) -> None:
    settings = rt.settings
    now = rt.now()
    redis = make_redis(settings)
    try:
        with rt.session_factory() as session:
            row = session.get(SmsInbound, inbound_id)
            if row is None or row.state != QUEUED:
                return
            row.attempts += 1
            row.last_tried_at = wall_clock()
            session.commit()
            try:
                sender = await conversation_sender(redis, settings.pseudonym_key, row.phone,
                                                   settings.conversation_quiet_seconds)
                remember_contact(session, sender, row.phone, now)
                session.commit()
                # "1", "2 it was ok": an answer to the feedback question, not for the assistant.
                texts = take_feedback_reply(session, row.phone_hash, row.body, now)
                if texts is None:
                    # A try before this one may have reached Rasa and been cut
                    # off (its worker died): then Rasa's replies are taken from
                    # the tracker, and the text is not put to Rasa twice.
                    texts = await assistant_replies(session, redis, settings, sender, row.body, "sms", now,
                                                    turn_id=f"sms-{row.id}", retry=row.attempts > 1)
                if not texts:  # Rasa answered with nothing: the action server is down
                    raise AssistantUnavailable("no replies")
            except Exception as error:
                session.rollback()
                row.last_error = type(error).__name__[:120]
                session.commit()
                log.warning("sms %d not answered yet (attempt %d): %s", inbound_id, row.attempts,
                            type(error).__name__)
                raise
            for body in join_replies(texts):
                queue_family_text(session, row.phone, body, "reply", now, inbound_id=row.id)
            row.state, row.answered_at, row.conversation_id, row.last_error = ANSWERED, wall_clock(), sender, None
            session.commit()  # the replies go to the sender now (api.sms.jobs)
    finally:
        await redis.aclose()
