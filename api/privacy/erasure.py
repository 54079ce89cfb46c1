"""Find everything held about one family, export it, or erase it.

A family is found by a phone number, a request (referral) or booking
reference, or a conversation id, and then by everything those lead to: the
phone number's look-up hash finds their texts, requests and bookings; the
keyed hash at the start of a conversation id (the same for every episode of
one web chat cookie or one phone number, api/turns/conversation.py) finds
their other conversations.

Erasing removes or empties every row that could be tied to the family:
- texts in and out, conversation records, unanswered messages, the phone
  number kept for a conversation: deleted;
- requests and bookings: emptied of every personal field (name, number,
  words, conversation id), so the council's counts still add up;
- what the family asked to be kept (`keep_in_use`, when the family asks
  themselves): an open request a worker is still working on, and bookings
  for sessions still to come. They are told, and these go later with the
  retention schedule (api/privacy/retention.py);
- a STOP: only the look-up hash is kept, so no text is ever sent to that
  number again. It says nothing else about anyone.
In Redis, Rasa's trackers, the web chat transcript and the conversation
episode go too. The audit line says that an erasure happened and what was
removed, by counts, never who.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from api.bookings.models import Booking, ConversationContact
from api.languages.service import language_pattern
from api.turns.conversation import RASA_TRACKER_PREFIX, episode_key, pseudonym
from api.turns.models import ConversationStart
from api.chat.transcript import seen_key, transcript_key
from api.crypto import normalise_phone, phone_hash
from api.limits import chat_address_key
from api.outbox.models import OutboxMessage
from api.referrals.models import OPEN_STATUSES, Referral, ReferralEvent
from api.sms.models import QUEUED, SENDING, SmsInbound, SmsOptOut
from api.staff.audit import AuditEvent
from api.unanswered.models import UnansweredGroup, UnansweredMessage

ERASED = "erased"
# Audit lines whose subject is the start of a number's look-up hash.
HASHED_AUDIT_SUBJECTS = ("sms_simulator",)
BOOKING_OPEN = ("booked", "waiting")


def prefix_of(conversation_id: str | None) -> str:
    """The keyed hash a conversation id starts with (its family, not its episode)."""
    head, dash, _episode = (conversation_id or "").rpartition("-")
    return head if dash and head else (conversation_id or "")


@dataclass
class Family:
    """What ties rows to one family: look-up hashes of their numbers and the
    keyed hashes their conversation ids start with."""

    phone_hashes: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.phone_hashes or self.prefixes)


def _by_prefix(column, prefixes: set[str]):
    return or_(*[or_(column == p, column.like(f"{p}-%")) for p in sorted(prefixes)]) if prefixes else False


def _by_hash(column, hashes: set[str]):
    return column.in_(sorted(hashes)) if hashes else False


def find_family(session: Session, pseudonym_key: str, *, phone: str = "", reference: str = "",
                conversation_id: str = "") -> Family:
    """Everything that leads to one family (empty if nothing does)."""
    family = Family()
    if phone and normalise_phone(phone):
        family.phone_hashes.add(phone_hash(phone))
        if pseudonym_key:  # texts: the sender id is the keyed hash of the number
            family.prefixes.add(pseudonym(pseudonym_key, normalise_phone(phone)))
    if conversation_id:
        family.prefixes.add(prefix_of(conversation_id))
    if reference:
        reference = reference.strip().upper()
        referral = session.scalar(select(Referral).where(Referral.reference == reference))
        booking = session.scalar(select(Booking).where(Booking.reference == reference))
        for row in (referral, booking):
            if row is not None and row.phone_hash != ERASED:
                family.phone_hashes.add(row.phone_hash)
                family.prefixes.add(prefix_of(row.conversation_id))
    for _ in range(3):  # numbers lead to conversations and back, a few steps at most
        before = (len(family.phone_hashes), len(family.prefixes))
        for model, id_column in ((Referral, Referral.conversation_id), (Booking, Booking.conversation_id),
                                 (ConversationContact, ConversationContact.conversation_id)):
            for conversation, hashed in session.execute(
                    select(id_column, model.phone_hash).where(or_(_by_prefix(id_column, family.prefixes),
                                                                  _by_hash(model.phone_hash, family.phone_hashes)))):
                family.prefixes.add(prefix_of(conversation))
                family.phone_hashes.add(hashed)
        for conversation in session.scalars(select(SmsInbound.conversation_id).where(
                _by_hash(SmsInbound.phone_hash, family.phone_hashes), SmsInbound.conversation_id.is_not(None))):
            family.prefixes.add(prefix_of(conversation))
        family.phone_hashes.discard(ERASED)
        family.prefixes.discard("")
        if (len(family.phone_hashes), len(family.prefixes)) == before:
            break
    return family


def _referrals(session: Session, family: Family) -> list[Referral]:
    return list(session.scalars(select(Referral).where(or_(
        _by_hash(Referral.phone_hash, family.phone_hashes), _by_prefix(Referral.conversation_id, family.prefixes)))
        .order_by(Referral.id)))


def _bookings(session: Session, family: Family) -> list[Booking]:
    return list(session.scalars(select(Booking).where(or_(
        _by_hash(Booking.phone_hash, family.phone_hashes), _by_prefix(Booking.conversation_id, family.prefixes),
        _by_prefix(Booking.family_key, family.prefixes))).order_by(Booking.id)))


def _texts_in(session: Session, family: Family) -> list[SmsInbound]:
    return list(session.scalars(select(SmsInbound).where(or_(
        _by_hash(SmsInbound.phone_hash, family.phone_hashes),
        _by_prefix(SmsInbound.conversation_id, family.prefixes))).order_by(SmsInbound.id)))


def _texts_out(session: Session, family: Family, referral_ids: list[int], booking_ids: list[int]):
    return list(session.scalars(select(OutboxMessage).where(or_(
        _by_hash(OutboxMessage.to_phone_hash, family.phone_hashes),
        OutboxMessage.referral_id.in_(referral_ids or [-1]),
        OutboxMessage.booking_id.in_(booking_ids or [-1]))).order_by(OutboxMessage.id)))


def _unanswered(session: Session, family: Family) -> list[UnansweredMessage]:
    return list(session.scalars(select(UnansweredMessage).where(
        _by_prefix(UnansweredMessage.conversation_id, family.prefixes)).order_by(UnansweredMessage.id)))


def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_family(session: Session, family: Family) -> dict:
    """Everything held about the family in the database, readable (a subject
    access request). Redis holds only the current conversation, which Rasa
    and the web chat show the family themselves."""
    referrals, bookings = _referrals(session, family), _bookings(session, family)
    stopped = session.scalar(select(SmsOptOut).where(_by_hash(SmsOptOut.phone_hash, family.phone_hashes),
                                                     SmsOptOut.opted_out.is_(True)))
    return {
        "requests": [{
            "reference": r.reference, "status": r.status, "made": _iso(r.created_at), "channel": r.channel,
            "first_name": r.first_name, "their_words": r.family_words, "phone": r.phone,
            "contact_method": r.contact_method, "contact_times": r.contact_times, "needs": r.contact_needs,
            "safe_to_text": r.safe_to_text, "safe_to_leave_message": r.safe_to_leave_message,
            "consent": {"asked": r.consent_wording, "answer": r.consent_answer, "at": _iso(r.consent_at)},
            "conversation": r.transcript, "topics": r.topics, "hub": r.hub.name if r.hub else None,
            "worker": r.worker.name if r.worker else None, "contact_by": _iso(r.contact_by),
            "messages": [{"at": _iso(e.at), "kind": e.kind, "text": e.body} for e in r.events if e.body],
        } for r in referrals],
        "bookings": [{
            "reference": b.reference, "status": b.status, "session": b.session_date.session.title,
            "date": _iso(b.session_date.on_date), "first_name": b.first_name, "phone": b.phone,
            "children": b.children, "child_ages_months": b.child_ages_months, "adults": b.adults,
            "made": _iso(b.created_at),
        } for b in bookings],
        "texts_received": [{"at": _iso(t.received_at), "text": t.body} for t in _texts_in(session, family)],
        "texts_sent": [{"at": _iso(t.created_at), "kind": t.kind, "status": t.status, "text": t.body}
                       for t in _texts_out(session, family, [r.id for r in referrals], [b.id for b in bookings])],
        "messages_the_assistant_could_not_answer": [
            {"at": _iso(m.received_at), "text": m.text} for m in _unanswered(session, family)],
        "said_stop": bool(stopped),
    }


@dataclass
class Erasure:
    """What an erasure removed (counts by kind) and what it kept, and why."""

    removed: dict[str, int] = field(default_factory=dict)
    kept_open_requests: list[str] = field(default_factory=list)
    kept_bookings: list[str] = field(default_factory=list)
    kept_stop: bool = False

    def add(self, kind: str, number: int) -> None:
        if number:
            self.removed[kind] = self.removed.get(kind, 0) + number


def _empty_referral(session: Session, referral: Referral) -> None:
    referral.first_name = ""
    referral.family_words = ""
    referral.transcript = []
    referral.phone = ""
    referral.phone_hash = ERASED
    referral.contact_times = ""
    referral.contact_needs = ""
    referral.status_reason = None
    referral.conversation_id = ERASED
    referral.idempotency_key = f"{ERASED}-{referral.id}"
    session.execute(update(ReferralEvent).where(ReferralEvent.referral_id == referral.id).values(body=None))


def _empty_booking(booking: Booking) -> None:
    booking.first_name = ""
    booking.phone = ""
    booking.phone_hash = ERASED
    booking.child_ages_months = []
    booking.family_key = ERASED
    booking.conversation_id = ERASED
    booking.idempotency_key = f"{ERASED}-{booking.id}"
    booking.move_key = None


def erase_family(session: Session, family: Family, now: datetime, *, keep_in_use: bool) -> Erasure:
    """Erase the family's data in the database (the caller commits).
    `keep_in_use`: keep an open request and bookings still to come (the
    family asking for themselves); an admin's erasure keeps nothing."""
    result = Erasure()
    if not family:
        return result
    today = now.astimezone(timezone.utc).date()
    kept_referral_ids, kept_booking_ids = [], []
    referrals = _referrals(session, family)
    for referral in referrals:
        if keep_in_use and referral.status in OPEN_STATUSES:
            result.kept_open_requests.append(referral.reference)
            kept_referral_ids.append(referral.id)
        else:
            _empty_referral(session, referral)
            result.add("requests", 1)
    bookings = _bookings(session, family)
    for booking in bookings:
        if keep_in_use and booking.status in BOOKING_OPEN and booking.session_date.on_date >= today:
            result.kept_bookings.append(booking.reference)
            kept_booking_ids.append(booking.id)
        else:
            _empty_booking(booking)
            result.add("bookings", 1)
    session.flush()
    # Asked by the family, mid-conversation: a text still being answered or
    # sent (their "yes", our reply) goes when it is done (finish_erasure).
    in_flight = (QUEUED, SENDING) if keep_in_use else ()
    texts_out = [t for t in _texts_out(session, family, [r.id for r in referrals], [b.id for b in bookings])
                 if t.referral_id not in kept_referral_ids and t.booking_id not in kept_booking_ids
                 and t.status not in in_flight]
    for text in texts_out:
        session.delete(text)  # its delivery record goes with it (ON DELETE CASCADE)
    result.add("texts sent", len(texts_out))
    texts_in = [t for t in _texts_in(session, family) if t.state not in in_flight]
    for text in texts_in:
        session.delete(text)
    result.add("texts received", len(texts_in))
    result.add("numbers kept for a conversation", session.execute(delete(ConversationContact).where(or_(
        _by_hash(ConversationContact.phone_hash, family.phone_hashes),
        _by_prefix(ConversationContact.conversation_id, family.prefixes)))).rowcount or 0)
    result.add("conversation records", session.execute(delete(ConversationStart).where(
        _by_prefix(ConversationStart.conversation_id, family.prefixes))).rowcount or 0)
    unanswered = _unanswered(session, family)
    groups = {message.group_id for message in unanswered}
    for message in unanswered:
        session.delete(message)
    result.add("unanswered messages", len(unanswered))
    session.flush()
    tidy_unanswered_groups(session, groups)
    # Audit lines stay, without the look-up hash that ties some to a number.
    session.execute(update(AuditEvent).where(
        AuditEvent.subject_type.in_(HASHED_AUDIT_SUBJECTS),
        AuditEvent.subject_id.in_(sorted(h[:12] for h in family.phone_hashes) or ["-"])).values(subject_id=None))
    # A STOP stays (a look-up hash alone) so the number is never texted again.
    result.kept_stop = bool(session.scalar(select(SmsOptOut.id).where(
        _by_hash(SmsOptOut.phone_hash, family.phone_hashes), SmsOptOut.opted_out.is_(True))))
    session.execute(delete(SmsOptOut).where(_by_hash(SmsOptOut.phone_hash, family.phone_hashes),
                                            SmsOptOut.opted_out.is_(False)))
    return result


