"""When each conversation started, for the weekly figures comms see.

One row per Rasa conversation id (pseudonymous: a keyed hash and an
episode, never a cookie or phone number), written by the turn (api/turns/turn.py) the
first time it sees the id.
"""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class ConversationStart(Base):
    __tablename__ = "conversation_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
