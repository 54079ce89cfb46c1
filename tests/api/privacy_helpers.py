"""One family's records in every table, at a chosen time, and a way to see
every row still tied to them. Used by tests/api/test_privacy_*.py."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Text, delete, select, type_coerce

from api.bookings.models import Booking, ConversationContact, SessionDate
from api.bookings.service import create_booking, remember_contact
from api.turns.conversation import pseudonym
from api.turns.models import ConversationStart
from api.crypto import normalise_phone, phone_hash
from api.outbox.models import OutboxMessage
from api.referrals.models import Referral
from api.referrals.service import create_referral
from api.rekey import encrypted_tables
from api.sms.models import SmsDelivery, SmsInbound, SmsOptOut
from api.staff.audit import AuditEvent
from api.unanswered.models import UnansweredGroup, UnansweredMessage
from tests.api.conftest import PSEUDONYM_KEY
from tests.api.referral_helpers import PAYLOAD, new_key

UTC = timezone.utc


@pytest.fixture
def clean_privacy_tables(session_factory, encryption_key):
    with session_factory() as session, session.begin():
        for model in (SmsDelivery, OutboxMessage, SmsInbound, SmsOptOut, ConversationContact, Booking,
                      SessionDate, ConversationStart, UnansweredMessage, UnansweredGroup, AuditEvent):
            session.execute(delete(model))
    yield


@dataclass
class FamilyRecords:
    phone: str
    words: str
    name: str
    prefix: str = ""
    referral_refs: list[str] = field(default_factory=list)
    booking_refs: list[str] = field(default_factory=list)


def web_conversation(cookie: str) -> str:
    return f"{pseudonym(PSEUDONYM_KEY, cookie)}-{secrets.token_hex(4)}"


def sms_conversation(phone: str) -> str:
    return f"{pseudonym(PSEUDONYM_KEY, normalise_phone(phone))}-{secrets.token_hex(4)}"


def add_family(session_factory, at: datetime, *, phone: str, name: str, words: str, conversation_id: str,
               referral_status: str = "closed", with_booking: bool = True) -> FamilyRecords:
    """A request (closed unless told), a booking for Tuesday 24 November
    2026, texts both ways, an unanswered message, a conversation record,
    the number kept for the conversation, and an audit line: all at `at`."""
    record = FamilyRecords(phone=phone, words=words, name=name, prefix=conversation_id.rsplit("-", 1)[0])
    hashed = phone_hash(phone)
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "conversation_id": conversation_id, "first_name": name,
                                         "family_words": words, "contact": {**PAYLOAD["contact"], "phone": phone}},
                               new_key(), at)
        referral = session.get(Referral, made.referral.id)
        record.referral_refs.append(referral.reference)
        referral.status = referral_status
        if referral_status == "closed":
            referral.closed_at = at
        referral.updated_at = at
        session.commit()
    if with_booking:
        with session_factory() as session:
            # Booked by text from that phone: the number kept for the conversation.
            remember_contact(session, conversation_id, normalise_phone(phone), at)
            booked = create_booking(session, {
                "conversation_id": conversation_id, "channel": "sms", "first_name": name, "phone": phone,
                "occurrence": "riverside_messy_play_tue@2026-11-24", "children": 1, "child_ages_months": [30],
                "adults": 1}, new_key(), datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
            record.booking_refs.append(booked.booking.reference)
    with session_factory() as session, session.begin():
        inbound = SmsInbound(message_sid="SM" + secrets.token_hex(16), phone=normalise_phone(phone),
                             phone_hash=hashed, body=words, received_at=at, state="answered",
                             conversation_id=conversation_id)
        out = OutboxMessage(to_phone=normalise_phone(phone), to_phone_hash=hashed, body=f"Thanks {name}",
                            kind="assistant_reply", status="sent", created_at=at, sent_at=at)
        session.add_all([inbound, out])
        session.flush()
        session.add(SmsDelivery(outbox_message_id=out.id, inbound_id=inbound.id, status="sent", created_at=at,
                                updated_at=at))
        group = UnansweredGroup(tokens=words.split(), sample=words, message_count=1, first_seen=at, last_seen=at)
        session.add(group)
        session.flush()
        session.add(UnansweredMessage(group_id=group.id, received_at=at, conversation_id=conversation_id,
                                      channel="sms", text=words, reason="fallback"))
        session.add(ConversationStart(conversation_id=conversation_id, channel="sms", started_at=at))
        if not with_booking:
            session.add(ConversationContact(conversation_id=conversation_id, phone=normalise_phone(phone),
                                            phone_hash=hashed, created_at=at, updated_at=at))
        session.add(AuditEvent(action="sms_simulator.viewed", subject_type="sms_simulator",
                               subject_id=hashed[:12], at=at, detail={}))
    return record


def readable_everywhere(session_factory) -> str:
    """Every encrypted value in the database, decrypted, and every plain
    text column, as one string: what a person with the keys could read."""
    from api import crypto

    parts = []
    with session_factory() as session:
        for table, names in encrypted_tables():
            for name in names:
                for token in session.scalars(select(type_coerce(table.c[name], Text))):
                    if not token:
                        continue
                    try:
                        parts.append(crypto.cipher().decrypt(token))
                    except crypto.EncryptionKeyMissing:
                        # Left by another test under a key of its own (the key
                        # rotation tests): nobody with these keys can read it.
                        continue
    return "\n".join(parts)


def rows_tied_to(session_factory, record: FamilyRecords) -> dict[str, int]:
    """Rows that can still be tied to the family: by number hash, by
    conversation id, or holding their name, number or words."""
    hashed = phone_hash(record.phone)
    like = f"{record.prefix}-%"
    with session_factory() as session:
        counts = {
            "requests": len(session.scalars(select(Referral.id).where(
                (Referral.phone_hash == hashed) | Referral.conversation_id.like(like))).all()),
            "bookings": len(session.scalars(select(Booking.id).where(
                (Booking.phone_hash == hashed) | Booking.conversation_id.like(like)
                | (Booking.family_key == record.prefix))).all()),
            "texts in": len(session.scalars(select(SmsInbound.id).where(SmsInbound.phone_hash == hashed)).all()),
            "texts out": len(session.scalars(select(OutboxMessage.id).where(
                OutboxMessage.to_phone_hash == hashed)).all()),
            "contacts": len(session.scalars(select(ConversationContact.id).where(
                ConversationContact.phone_hash == hashed)).all()),
            "starts": len(session.scalars(select(ConversationStart.id).where(
                ConversationStart.conversation_id.like(like))).all()),
            "unanswered": len(session.scalars(select(UnansweredMessage.id).where(
                UnansweredMessage.conversation_id.like(like))).all()),
            "audit": len(session.scalars(select(AuditEvent.id).where(
                AuditEvent.subject_id == hashed[:12])).all()),
        }
    readable = readable_everywhere(session_factory)
    digits = normalise_phone(record.phone)[3:]
    counts["readable"] = sum(1 for words in (record.words, record.name, digits) if words in readable)
    return {kind: number for kind, number in counts.items() if number}


def days_after(moment: datetime, days: int) -> datetime:
    return moment + timedelta(days=days)
