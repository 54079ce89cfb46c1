"""Taught topics, their examples, and trained models.

A taught topic is one intent (`taught_<slug>`) answered by the generic
answer action with the answer of the same key. Its rule and domain entry
come from the export (api/teaching/export.py), never from hand edits.

An example is a way families ask a question: typed by comms for a topic,
or a message from "what we could not answer" marked as answered by an
answer. Examples from families were masked before they were kept, and are
encrypted at rest all the same.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.crypto import EncryptedText
from api.db import Base

EXAMPLE_SOURCES = ("comms", "unanswered")
RUN_STATUSES = ("queued", "running", "live", "failed", "not_live")


class TaughtTopic(Base):
    __tablename__ = "taught_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    intent: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, default=None)


class TaughtExample(Base):
    __tablename__ = "taught_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    intent: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    source: Mapped[str] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("unanswered_groups.id", ondelete="SET NULL"), nullable=True, default=None, index=True)
    # A family's message: its pseudonymous conversation id, so erasing the
    # family's data reaches it too (api/unanswered/service.py erase_conversations).
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None, index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, default=None)


class TrainingRun(Base):
    """One "Teach the assistant": its progress while it runs, the quality
    gate's figures after, and the model it made (`model_file`, kept in the
    model store by its sha256). `is_live` marks the model Rasa pulls."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(200), default="")
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    seconds_left: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, default=None)
    examples: Mapped[int] = mapped_column(Integer, default=0)
    model_file: Mapped[str] = mapped_column(String(200), default="")
    gate: Mapped[dict] = mapped_column(JSON, default=dict)
    problem: Mapped[str] = mapped_column(Text, default="")
    is_live: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    went_live_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)
    # The run whose model was live when this one went live (None: the model
    # trained from the repository): where "Go back" goes.
    replaced_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_runs.id", ondelete="SET NULL"), nullable=True, default=None)
