"""The retention schedule: how long each kind of record is kept, and the
job that removes what has expired.

One period per kind of record, in settings (days):

| setting | records | after the period |
| --- | --- | --- |
| RETENTION_CONVERSATION_DAYS (30) | texts in and out, conversation records, messages the assistant could not answer, numbers kept for a conversation, a START | deleted (texts on a request still open stay with it) |
| RETENTION_BOOKING_DAYS (90) | bookings, counted from the session's date | emptied of name, number and children's ages |
| RETENTION_REQUEST_DAYS (730) | requests (referrals) once closed, counted from closing | emptied of name, number, words and conversation |
| RETENTION_AUDIT_DAYS (2190) | the audit log (it holds no personal data; a look-up hash in it goes after the conversation period) | deleted |

Kept without end: a STOP (a look-up hash alone, so that number is never
texted again), and requests still open (a worker is on them). In Redis,
everything expires on its own (conversations after CONVERSATION_QUIET_SECONDS).

The job runs every hour from the one scheduler `make run` and
docker-compose start (`python -m api.sms.worker --cron`), and can be run by
hand: `python -m api.privacy.retention`.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from api.bookings.models import Booking, ConversationContact, SessionDate
from api.turns.models import ConversationStart
from api.outbox.models import OutboxMessage
from api.privacy.erasure import ERASED, HASHED_AUDIT_SUBJECTS, _empty_booking, _empty_referral, tidy_unanswered_groups
from api.referrals.models import OPEN_STATUSES, Referral
from api.settings import Settings
from api.sms.models import QUEUED, SmsInbound, SmsOptOut
from api.staff.audit import AuditEvent
from api.unanswered.models import UnansweredMessage

log = logging.getLogger("api.privacy")

RETENTION_EVERY_SECONDS = 3600


def remove_expired(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Remove or empty every record past its period (commits); counts by kind."""
    now = now.astimezone(timezone.utc)
    conversations = now - timedelta(days=settings.retention_conversation_days)
    done: dict[str, int] = {}

    open_requests = select(Referral.id).where(Referral.status.in_(OPEN_STATUSES))
    done["texts received"] = session.execute(delete(SmsInbound).where(
        SmsInbound.received_at < conversations, SmsInbound.state != QUEUED)).rowcount or 0
    old_out = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.created_at < conversations, OutboxMessage.status != QUEUED,
        or_(OutboxMessage.referral_id.is_(None), OutboxMessage.referral_id.not_in(open_requests)))))
    for text in old_out:
        session.delete(text)
    done["texts sent"] = len(old_out)
    done["conversation records"] = session.execute(delete(ConversationStart).where(
        ConversationStart.started_at < conversations)).rowcount or 0
    done["numbers kept for a conversation"] = session.execute(delete(ConversationContact).where(
        ConversationContact.updated_at < conversations)).rowcount or 0
    old_unanswered = list(session.scalars(select(UnansweredMessage).where(
        UnansweredMessage.received_at < conversations)))
    groups = {message.group_id for message in old_unanswered}
    for message in old_unanswered:
        session.delete(message)
    session.flush()
    tidy_unanswered_groups(session, groups)
    done["unanswered messages"] = len(old_unanswered)
    done["starts"] = session.execute(delete(SmsOptOut).where(
        SmsOptOut.opted_out.is_(False), SmsOptOut.changed_at < conversations)).rowcount or 0
    done["audit hashes"] = session.execute(update(AuditEvent).where(
        AuditEvent.subject_type.in_(HASHED_AUDIT_SUBJECTS), AuditEvent.subject_id.is_not(None),
        AuditEvent.at < conversations).values(subject_id=None)).rowcount or 0

    last_session_day = (now - timedelta(days=settings.retention_booking_days)).date()
    bookings = list(session.scalars(select(Booking).join(SessionDate).where(
        SessionDate.on_date < last_session_day, Booking.phone_hash != ERASED)))
    for booking in bookings:
        _empty_booking(booking)
    done["bookings emptied"] = len(bookings)

    closed_before = now - timedelta(days=settings.retention_request_days)
    requests = list(session.scalars(select(Referral).where(
        Referral.status.not_in(OPEN_STATUSES), Referral.phone_hash != ERASED,
        or_(Referral.closed_at < closed_before,
            and_(Referral.closed_at.is_(None), Referral.updated_at < closed_before)))))
    for referral in requests:
        _empty_referral(session, referral)
        session.execute(delete(OutboxMessage).where(OutboxMessage.referral_id == referral.id))
    done["requests emptied"] = len(requests)

    done["audit lines"] = session.execute(delete(AuditEvent).where(
        AuditEvent.at < now - timedelta(days=settings.retention_audit_days))).rowcount or 0
    session.commit()
    return {kind: number for kind, number in done.items() if number}


def retention_job() -> dict:
    """rq cron job (api/sms/worker.py registers it)."""
    from api.sms.runtime import runtime, wall_clock

    rt = runtime()
    with rt.session_factory() as session:
        done = remove_expired(session, rt.settings, rt.settings.clock_frozen_at or wall_clock())
    if done:
        log.info("retention: %s", ", ".join(f"{number} {kind}" for kind, number in sorted(done.items())))
    return done


def main() -> int:  # pragma: no cover - process wiring around remove_expired
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    print(retention_job() or "nothing had expired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
