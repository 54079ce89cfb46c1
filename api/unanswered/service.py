"""Keep what the assistant could not answer, grouped, for comms to sort out.

`record_unanswered` is called by the action server (POST
/internal/unanswered) for a message that fell back, was out of scope or
was answered with low confidence. The text is masked before it is kept.
"""

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from api.crypto import cipher
from api.staff.models import StaffUser
from api.teaching.models import TaughtExample
from api.unanswered.grouping import best_match, word_stems
from api.unanswered.masking import mask_personal_details
from api.unanswered.models import GROUP_STATUSES, UnansweredGroup, UnansweredMessage

MAX_TEXT_CHARS = 2000
MAX_ENTITIES = 50


class Entity(BaseModel):
    """An entity span the assistant marked in the message (only these three fields are kept)."""

    model_config = ConfigDict(extra="ignore")
    entity: Any = None
    start: Any = None
    end: Any = None


class Report(BaseModel):
    """`POST /internal/unanswered`: what the action server reports."""

    model_config = ConfigDict(extra="ignore")
    conversation_id: str = Field(min_length=1, max_length=200)
    channel: Literal["web", "sms"] = "web"
    text: str
    intent: str = Field(default="", max_length=120)
    confidence: float = Field(default=0.0, ge=0, le=1)
    reason: Literal["fallback", "out_of_scope", "low_confidence"]
    entities: list[Entity] = Field(default_factory=list, max_length=MAX_ENTITIES)

    @field_validator("text")
    @classmethod
    def _some_words(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the family's message, not empty")
        return text[:MAX_TEXT_CHARS]

    @field_validator("intent", mode="before")
    @classmethod
    def _no_intent(cls, intent: object) -> object:
        return intent or ""

    @field_validator("confidence", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("a number from 0 to 1")
        return value


def record_unanswered(db: Session, report: Report, now: datetime) -> UnansweredMessage:
    """Mask the message, put it in the open group it is most like (or a new
    one), and keep it. The caller commits."""
    cipher()  # no key: refuse now (EncryptionKeyMissing), never keep the words in plain text
    now = now.astimezone(timezone.utc)
    masked = mask_personal_details(report.text, [e.model_dump() for e in report.entities])
    stems = word_stems(masked)
    open_groups = list(db.scalars(select(UnansweredGroup).where(UnansweredGroup.status == "open")))
    match = best_match(stems, [(g.id, g.tokens) for g in open_groups])
    group = next((g for g in open_groups if g.id == match), None)
    if group is None:
        group = UnansweredGroup(tokens=stems, sample=masked, message_count=0, first_seen=now, last_seen=now,
                                status="open", note="")
        db.add(group)
    group.message_count += 1
    group.last_seen = now
    message = UnansweredMessage(group=group, received_at=now, conversation_id=report.conversation_id,
                                channel=report.channel, text=masked, intent=report.intent,
                                confidence=report.confidence, reason=report.reason)
    db.add(message)
    db.flush()
    return message


# --- the staff page ---

def groups(db: Session, status: str) -> list[UnansweredGroup]:
    """Groups with this status, biggest and latest first, with their messages."""
    query = (select(UnansweredGroup).where(UnansweredGroup.status == status)
             .options(selectinload(UnansweredGroup.messages))
             .order_by(UnansweredGroup.message_count.desc(), UnansweredGroup.last_seen.desc()))
    return list(db.scalars(query))


class MarkRefused(ValueError):
    """A group cannot be marked like that (said in plain words)."""


def mark_group(db: Session, group: UnansweredGroup, staff: StaffUser, status: str, now: datetime,
               answer_key: str | None = None, note: str = "") -> None:
    """Mark a group answered (by an existing answer), a new topic, or open again."""
    if status not in GROUP_STATUSES:
        raise MarkRefused("Choose what to do with these messages.")
    if status == "answered" and not answer_key:
        raise MarkRefused("Choose the answer that answers these messages.")
    group.status = status
    group.answer_key = answer_key if status == "answered" else None
    group.note = (note or "").strip()[:1000]
    group.marked_by_id = None if status == "open" else staff.id
    group.marked_at = None if status == "open" else now
    db.flush()


def erase_conversations(db: Session, family_key: str) -> int:
    """Delete every kept message of one family (all conversation ids that
    start with `family_key`-), and any of them comms taught the assistant
    with; empty groups go too. For erasure requests."""
    db.execute(delete(TaughtExample).where(
        TaughtExample.conversation_id.startswith(f"{family_key}-", autoescape=True)))
    return _delete_messages(db, list(db.scalars(select(UnansweredMessage).where(
        UnansweredMessage.conversation_id.startswith(f"{family_key}-", autoescape=True)))))


def forget_before(db: Session, cutoff: datetime) -> int:
    """Delete messages kept since before `cutoff` (the api's copies of
    conversations expire like Rasa's: CONVERSATION_EXPIRY_SECONDS)."""
    return _delete_messages(db, list(db.scalars(select(UnansweredMessage).where(
        UnansweredMessage.received_at < cutoff.astimezone(timezone.utc)))))


def _delete_messages(db: Session, found: list[UnansweredMessage]) -> int:
    groups_touched = {m.group for m in found}
    for message in found:
        message.group.message_count -= 1
        db.delete(message)
    db.flush()
    for group in groups_touched:
        left = db.scalar(select(UnansweredMessage).where(UnansweredMessage.group_id == group.id)
                         .order_by(UnansweredMessage.received_at).limit(1))
        if left is None:
            db.delete(group)
        else:  # the sample and stems came from the first message: take them from one that is left
            group.sample, group.tokens = left.text, word_stems(left.text)
            group.first_seen = left.received_at
            db.expire(group, ["messages"])
    db.flush()
    return len(found)
