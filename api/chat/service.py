"""Web chat rules: check the message, pick the sender id, ask Rasa, and, once
the family has been handed over, pass what they send on to their worker."""

from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.chat.conversation import conversation_sender
from api.chat.rasa import AssistantUnavailable, send_to_rasa
from api.referrals.service import add_family_message, open_referral_for
from api.settings import Settings

MAX_MESSAGE_CHARS = 1000


@dataclass
class ChatOutcome:
    """`texts` from Rasa, or a `problem` content key and HTTP status."""

    status: int
    texts: list[str]
    problem: str | None = None


async def chat_reply(db: Session, redis: Redis, settings: Settings, cookie_token: str, text: str,
                     now: datetime) -> ChatOutcome:
    message = (text or "").strip()
    if not message:
        return ChatOutcome(422, [], "chat_empty")
    if len(message) > MAX_MESSAGE_CHARS:
        return ChatOutcome(422, [], "chat_too_long")
    try:
        sender = await conversation_sender(redis, settings.pseudonym_key, cookie_token,
                                           settings.conversation_quiet_seconds)
        # Asked before Rasa answers, so the message that completes a handover
        # is not also added to it as a message "after" the handover.
        handed_over = open_referral_for(db, sender) is not None
        texts = await send_to_rasa(settings.rasa_url, sender, message, "web", settings.rasa_timeout_seconds)
    except (AssistantUnavailable, RedisError, ValueError, OSError):
        return ChatOutcome(503, [], "assistant_unavailable")
    if handed_over:
        texts = texts + add_family_message(db, sender, message, now, "web")[1]
    if not texts:
        # Rasa answered with nothing: its action server is down or failed.
        # The family must never be left in silence.
        return ChatOutcome(503, [], "assistant_unavailable")
    return ChatOutcome(200, texts)
