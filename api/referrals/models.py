"""Referrals: a family handed, with their consent, to a named worker.

In the spirit of the DfE's "Connect families to support". Personal fields
(name, phone, the family's words, contact times and needs, transcript,
notes, messages, reasons a family gave) are encrypted at rest; the phone is
also kept as a keyed hash for look-ups. `reference` is the short,
non-guessable id staff and URLs use; never log it next to personal data.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.crypto import EncryptedJSON, EncryptedText
from api.db import Base
from api.directory.models import Hub, Worker
from api.staff.models import StaffUser

STATUSES = ("new", "claimed", "contacted", "closed", "declined", "withdrawn")
OPEN_STATUSES = ("new", "claimed", "contacted")


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_queue_order", "status", "urgent", "created_at"),
                      Index("ix_referrals_created_at", "created_at"),
                      # Covering index for managers' figures (api/reports/figures.py).
                      Index("ix_referrals_figures", "created_on", "hub_id", "postcode_district", "out_of_hours",
                            "status", "outcome", "topics_key", "created_at", "contacted_at", "contact_by"),
                      Index("ix_referrals_feedback", "feedback_at", "feedback_score", "hub_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    # The conversation id without its episode: one family's requests across
    # conversations (as bookings.family_key).
    family_key: Mapped[str | None] = mapped_column(String(200), index=True, nullable=True)
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    # Consent, exactly as the family saw and answered it.
    consent_wording: Mapped[str] = mapped_column(Text)
    consent_answer: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    first_name: Mapped[str] = mapped_column(EncryptedText)
    family_words: Mapped[str] = mapped_column(EncryptedText)
    transcript: Mapped[list] = mapped_column(EncryptedJSON)

    contact_method: Mapped[str] = mapped_column(String(10))  # text or call
    phone: Mapped[str] = mapped_column(EncryptedText)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    contact_times: Mapped[str] = mapped_column(EncryptedText)
    contact_needs: Mapped[str] = mapped_column(EncryptedText)
    safe_to_text: Mapped[bool] = mapped_column(Boolean)
    safe_to_leave_message: Mapped[bool] = mapped_column(Boolean)

    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the family wrote in (api/languages/): not English means
    # the worker needs an interpreter, and sees so at the top of the request.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    # When the family was told the worker would be in touch by.
    contact_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Urgent and the worker was on duty: the family was told "today".
    contact_today: Mapped[bool] = mapped_column(Boolean, default=False)
    # The family gave good times and was told "between contact_from and contact_by".
    contact_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What the family said with their number ("dont text it or leave a voicemail").
    contact_condition: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)

    status: Mapped[str] = mapped_column(String(20), default="new")
    status_reason: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    claimed_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    # The postcode's district ("FB1") when the family gave one: for managers' figures by area.
    postcode_district: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The London day it came in, and whether the hub was shut then (figures).
    created_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    out_of_hours: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # The topics joined with commas, so the figures count them from an index.
    topics_key: Mapped[str | None] = mapped_column(String(700), nullable=True)
    # A planned ending: how it ended (OUTCOMES), and which service, if passed on.
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    outcome_service: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The one feedback question a few days after: 1 yes, 2 a bit, 3 no.
    feedback_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    feedback_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    feedback_words: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Passed to children's social care or the safeguarding front door (first time).
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Asked for by a partner (school, GP...): who, their organisation, and the family's agreement.
    partner_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, index=True)
    partner_organisation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    partner_consent: Mapped[dict | None] = mapped_column(EncryptedJSON, nullable=True)

    hub: Mapped[Hub] = relationship()
    worker: Mapped[Worker] = relationship()
    claimed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[claimed_by_id])
    partner: Mapped[StaffUser | None] = relationship(foreign_keys=[partner_id])
    escalations: Mapped[list["ReferralEscalation"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEscalation.id")
    events: Mapped[list["ReferralEvent"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralEvent.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReferralEvent(Base):
    """One line of a referral's history: created, claimed, a note, a message
    from the family, a text sent, a status change. `detail` is never
    personal; words (notes, messages, texts) go in the encrypted `body`."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)

    referral: Mapped[Referral] = relationship(back_populates="events")
    staff: Mapped[StaffUser | None] = relationship()


PASSED_TO = {"childrens_social_care": "Children's social care",
             "safeguarding_front_door": "The council's safeguarding front door"}


class ReferralEscalation(Base):
    """A request passed to children's social care or the safeguarding front
    door: where, why, when it was passed, who recorded it. Never changed or
    deleted (a correction is a new record, with its own reason)."""

    __tablename__ = "referral_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))          # when it was recorded
    passed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))   # when it was passed on
    staff_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)
    passed_to: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(EncryptedText)

    referral: Mapped[Referral] = relationship(back_populates="escalations")
    staff: Mapped[StaffUser | None] = relationship()