def tidy_unanswered_groups(session: Session, group_ids: set[int]) -> None:
    """After messages went: a group's count and sample come from what is left,
    and a group with nothing left goes."""
    for group in session.scalars(select(UnansweredGroup).where(UnansweredGroup.id.in_(sorted(group_ids) or [-1]))):
        left = list(session.scalars(select(UnansweredMessage).where(UnansweredMessage.group_id == group.id)
                                    .order_by(UnansweredMessage.received_at)))
        if not left:
            session.delete(group)
        else:
            group.message_count = len(left)
            group.sample = left[-1].text
            group.first_seen, group.last_seen = left[0].received_at, left[-1].received_at


def redis_keys_of(family: Family) -> tuple[list[str], list[str]]:
    """What Redis holds of the family: exact keys, and patterns to scan for."""
    exact, patterns = [], []
    for prefix in sorted(family.prefixes):
        exact += [transcript_key(prefix), seen_key(prefix), episode_key(prefix), chat_address_key(prefix)]
        patterns += [f"{RASA_TRACKER_PREFIX}{prefix}-*", language_pattern(prefix)]
    for hashed in sorted(family.phone_hashes):
        patterns += [f"sms:rate:in:{hashed}:*", f"sms:rate:out:{hashed}:*"]
    return exact, patterns


