"""One family message, one turn: to Rasa under a pseudonymous sender id,
and onto the family's open request for help once they have been handed
over. Web chat (api/chat/) and SMS (api/sms/) both call this.

No database transaction stays open while Rasa answers: Rasa calls the
actions, which call the api's /internal routes, which need connections
of their own. Holding one per turn across that wait ran the pool dry at
about 15 turns at once.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from api.referrals.service import add_family_message, open_referral_for
from api.settings import Settings
from api.turns.rasa import AssistantUnavailable, Reply, send_to_rasa_replies
from api.turns.starts import note_conversation

__all__ = ["AssistantUnavailable", "Reply", "assistant_messages", "assistant_replies"]


async def assistant_messages(db: Session, settings: Settings, sender: str, message: str, channel: str,
                             now: datetime) -> list[Reply]:
    """One family message to Rasa under its pseudonymous `sender` id; the
    replies (with any quick replies), plus a note when the message went onto
    the family's open referral. Raises AssistantUnavailable when Rasa cannot
    be reached. Commits what it wrote before and after Rasa's answer."""
    note_conversation(db, sender, channel, now)  # counted in the weekly figures
    # Asked before Rasa answers, so the message that completes a handover
    # is not also added to it as a message "after" the handover.
    handed_over = open_referral_for(db, sender) is not None
    db.commit()  # ends the transaction: its connection goes back to the pool while Rasa answers
    replies = await send_to_rasa_replies(settings.rasa_url, sender, message, channel,
                                         settings.rasa_timeout_seconds)
    if handed_over:
        replies = replies + [Reply(text) for text in add_family_message(db, sender, message, now, channel)[1]]
    return replies


async def assistant_replies(db: Session, settings: Settings, sender: str, message: str, channel: str,
                            now: datetime) -> list[str]:
    """`assistant_messages` as texts (SMS has no quick replies)."""
    return [reply.text for reply in await assistant_messages(db, settings, sender, message, channel, now)]
