"""SMS tables: messages families sent, numbers that said STOP, and what
happened to each text we sent.

Phone numbers and words are encrypted; look-ups use the keyed phone hash.
Timestamps here are wall-clock (when things really happened), even when
the api's business clock is frozen for a test.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.crypto import EncryptedText
from api.db import Base
from api.outbox.models import OutboxMessage

# sms_inbound.state
QUEUED = "queued"  # waiting for the assistant's answer
ANSWERED = "answered"
FAILED = "failed"  # given up (sms_give_up_after_seconds)
HANDLED = "handled"  # answered here, never sent to Rasa: see handled_as


class SmsInbound(Base):
    """One text a family sent us (one Twilio MessageSid)."""

    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(EncryptedText)
    media_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10), default="twilio")  # twilio | simulator
    channel: Mapped[str] = mapped_column(String(10), default="sms", server_default="sms")  # sms | whatsapp
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(20), default=QUEUED, index=True)
    # stop, start, help, media_only, empty, opted_out, rate_limited, number_confirmed
    handled_as: Mapped[str | None] = mapped_column(String(20), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_tried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(120), nullable=True)  # an error's type, never words
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # pseudonymous
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    holding_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SmsOptOut(Base):
    """A number that texted STOP (and maybe START again later)."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    keyword: Mapped[str] = mapped_column(String(20))  # the word they sent last
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# sms_deliveries.status (mirrored, coarsely, in outbox_messages.status)
HELD = "held"  # waiting: quiet hours, or the overall rate limit
SENDING = "sending"
SENT = "sent"  # Twilio took it
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
NOT_SENT = "not_sent"  # refused here: opted out, not a UK number, a limit; see reason
SIMULATED = "simulated"  # no Twilio set up: kept in the outbox only
PROBLEM_STATUSES = (FAILED, UNDELIVERED, NOT_SENT)


class SmsDelivery(Base):
    """What the one SMS sender did with one outbox text."""

    __tablename__ = "sms_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), unique=True)
    # The family's message this text answers (replies and holding texts).
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("sms_inbound.id", ondelete="SET NULL"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    # opted_out, not_allowed_country, number_limit, daily_limit, twilio_error, ...
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    error_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # How it went (api/sms/whatsapp.py): sms or whatsapp, and the approved
    # WhatsApp template's Content SID when the 24 hours had passed.
    channel: Mapped[str | None] = mapped_column(String(10), nullable=True)
    template_sid: Mapped[str | None] = mapped_column(String(40), nullable=True)
    segments: Mapped[int | None] = mapped_column(Integer, nullable=True)
    encoding: Mapped[str | None] = mapped_column(String(6), nullable=True)
    send_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    message: Mapped[OutboxMessage] = relationship()
