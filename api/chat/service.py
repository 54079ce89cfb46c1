"""Web chat rules: check the message, pick the sender id, ask Rasa."""

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.chat.conversation import conversation_sender
from api.chat.rasa import AssistantUnavailable, send_to_rasa
from api.settings import Settings

MAX_MESSAGE_CHARS = 1000


@dataclass
class ChatOutcome:
    """`texts` from Rasa, or a `problem` content key and HTTP status."""

    status: int
    texts: list[str]
    problem: str | None = None


async def chat_reply(redis: Redis, settings: Settings, cookie_token: str, text: str) -> ChatOutcome:
    message = (text or "").strip()
    if not message:
        return ChatOutcome(422, [], "chat_empty")
    if len(message) > MAX_MESSAGE_CHARS:
        return ChatOutcome(422, [], "chat_too_long")
    try:
        sender = await conversation_sender(redis, settings.pseudonym_key, cookie_token,
                                           settings.conversation_quiet_seconds)
        texts = await send_to_rasa(settings.rasa_url, sender, message, "web", settings.rasa_timeout_seconds)
    except (AssistantUnavailable, RedisError, ValueError, OSError):
        return ChatOutcome(503, [], "assistant_unavailable")
    if not texts:
        # Rasa answered with nothing: its action server is down or failed.
        # The family must never be left in silence.
        return ChatOutcome(503, [], "assistant_unavailable")
    return ChatOutcome(200, texts)
