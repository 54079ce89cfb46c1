"""The answers table: one row per answer or template key."""

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Answer(Base):
    """An answer in family words, with a text for SMS and one for web chat.

    `version` goes up by one on every change. `source_hash` is the hash of
    the shipped version this row was last seeded from: if the row's content
    still hashes to it, comms have not edited it, so the seed may update it.
    """

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    topic: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    sms_text: Mapped[str] = mapped_column(Text)
    web_text: Mapped[str] = mapped_column(Text)
    placeholders: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(120), default="seed")
