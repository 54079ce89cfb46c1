"""Open Referral UK tables: every service read from a council's feed (the
whole record, for serving it back out under /oruk/), and each import run.

A service at one of the hubs, with a schedule the assistant can read, is also
a `hub_sessions` row (`hub_session_id`); the rest live only here for now.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class OrukService(Base):
    __tablename__ = "oruk_services"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    organization_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # sha256 of the record as read: a record whose fingerprint has not
    # changed is not rewritten, with or without last_modified.
    fingerprint: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict] = mapped_column(JSON)
    search_text: Mapped[str] = mapped_column(Text, default="")
    postcodes: Mapped[list[str]] = mapped_column(JSON, default=list)
    taxonomy_term_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Why a person should look at it (a schedule in free text only, say).
    needs_review: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    hub_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("hub_sessions.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrukImport(Base):
    """One run of the import: what was read, refused and why."""

    __tablename__ = "oruk_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    source: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(20))  # "imported" | "refused" | "failed"
    problem: Mapped[str] = mapped_column(Text, default="")
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[list[dict]] = mapped_column(JSON, default=list)    # [{"id", "reason"}]
    to_review: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"id", "name", "reason"}]