async def forget_family_in_redis(redis, family: Family) -> int:
    """The async api's Redis: delete what it holds of the family; how many keys."""
    exact, patterns = redis_keys_of(family)
    names = list(exact)
    for pattern in patterns:
        names += [name async for name in redis.scan_iter(match=pattern, count=500)]
    return await redis.delete(*names) if names else 0


def forget_family_in_redis_sync(redis, family: Family) -> int:
    """The same, for a blocking client (the command line, jobs)."""
    exact, patterns = redis_keys_of(family)
    names = list(exact)
    for pattern in patterns:
        names += list(redis.scan_iter(match=pattern, count=500))
    return redis.delete(*names) if names else 0



# --- a family's own "delete my data", mid-conversation ---
#
# The erasure happens while the family's turn is still going on: Rasa saves
# its tracker after the action, the web chat keeps its transcript, and the
# reply by text is still to be sent. So the family is marked as pending
# (Redis, pseudonymous ids only, for PENDING_SECONDS at most) and the
# erasure is finished once the turn is over: by the web chat at once, and
# for texts by the scheduled job once nothing is waiting to be sent.

PENDING = "privacy:pending-erasures"
PENDING_SECONDS = 600


def marker_key(prefix: str) -> str:
    return f"privacy:erased:{prefix}"


