"""Web chat rules: check the message, pick the sender id, ask Rasa, and, once
the family has been handed over, pass what they send on to their worker.
The web page's transcript (api/chat/transcript.py) is kept here too, so a
reload, or a browser without JavaScript, shows the same chat."""

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.chat import transcript
from api.content.service import family_text
from api.languages.service import forget_languages, remembered_language
from api.limits import remember_chat_address, take_chat_turn
from api.privacy.erasure import finish_erasure, pending_for
from api.settings import Settings
from api.turns.conversation import (conversation_sender, current_sender, end_episode, episode_is_live,
                                    forget_trackers, pseudonym)
from api.turns.turn import AssistantUnavailable, Reply, assistant_messages

MAX_MESSAGE_CHARS = 1000
# What the "Talk to a person" button sends (Rasa understands it as
# talk_to_person); the page shows the button's words instead.
TALK_TO_PERSON = "talk to a person"


@dataclass
class ChatOutcome:
    """`replies` from Rasa, or a `problem` content key and HTTP status.
    `shown` is the family's message as the page shows it (a quick reply's
    title, not its payload); `earlier_ended` says their earlier chat ended
    after a quiet time, so the page should say so and show it no more."""

    status: int
    replies: list[Reply]
    problem: str | None = None
    earlier_ended: bool = False
    shown: str = ""

    @property
    def texts(self) -> list[str]:
        return [reply.text for reply in self.replies]


@dataclass
class PageChat:
    """What the chat page shows on load."""

    entries: list[transcript.Entry] = field(default_factory=list)
    earlier_ended: bool = False
    language: str = "en"  # the one the assistant writes in, chosen in the page's menu


async def chat_reply(db: Session, redis: Redis, settings: Settings, cookie_token: str, text: str,
                     now: datetime, quick_reply: bool = False, address: str = "") -> ChatOutcome:
    """One message from the web chat. `quick_reply`: the text is the payload
    of a button the family chose (or the talk to a person button);
    `address`: where it came from (for the per-address limit)."""
    message = (text or "").strip()
    if not message:
        return ChatOutcome(422, [], "chat_empty")
    if len(message) > MAX_MESSAGE_CHARS:
        return ChatOutcome(422, [], "chat_too_long")
    try:
        if not await take_chat_turn(redis, settings, address, cookie_token, int(time.time() // 60)):
            return ChatOutcome(429, [], "chat_too_fast")
    except RedisError:
        return ChatOutcome(503, [], "assistant_unavailable")
    earlier_ended = False
    try:
        hashed = pseudonym(settings.pseudonym_key, cookie_token)
        if not await episode_is_live(redis, settings.pseudonym_key, cookie_token):
            earlier_ended = await transcript.end(redis, hashed)
        shown = await shown_text(db, redis, hashed, message, quick_reply)
        sender = await conversation_sender(redis, settings.pseudonym_key, cookie_token,
                                           settings.conversation_quiet_seconds)
        if address:  # a new chat: where it came from counts against that address's bookings
            await remember_chat_address(redis, settings, hashed, address)
        replies = await assistant_messages(db, redis, settings, sender, message, "web", now,
                                           turn_id=f"web-{secrets.token_hex(8)}")
    except (AssistantUnavailable, RedisError, ValueError, OSError):
        return ChatOutcome(503, [], "assistant_unavailable", earlier_ended)
    if not replies:
        # Rasa answered with nothing: its action server is down or failed.
        # The family must never be left in silence.
        return ChatOutcome(503, [], "assistant_unavailable", earlier_ended)
    try:
        erased = await pending_for(redis, hashed)
        if erased is not None:  # they just asked us to delete their data: nothing of this turn is kept
            await finish_erasure(db, redis, erased, now)
            return ChatOutcome(200, replies, earlier_ended=earlier_ended, shown=shown)
    except RedisError:
        pass  # the scheduled job finishes it
    await transcript.append(
        redis, hashed, [transcript.Entry("family", shown)]
        + [transcript.Entry("assistant", reply.text, reply.buttons) for reply in replies],
        min(settings.conversation_quiet_seconds, settings.web_chat_shown_seconds),
        settings.conversation_expiry_seconds)
    return ChatOutcome(200, replies, earlier_ended=earlier_ended, shown=shown)


async def shown_text(db: Session, redis: Redis, hashed: str, message: str, quick_reply: bool) -> str:
    """The family's message as the page shows it: a chosen quick reply shows
    its title (looked up in what was offered, never taken from the browser)."""
    if not quick_reply:
        return message
    if message == TALK_TO_PERSON:
        return family_text(db, "web_chat_talk_to_person", "web")
    return transcript.offered_title(await transcript.load(redis, hashed, last=20), message) or message


async def page_chat(redis: Redis, settings: Settings, cookie_token: str) -> PageChat:
    """The chat to show when the page loads: the current episode's transcript,
    or nothing, with a note if the family's earlier chat has ended."""
    if len(cookie_token) < 32 or not settings.pseudonym_key:
        return PageChat()
    hashed = pseudonym(settings.pseudonym_key, cookie_token)
    try:
        sender = await current_sender(redis, settings.pseudonym_key, cookie_token)
        if sender is not None:
            language = await remembered_language(redis, sender) or "en"
            return PageChat(await transcript.load(redis, hashed), language=language)
        return PageChat(earlier_ended=await transcript.end(redis, hashed))
    except RedisError:
        return PageChat()


async def forget_chat(redis: Redis, settings: Settings, cookie_token: str) -> None:
    """Leave quickly or clear the chat: the transcript, the Rasa episode and
    Rasa's trackers of it go (the route also gives the browser a new cookie,
    so what comes next is not linked to this family)."""
    if len(cookie_token) < 32 or not settings.pseudonym_key:
        return
    hashed = pseudonym(settings.pseudonym_key, cookie_token)
    await transcript.forget(redis, hashed)
    await end_episode(redis, settings.pseudonym_key, cookie_token)
    await forget_trackers(redis, hashed)
    await forget_languages(redis, hashed)
