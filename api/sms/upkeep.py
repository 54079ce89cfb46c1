"""The SMS upkeep job, run every few seconds by rq's cron scheduler
(`python -m api.sms.worker --cron`).

The database, not Redis, is the record of what is still to do, so this job
puts back any work whose job was lost (Redis restarted, a worker killed
mid-job, the api stopped between storing a text and queueing it), and it
does the things that depend on time passing:

- a family's text not answered within SMS_HOLDING_AFTER_SECONDS gets one
  short holding text (once per number until the assistant catches up);
- a family's text still not answered after SMS_GIVE_UP_AFTER_SECONDS is
  marked failed (staff see it) and the family is told to call;
- texts kept back for quiet hours or a busy minute are sent when due;
- texts queued by processes that do not queue send jobs themselves (the
  reminders loop) are sent;
- families whose request closed a few days ago are asked "Did we help?"
  once (api/referrals/endings.py);
- a text stuck "sending" (a worker died mid-send) is marked failed for
  staff to see, rather than risk sending it twice.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from api.clock import as_utc
from api.content.service import family_text, render
from api.directory.service import front_door
from api.outbox.models import OutboxMessage
from api.referrals.endings import ask_for_feedback
from api.sms.jobs import enqueue_send, enqueue_turn
from api.sms.models import FAILED, QUEUED, SENDING, SmsDelivery, SmsInbound
from api.sms.runtime import SmsRuntime, runtime, wall_clock
from api.sms.sender import queue_family_text

log = logging.getLogger("api.sms")

UPKEEP_EVERY_SECONDS = 10
RETRY_LOST_TURN_AFTER = timedelta(seconds=60)
STUCK_SENDING_AFTER = timedelta(minutes=10)


def upkeep_job() -> dict:
    """rq cron job."""
    return look_after_texts(runtime())


def look_after_texts(rt: SmsRuntime, wall: datetime | None = None) -> dict:
    wall = wall or wall_clock()
    done = {}
    with rt.session_factory() as session:
        done["gave_up"] = give_up_on_old_texts(session, rt, wall)
        done["holding"] = send_holding_texts(session, rt, wall)
        done["stuck"] = fail_stuck_sends(session, wall)
        done["feedback"] = ask_for_feedback(session, rt.now())  # "Did we help?" a few days after closing
        waiting = session.execute(select(SmsInbound.id, SmsInbound.last_tried_at).where(
            SmsInbound.state == QUEUED).order_by(SmsInbound.id)).all()
        cutoff = rt.now() - timedelta(seconds=rt.settings.sms_give_up_after_seconds)
        done["expired"] = expire_old_outbox(session, cutoff, wall)
        due = list(session.scalars(
            select(OutboxMessage.id).outerjoin(SmsDelivery, SmsDelivery.outbox_message_id == OutboxMessage.id)
            .where(OutboxMessage.status == QUEUED,
                   or_(SmsDelivery.id.is_(None), SmsDelivery.send_after.is_(None), SmsDelivery.send_after <= wall))
            .order_by(OutboxMessage.id)))
    done["turns"] = sum(enqueue_turn(rt, inbound_id) for inbound_id, tried in waiting
                        if tried is None or as_utc(tried) <= wall - RETRY_LOST_TURN_AFTER)
    done["sends"] = sum(enqueue_send(rt, outbox_id) for outbox_id in due)
    if any(done.values()):
        log.info("sms upkeep: %s", " ".join(f"{k}={v}" for k, v in done.items() if v))
    return done


def send_holding_texts(session: Session, rt: SmsRuntime, wall: datetime) -> int:
    """One holding text per number whose oldest waiting text is late, unless
    one was already sent while these texts were waiting."""
    late_before = wall - timedelta(seconds=rt.settings.sms_holding_after_seconds)
    waiting = list(session.scalars(select(SmsInbound).where(SmsInbound.state == QUEUED).order_by(SmsInbound.id)))
    told = {row.phone_hash for row in waiting if row.holding_sent_at is not None}
    sent = 0
    for row in waiting:
        if row.phone_hash in told or as_utc(row.received_at) > late_before:
            continue
        told.add(row.phone_hash)
        claimed = session.execute(
            update(SmsInbound).where(SmsInbound.id == row.id, SmsInbound.state == QUEUED,
                                     SmsInbound.holding_sent_at.is_(None))
            .values(holding_sent_at=wall).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            session.rollback()
            continue
        queue_family_text(session, row.phone, family_text(session, "sms_holding", "sms"), "sms_holding",
                          rt.now(), inbound_id=row.id)
        session.commit()
        sent += 1
        log.info("sms %d is late: holding text queued", row.id)
    return sent


def give_up_on_old_texts(session: Session, rt: SmsRuntime, wall: datetime) -> int:
    """Texts the assistant could not answer for a whole day: failed, and one
    text per number saying so, with the number to call."""
    too_old = wall - timedelta(seconds=rt.settings.sms_give_up_after_seconds)
    rows = list(session.scalars(select(SmsInbound).where(SmsInbound.state == QUEUED, SmsInbound.received_at < too_old)
                                .order_by(SmsInbound.id)))
    told = set()
    for row in rows:
        row.state, row.last_error = FAILED, (row.last_error or "gave_up")[:120]
        if row.phone_hash not in told:
            told.add(row.phone_hash)
            words = render(session, "sms_gave_up", "sms", phone=front_door(session).phone)
            queue_family_text(session, row.phone, words, "sms_gave_up", rt.now(), inbound_id=row.id)
        log.error("sms %d given up: not answered in %d seconds", row.id, rt.settings.sms_give_up_after_seconds)
    session.commit()
    return len(rows)


def fail_stuck_sends(session: Session, wall: datetime) -> int:
    rows = list(session.scalars(select(SmsDelivery).join(SmsDelivery.message).where(
        OutboxMessage.status == SENDING, SmsDelivery.updated_at < wall - STUCK_SENDING_AFTER)))
    for delivery in rows:
        delivery.status, delivery.reason, delivery.updated_at = FAILED, "sender_stopped", wall
        delivery.message.status = FAILED
        log.error("sms %d failed: the sender stopped while sending it", delivery.outbox_message_id)
    session.commit()
    return len(rows)


def expire_old_outbox(session: Session, cutoff: datetime, wall: datetime) -> int:
    """Texts queued more than a day ago (by the api's clock) and never sent
    (say, queued before the SMS module ran) are not sent now: staff see them."""
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == QUEUED,
                                                            OutboxMessage.created_at < cutoff)))
    for message in rows:
        delivery = session.scalar(select(SmsDelivery).where(SmsDelivery.outbox_message_id == message.id))
        if delivery is None:
            delivery = SmsDelivery(outbox_message_id=message.id, attempts=0, created_at=wall)
            session.add(delivery)
        delivery.status, delivery.reason, delivery.updated_at = "not_sent", "expired", wall
        message.status = "not_sent"
    session.commit()
    return len(rows)
