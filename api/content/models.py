"""The answers table (one row per answer or template key) and every published version."""

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Answer(Base):
    """An answer in family words, with a text for SMS and one for web chat,
    and any quick replies (buttons) that go with it.

    Rasa's responses (`utter_*`) are answers too: Rasa asks for them by name
    through its NLG endpoint (`POST /internal/nlg`).

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
    # Quick replies shown under the words in web chat: [{"title", "payload"}].
    # The family sees the title; choosing it sends the payload.
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(120), default="seed")

    translations: Mapped[list["AnswerTranslation"]] = relationship(
        back_populates="answer", order_by="AnswerTranslation.language", viewonly=True)


class AnswerVersion(Base):
    """One published version of an answer, kept for ever: what it said, who
    published it and when. Rolling back publishes an old one as a new one.

    `published_by` is the person's name at the time ("seed" for a version
    from data/content/); `staff_id` links to their account while it exists.
    """

    __tablename__ = "answer_versions"
    __table_args__ = (UniqueConstraint("answer_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sms_text: Mapped[str] = mapped_column(Text)
    web_text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    published_by: Mapped[str] = mapped_column(String(200), default="seed")
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, default=None)
    note: Mapped[str] = mapped_column(Text, default="")

    answer: Mapped[Answer] = relationship()


DRAFT = "drafted, not yet checked by a speaker"


class AnswerTranslation(Base):
    """An answer's words in another language (data/content/languages/), said
    to a family who writes in it. Without one, the English is said.

    `checked_by` is the name of the speaker who checked these words; empty,
    they are a draft, and the editor says so. Seeded like answers: a row
    still as shipped (`source_hash`) takes a newer shipped version; one comms
    edited is kept.
    """

    __tablename__ = "answer_translations"
    __table_args__ = (UniqueConstraint("answer_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    sms_text: Mapped[str] = mapped_column(Text)
    web_text: Mapped[str] = mapped_column(Text)
    checked_by: Mapped[str] = mapped_column(String(200), default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_by: Mapped[str] = mapped_column(String(120), default="seed")

    answer: Mapped[Answer] = relationship(back_populates="translations")

    @property
    def review(self) -> str:
        """What a comms officer sees: a draft, or who checked it."""
        return f"checked by {self.checked_by}" if self.checked_by else DRAFT
