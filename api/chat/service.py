"""Web chat rules: check the message, pick the sender id, ask Rasa, and, once
the family has been handed over, pass what they send on to their worker.
The web page's transcript (api/chat/transcript.py) is kept here too, so a
reload, or a browser without JavaScript, shows the same chat."""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.chat import transcript
from api.chat.conversation import conversation_sender, end_episode, episode_is_live, pseudonym
from api.chat.rasa import AssistantUnavailable, Reply, replies_to_turn, send_to_rasa_replies
from api.chat.starts import note_conversation
from api.content.service import family_text
from api.referrals.service import add_family_message, open_referral_for
from api.settings import Settings

log = logging.getLogger("api.chat")

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


async def chat_reply(db: Session, redis: Redis, settings: Settings, cookie_token: str, text: str,
                     now: datetime, quick_reply: bool = False) -> ChatOutcome:
    """One message from the web chat. `quick_reply`: the text is the payload
    of a button the family chose (or the talk to a person button)."""
    message = (text or "").strip()
    if not message:
        return ChatOutcome(422, [], "chat_empty")
    if len(message) > MAX_MESSAGE_CHARS:
        return ChatOutcome(422, [], "chat_too_long")
    earlier_ended = False
    try:
        hashed = pseudonym(settings.pseudonym_key, cookie_token)
        if not await episode_is_live(redis, settings.pseudonym_key, cookie_token):
            earlier_ended = await transcript.end(redis, hashed)
        shown = await shown_text(db, redis, hashed, message, quick_reply)
        sender = await conversation_sender(redis, settings.pseudonym_key, cookie_token,
                                           settings.conversation_quiet_seconds)
        replies = await assistant_messages(db, settings, sender, message, "web", now,
                                           turn_id=f"web-{secrets.token_hex(8)}")
    except (AssistantUnavailable, RedisError, ValueError, OSError):
        return ChatOutcome(503, [], "assistant_unavailable", earlier_ended)
    if not replies:
        # Rasa answered with nothing: its action server is down or failed.
        # The family must never be left in silence.
        return ChatOutcome(503, [], "assistant_unavailable", earlier_ended)
    await transcript.append(
        redis, hashed, [transcript.Entry("family", shown)]
        + [transcript.Entry("assistant", reply.text, reply.buttons) for reply in replies],
        settings.conversation_quiet_seconds, settings.conversation_expiry_seconds)
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
        if await episode_is_live(redis, settings.pseudonym_key, cookie_token):
            return PageChat(await transcript.load(redis, hashed))
        return PageChat(earlier_ended=await transcript.end(redis, hashed))
    except RedisError:
        return PageChat()


async def forget_chat(redis: Redis, settings: Settings, cookie_token: str) -> None:
    """Leave quickly or clear the chat: the transcript and the Rasa episode
    go (the route also gives the browser a new cookie, so what comes next is
    not linked to this family). Rasa's tracker of the old episode is never
    reached again and expires (CONVERSATION_EXPIRY_SECONDS)."""
    if len(cookie_token) < 32 or not settings.pseudonym_key:
        return
    await transcript.forget(redis, pseudonym(settings.pseudonym_key, cookie_token))
    await end_episode(redis, settings.pseudonym_key, cookie_token)


async def assistant_messages(db: Session, settings: Settings, sender: str, message: str, channel: str,
                             now: datetime, turn_id: str | None = None, retry: bool = False) -> list[Reply]:
    """One family message to Rasa under its pseudonymous `sender` id; the
    replies (with any quick replies), plus a note when the message went onto
    the family's open referral. Raises AssistantUnavailable when Rasa cannot
    be reached. `retry` with a `turn_id`: an earlier try may have reached
    Rasa, so if Rasa already took this message its replies are taken from
    the tracker instead of sending it twice."""
    note_conversation(db, sender, channel, now)  # counted in the weekly figures
    # Asked before Rasa answers, so the message that completes a handover
    # is not also added to it as a message "after" the handover.
    handed_over = open_referral_for(db, sender) is not None
    # End the transaction before waiting on Rasa: no database connection is
    # held across the wait. Rasa's turn calls back into the api (its NLG
    # endpoint, the action server's look-ups), and with connections held by
    # every chat waiting on Rasa the pool ran dry under load (bench/scale.py).
    db.commit()
    replies = None
    if retry and turn_id:
        replies = await replies_to_turn(settings.rasa_url, settings.rasa_token, sender, turn_id,
                                        settings.rasa_timeout_seconds)
    if replies is None:
        try:
            replies = await send_to_rasa_replies(settings.rasa_url, sender, message, channel,
                                                 settings.rasa_timeout_seconds, turn_id)
        except AssistantUnavailable as error:
            if not (turn_id and error.cut_off):
                raise
            # The Rasa replica answering died mid-turn (several replicas run
            # behind a proxy): ask again, once, unless it had already taken
            # the message. The conversation's lock in Redis keeps the turns
            # in order; a dead replica's lock lapses (TICKET_LOCK_LIFETIME).
            log.warning("rasa cut off a %s turn (%s): asking again", channel, error)
            replies = await replies_to_turn(settings.rasa_url, settings.rasa_token, sender, turn_id,
                                            settings.rasa_timeout_seconds)
            if replies is None:
                replies = await send_to_rasa_replies(settings.rasa_url, sender, message, channel,
                                                     settings.rasa_timeout_seconds, turn_id)
    if handed_over:
        replies = replies + [Reply(text) for text in add_family_message(db, sender, message, now, channel)[1]]
    return replies


async def assistant_replies(db: Session, settings: Settings, sender: str, message: str, channel: str,
                            now: datetime, turn_id: str | None = None, retry: bool = False) -> list[str]:
    """One family message to Rasa under its pseudonymous `sender` id; the
    replies, plus a note when the message went onto the family's open
    referral. Used by web chat and SMS alike. Raises AssistantUnavailable
    when Rasa cannot be reached."""
    return [reply.text for reply in await assistant_messages(db, settings, sender, message, channel, now,
                                                             turn_id, retry)]
