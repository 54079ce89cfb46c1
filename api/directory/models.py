"""Directory tables: hubs and their hours, closures, sessions, workers,
and the partner services answers name.

Weekdays are stored as numbers, Monday = 0 (Python's `date.weekday()`).
Times are local wall-clock times in Europe/London.
"""

from datetime import date, time

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base


class FrontDoor(Base):
    """The central family hub phone line (one row)."""

    __tablename__ = "front_door"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    hours: Mapped[list["FrontDoorHours"]] = relationship(
        cascade="all, delete-orphan", order_by="FrontDoorHours.weekday"
    )


class FrontDoorHours(Base):
    __tablename__ = "front_door_hours"
    __table_args__ = (UniqueConstraint("front_door_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    front_door_id: Mapped[int] = mapped_column(ForeignKey("front_door.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class PartnerService(Base):
    """Help outside the hubs that answers name (a food bank, mediation...).

    An answer names one with `{slug}` and `{slug_phone}` placeholders, filled
    in when it is sent, so a changed number is changed in every answer.
    `oruk_id` is its service in the council's directory feed: each import
    keeps its number from there (the name and about stay the borough file's
    plain words)."""

    __tablename__ = "partner_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    about: Mapped[str] = mapped_column(Text, default="")
    oruk_id: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Hub(Base):
    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[list[str]] = mapped_column(JSON, default=list)
    postcode: Mapped[str] = mapped_column(String(10))
    postcode_districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(String(40))
    parking: Mapped[str] = mapped_column(Text, default="")
    getting_there: Mapped[str] = mapped_column(Text, default="")
    step_free: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Open Referral UK location this hub is, when the directory came from a feed.
    oruk_location_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True, nullable=True)

    hours: Mapped[list["HubHours"]] = relationship(
        cascade="all, delete-orphan", order_by="HubHours.weekday"
    )


class HubHours(Base):
    __tablename__ = "hub_hours"
    __table_args__ = (UniqueConstraint("hub_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(Base):
    """Days a hub is shut, on top of weekends and bank holidays.

    `hub_id` NULL means every hub and the front door. Either a one-off range
    (`starts_on`..`ends_on`, both included) or a yearly one
    (`yearly_from`..`yearly_to` as "MM-DD", may wrap over New Year).
    """

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    yearly_from: Mapped[str | None] = mapped_column(String(5), nullable=True)
    yearly_to: Mapped[str | None] = mapped_column(String(5), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class SchoolHoliday(Base):
    __tablename__ = "school_holidays"
    __table_args__ = (UniqueConstraint("starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class SessionKind(Base):
    __tablename__ = "session_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)


class HubSession(Base):
    """A recurring group session at a hub (stay and play, youth club...).

    freq is weekly, fortnightly (counted from `starts_on`) or monthly
    (`week_of_month` 1..4, or -1 for the last one). Ages in months.
    """

    __tablename__ = "hub_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind_id: Mapped[int] = mapped_column(ForeignKey("session_kinds.id"))
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    freq: Mapped[str] = mapped_column(String(20))
    weekday: Mapped[int] = mapped_column(Integer)
    week_of_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    min_age_months: Mapped[int] = mapped_column(Integer, default=0)
    max_age_months: Mapped[int] = mapped_column(Integer, default=300)
    booking_required: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    term_time_only: Mapped[bool] = mapped_column(Boolean, default=False)
    school_holidays_only: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    # Booking: does the hub keep a waiting list when it is full, and does it
    # ask about children (places are per child) or only adults (per adult)?
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    asks_children: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Open Referral UK: the feed's service id, and whether the service has
    # left the feed (retired, never deleted: bookings may point at it).
    oruk_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True, nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    kind: Mapped[SessionKind] = relationship()
    hub: Mapped[Hub] = relationship()


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"))
    role: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    hub: Mapped[Hub] = relationship()
    shifts: Mapped[list["WorkerShift"]] = relationship(
        cascade="all, delete-orphan", order_by="WorkerShift.weekday"
    )


class WorkerShift(Base):
    """A worker's usual hours on one weekday."""

    __tablename__ = "worker_shifts"
    __table_args__ = (UniqueConstraint("worker_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
