"""Record that a conversation (one Rasa episode) started: counted in the
weekly figures on the "what we could not answer" page."""

import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.turns.models import ConversationStart

log = logging.getLogger("api.turns")


def note_conversation(db: Session, conversation_id: str, channel: str, now: datetime) -> bool:
    """Add a row the first time a conversation id is seen; True if it was new.

    Safe when two messages of one conversation arrive at once. A figure is
    never worth a family's answer: any database trouble is logged and the
    conversation goes on."""
    try:
        if db.scalar(select(ConversationStart.id).where(ConversationStart.conversation_id == conversation_id)):
            return False
        db.add(ConversationStart(conversation_id=conversation_id, channel=channel,
                                 started_at=now.astimezone(timezone.utc)))
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    except SQLAlchemyError as error:
        db.rollback()
        log.warning("could not record a conversation start: %s", type(error).__name__)
        return False
    return True
