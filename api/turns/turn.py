"""One family message, one turn: to Rasa under a pseudonymous sender id,
and onto the family's open request for help once they have been handed
over. Web chat (api/chat/) and SMS (api/sms/) both call this.

No database transaction stays open while Rasa answers: Rasa calls the
actions, which call the api's /internal routes, which need connections
of their own. Holding one per turn across that wait ran the pool dry at
about 15 turns at once.
"""

import logging
from datetime import datetime

from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.content.service import get_answer
from api.languages.service import TurnLanguage, language_for_turn
from api.referrals.service import add_family_message, open_referral_for
from api.settings import Settings
from api.turns.rasa import AssistantUnavailable, Reply, replies_to_turn, send_to_rasa_replies
from api.turns.starts import note_conversation

log = logging.getLogger("api.turns")
LANGUAGE_CHOSEN = "language_chosen"

__all__ = ["AssistantUnavailable", "Reply", "assistant_messages", "assistant_replies"]


async def assistant_messages(db: Session, redis: Redis, settings: Settings, sender: str, message: str,
                             channel: str, now: datetime, turn_id: str | None = None,
                             retry: bool = False) -> list[Reply]:
    """One family message to Rasa under its pseudonymous `sender` id; the
    replies (with any quick replies), plus a note when the message went onto
    the family's open referral, answered in the conversation's language
    (api/languages/). Raises AssistantUnavailable when Rasa cannot be
    reached. Commits what it wrote before and after Rasa's answer.
    `retry` with a `turn_id`: an earlier try may have reached Rasa, so if
    Rasa already took this message its replies are taken from the tracker
    instead of sending it twice."""
    note_conversation(db, sender, channel, now)  # counted in the weekly figures
    # Asked before Rasa answers, so the message that completes a handover
    # is not also added to it as a message "after" the handover.
    handed_over = open_referral_for(db, sender) is not None
    db.commit()  # ends the transaction: its connection goes back to the pool while Rasa answers
    language = await language_for_turn(redis, settings, sender, message)
    if language.chosen:  # "English please": said so in that language; nothing for Rasa to understand
        replies = [Reply(get_answer(db, LANGUAGE_CHOSEN, channel, language.answer_in))]
    else:
        replies = await _ask_rasa(settings, sender, message, channel, turn_id, retry, language)
    if handed_over:
        replies = replies + [Reply(text) for text in add_family_message(db, sender, message, now, channel)[1]]
    return replies


async def _ask_rasa(settings: Settings, sender: str, message: str, channel: str, turn_id: str | None,
                    retry: bool, language: TurnLanguage) -> list[Reply]:
    """Rasa's replies; on a retry, from the tracker when Rasa already took the message."""
    replies = None
    if retry and turn_id:
        replies = await replies_to_turn(settings.rasa_url, settings.rasa_token, sender, turn_id,
                                        settings.rasa_timeout_seconds)
    if replies is not None:
        return replies
    try:
        return await send_to_rasa_replies(settings.rasa_url, sender, message, channel,
                                          settings.rasa_timeout_seconds, turn_id,
                                          language.answer_in, language.written_in)
    except AssistantUnavailable as error:
        if not (turn_id and error.cut_off):
            raise
        # The Rasa replica answering died mid-turn (several replicas run
        # behind a proxy): ask again, once, unless it had already taken
        # the message. The conversation's lock in Redis keeps the turns
        # in order (bot/lock_store.py); a dead replica's lock lapses
        # (TICKET_LOCK_LIFETIME).
        log.warning("rasa cut off a %s turn (%s): asking again", channel, error)
        replies = await replies_to_turn(settings.rasa_url, settings.rasa_token, sender, turn_id,
                                        settings.rasa_timeout_seconds)
        if replies is not None:
            return replies
        return await send_to_rasa_replies(settings.rasa_url, sender, message, channel,
                                          settings.rasa_timeout_seconds, turn_id,
                                          language.answer_in, language.written_in)


async def assistant_replies(db: Session, redis: Redis, settings: Settings, sender: str, message: str,
                            channel: str, now: datetime, turn_id: str | None = None,
                            retry: bool = False) -> list[str]:
    """`assistant_messages` as texts (SMS has no quick replies)."""
    return [reply.text for reply in await assistant_messages(db, redis, settings, sender, message, channel,
                                                             now, turn_id, retry)]
