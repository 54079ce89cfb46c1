"""Messages the assistant could not answer, and the groups they fall into.

The text is masked before it is stored (phone numbers, emails, postcodes,
names: see masking.py) and encrypted at rest all the same: it is still the
family's own words. `conversation_id` is the pseudonymous Rasa sender id,
so an erasure can find one family's messages by its hash prefix.
"""

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.crypto import EncryptedJSON, EncryptedText
from api.db import Base

REASONS = ("fallback", "out_of_scope", "low_confidence")
GROUP_STATUSES = ("open", "answered", "new_topic")


class UnansweredGroup(Base):
    """Messages worded alike. `tokens` are the word stems new messages are
    compared with (from the first message). Comms mark a group `answered`
    by an existing answer, or a `new_topic` for the developers."""

    __tablename__ = "unanswered_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    tokens: Mapped[list] = mapped_column(EncryptedJSON)
    sample: Mapped[str] = mapped_column(EncryptedText)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    answer_key: Mapped[str | None] = mapped_column(String(120), nullable=True, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, default=None)
    marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)

    messages: Mapped[list["UnansweredMessage"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="UnansweredMessage.received_at.desc()")


class UnansweredMessage(Base):
    __tablename__ = "unanswered_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("unanswered_groups.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(EncryptedText)
    intent: Mapped[str] = mapped_column(String(120), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(String(20))

    group: Mapped[UnansweredGroup] = relationship(back_populates="messages")