def family_token(family: Family) -> str:
    return json.dumps({"h": sorted(family.phone_hashes), "p": sorted(family.prefixes)}, separators=(",", ":"))


def family_from_token(token: str | bytes) -> Family:
    data = json.loads(token)
    return Family(set(data.get("h", [])), set(data.get("p", [])))


async def mark_pending(redis, family: Family, now: datetime) -> None:
    token = family_token(family)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(PENDING, token, now.astimezone(timezone.utc).isoformat())
        for prefix in family.prefixes:
            pipe.set(marker_key(prefix), token, ex=PENDING_SECONDS)
        await pipe.execute()


async def pending_for(redis, prefix: str) -> Family | None:
    """The family whose erasure is pending, if this conversation's is."""
    token = await redis.get(marker_key(prefix))
    return family_from_token(token) if token else None


async def finish_erasure(session: Session, redis, family: Family, now: datetime) -> None:
    """The web chat's turn is over: erase what the turn added, and Redis."""
    erase_family(session, family, now, keep_in_use=True)
    session.commit()
    await forget_family_in_redis(redis, family)
    token = family_token(family)
    await redis.hdel(PENDING, token)
    await redis.delete(*[marker_key(p) for p in family.prefixes])


def finish_pending_erasures(session_factory, redis, now: datetime) -> int:
    """Finish the families' own erasures whose texts are all done (or that
    have waited PENDING_SECONDS); how many. A blocking Redis client."""
    finished = 0
    for token, since in redis.hgetall(PENDING).items():
        family = family_from_token(token)
        waited = now.astimezone(timezone.utc) - datetime.fromisoformat(
            since.decode() if isinstance(since, bytes) else since)
        with session_factory() as session:
            busy = session.scalar(select(OutboxMessage.id).where(
                _by_hash(OutboxMessage.to_phone_hash, family.phone_hashes),
                OutboxMessage.status.in_((QUEUED, SENDING))).limit(1)) or session.scalar(
                select(SmsInbound.id).where(_by_hash(SmsInbound.phone_hash, family.phone_hashes),
                                            SmsInbound.state == QUEUED).limit(1))
            if busy and waited.total_seconds() < PENDING_SECONDS:
                continue
            erase_family(session, family, now, keep_in_use=True)
            session.commit()
        forget_family_in_redis_sync(redis, family)
        redis.hdel(PENDING, token)
        redis.delete(*[marker_key(p) for p in family.prefixes])
        finished += 1
    return finished


def finish_erasures_job() -> int:
    """rq cron job (api/sms/worker.py registers it)."""
    from api.sms.runtime import runtime, wall_clock

    rt = runtime()
    return finish_pending_erasures(rt.session_factory, rt.redis, wall_clock())
