"""The audit log: who did what to which record, and when.

`detail` must never hold personal data (no names, emails, phone numbers,
family words): ids, counts, short codes and keyed hashes only.
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from api.content.models import utc_now
from api.db import Base
from api.staff.models import StaffUser

# Keys that would put personal data in the log; refused outright.
PERSONAL_KEYS = frozenset({"email", "password", "phone", "postcode", "name", "first_name", "text", "words"})


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str | None] = mapped_column(String(60), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    staff: Mapped[StaffUser | None] = relationship(lazy="joined")


def record_audit(session: Session, staff: StaffUser | None, action: str, subject_type: str | None = None,
                 subject_id: object = None, **detail) -> AuditEvent:
    """Add an audit event to `session`; it is saved when the caller commits.

    `staff` is None for things nobody is signed in for (a failed login).
    """
    refused = PERSONAL_KEYS.intersection(detail)
    if refused:
        raise ValueError(f"audit detail must not hold personal data: {sorted(refused)}")
    event = AuditEvent(staff_id=staff.id if staff else None, action=action, subject_type=subject_type,
                       subject_id=None if subject_id is None else str(subject_id), detail=detail)
    session.add(event)
    return event


def audit_page(session: Session, page: int, per_page: int, subject_type: str = "",
               subject_id: str = "") -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and the total count for the filter."""
    query = select(AuditEvent)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total
