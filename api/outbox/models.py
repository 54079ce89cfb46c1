"""The outbox: every text to a family is written here first.

Until the SMS module sends them, this table is the record of what would go
out (and what the tests read). Phone numbers and words are encrypted.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.crypto import EncryptedText
from api.db import Base


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("referrals.id", ondelete="SET NULL"), nullable=True, index=True)
    booking_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True, index=True)
    to_phone: Mapped[str] = mapped_column(EncryptedText)
    to_phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(EncryptedText)
    # What the text is for: worker_introduction, staff_text, ...
    kind: Mapped[str] = mapped_column(String(40))
    # queued until the SMS module takes it; then sent or failed.
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
