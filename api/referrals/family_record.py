"""One family, one record: what the hub already knows about the family
behind a request, so nobody asks them to tell their story twice.

A family is found by the keyed hash of their phone number and by their
conversation's family key (the pseudonymous id without its episode),
never by a plain number.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from api.bookings.models import Booking, SessionDate
from api.clock import as_utc
from api.directory.models import Hub, Worker
from api.outbox.models import OutboxMessage
from api.referrals.models import Referral
from api.sms.models import SmsInbound

# Statuses where a worker was in touch with the family: they "helped".
HELPED_STATUSES = ("claimed", "contacted", "closed")
MOST_SHOWN = 50


@dataclass(frozen=True)
class TextLine:
    at: datetime
    direction: str  # "to the family" or "from the family"
    kind: str       # what a text to the family was for; "" for theirs
    body: str


@dataclass
class FamilyRecord:
    earlier: list[Referral] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    texts: list[TextLine] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"earlier": len(self.earlier), "bookings": len(self.bookings), "texts": len(self.texts)}


def _same_family(model, family: str | None, hashed: str | None):
    tests = []
    if family:
        tests.append(model.family_key == family)
    if hashed:
        tests.append(model.phone_hash == hashed)
    return or_(*tests) if tests else None


def earlier_worker(session: Session, family: str | None, hashed: str | None, hub: Hub,
                   ) -> tuple[Worker, Referral] | None:
    """The worker who helped this family most recently, if they still work
    at `hub`, with that earlier request."""
    same = _same_family(Referral, family, hashed)
    if same is None:
        return None
    earlier = session.scalars(
        select(Referral).options(selectinload(Referral.worker))
        .where(same, Referral.status.in_(HELPED_STATUSES))
        .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(5))
    for referral in earlier:
        worker = referral.worker
        if worker is not None and worker.active and worker.hub_id == hub.id:
            return worker, referral
    return None


def family_record(session: Session, referral: Referral) -> FamilyRecord:
    """Earlier requests (newest first, with outcome and worker), bookings
    and attendance, and texts both ways, for the family behind `referral`."""
    record = FamilyRecord()
    same = _same_family(Referral, referral.family_key, referral.phone_hash)
    if same is not None:
        record.earlier = list(session.scalars(
            select(Referral).options(selectinload(Referral.hub), selectinload(Referral.worker))
            .where(same, Referral.id != referral.id)
            .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(MOST_SHOWN)))
    same_booking = _same_family(Booking, referral.family_key, referral.phone_hash)
    if same_booking is not None:
        record.bookings = list(session.scalars(
            select(Booking).options(selectinload(Booking.session_date).selectinload(SessionDate.session))
            .where(same_booking).order_by(Booking.created_at.desc(), Booking.id.desc()).limit(MOST_SHOWN)))
    texts = [TextLine(m.created_at, "to the family", m.kind, m.body) for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_phone_hash == referral.phone_hash)
        .order_by(OutboxMessage.created_at.desc()).limit(MOST_SHOWN))]
    texts += [TextLine(m.received_at, "from the family", "", m.body) for m in session.scalars(
        select(SmsInbound).where(SmsInbound.phone_hash == referral.phone_hash)
        .order_by(SmsInbound.received_at.desc()).limit(MOST_SHOWN))]
    record.texts = sorted(texts, key=lambda line: _utc_key(line.at), reverse=True)[:MOST_SHOWN]
    return record


def _utc_key(moment: datetime) -> float:
    return as_utc(moment).timestamp()
