"""Staff accounts. Emails are stored lower case; passwords only as argon2 hashes."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from api.content.models import utc_now
from api.db import Base

ROLES = ("front_door", "worker", "comms", "admin", "manager", "partner")
ROLE_NAMES = {"front_door": "Front door", "worker": "Family worker", "comms": "Communications", "admin": "Admin",
              "manager": "Hub manager", "partner": "Partner (school, GP, health visitor, voluntary group)"}


class StaffUser(Base):
    """A person who signs in to the staff pages. `hub_slug` is a worker's own hub."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(
        "role IN ('front_door', 'worker', 'comms', 'admin', 'manager', 'partner')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    hub_slug: Mapped[str | None] = mapped_column(String(60), nullable=True, default=None)
    # A partner's school, GP practice or group (shown to the family and on the queue).
    organisation: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, onupdate=utc_now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()
