"""Booking tables.

`session_dates` holds one row per occurrence of a recurring session that has
bookings or was cancelled (occurrences themselves come from the recurrence
rule in `api.directory.service.session_dates`). `places_taken` is only ever
changed by one conditional UPDATE, so two families can never take the last
place together.

A booking's first name, phone and children's ages are encrypted; the phone
is also kept as a keyed hash. `family_key` is the conversation id without
its episode suffix, so a family finds last week's booking in a new episode.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.crypto import EncryptedJSON, EncryptedText
from api.db import Base
from api.directory.models import HubSession

STATUSES = ("booked", "waiting", "cancelled", "attended", "no_show")
# The outbox kind of the one text a number typed into the web chat gets
# before it says YES from that phone.
NUMBER_CHECK = "booking_number_check"
# Statuses that hold places in `session_dates.places_taken`.
HOLDING_STATUSES = ("booked", "attended", "no_show")


class SessionDate(Base):
    __tablename__ = "session_dates"
    __table_args__ = (UniqueConstraint("session_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("hub_sessions.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)
    places_taken: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff's words for why (shown to families in the text), never personal.
    cancel_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)

    session: Mapped[HubSession] = relationship()

    @property
    def occurrence(self) -> str:
        return f"{self.session.key}@{self.on_date.isoformat()}"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_session_date_status", "session_date_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    session_date_id: Mapped[int] = mapped_column(ForeignKey("session_dates.id", ondelete="CASCADE"))
    family_key: Mapped[str] = mapped_column(String(200), index=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(EncryptedText)
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    children: Mapped[int] = mapped_column(Integer, default=0)
    child_ages_months: Mapped[list] = mapped_column(EncryptedJSON, default=list)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    # Places this booking holds (children, or adults when no children are asked).
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Who cancelled: family, hub (the date was cancelled) or staff.
    cancelled_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The Idempotency-Key of the last move, so a retried move is not applied twice.
    move_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # When the number said YES from that phone (or was the phone the family
    # booked from by text). Until then nothing about the booking is texted
    # to it but the one question asking for that YES.
    number_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    session_date: Mapped[SessionDate] = relationship()


class ConversationContact(Base):
    """The phone number behind an SMS conversation id, so an SMS family is
    not asked for the number they are texting from (written by the SMS module)."""

    __tablename__ = "conversation_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), unique=True)
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
