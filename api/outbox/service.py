"""Putting a text for a family into the outbox."""

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from api.crypto import normalise_phone, phone_hash
from api.outbox.models import OutboxMessage


def queue_text(session: Session, referral_id: int | None, to_phone: str, body: str, kind: str,
               now: datetime | None = None, booking_id: int | None = None) -> OutboxMessage:
    """Add a text to the outbox (flushed, not committed: the caller commits
    it with the change that caused it)."""
    message = OutboxMessage(
        referral_id=referral_id, booking_id=booking_id, to_phone=normalise_phone(to_phone),
        to_phone_hash=phone_hash(to_phone), body=body, kind=kind, status="queued", created_at=now or datetime.now(timezone.utc),
    )
    session.add(message)
    session.flush()
    return message
