"""The web chat as the family sees it, kept so the page can show it again
after a reload, and without JavaScript (the page is then re-drawn by the
api after every message).

Kept in Redis under the keyed hash of the chat cookie (the hash Rasa's
sender id starts with, so an erasure of one family finds it too), never the
cookie itself. Each entry is encrypted with DATA_ENCRYPTION_KEY (api/crypto):
with no key, nothing is kept, and the chat still works. The transcript lives
exactly as long as the Rasa episode: the same quiet time, refreshed on each
message, and it is deleted when a new episode starts, so a chat that ended
after a quiet time is never shown again.

A small "seen" marker (no words in it) lives as long as the cookie, so the
page can tell a family coming back that their earlier chat has ended.
"""

import json
import logging
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.crypto import EncryptionKeyMissing, cipher

MAX_ENTRIES = 200

log = logging.getLogger("api.chat")


def transcript_key(hashed: str) -> str:
    return f"chat:transcript:{hashed}"


def seen_key(hashed: str) -> str:
    return f"chat:seen:{hashed}"


@dataclass
class Entry:
    """One message on the page: `who` is "family" or "assistant"."""

    who: str
    text: str
    buttons: list[dict] = field(default_factory=list)


async def append(redis: Redis, hashed: str, entries: list[Entry], quiet_seconds: int, cookie_seconds: int) -> bool:
    """Add entries; True if they were kept."""
    try:
        tokens = [cipher().encrypt(json.dumps({"who": e.who, "text": e.text, "buttons": e.buttons}))
                  for e in entries]
    except EncryptionKeyMissing:
        return False
    name = transcript_key(hashed)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.rpush(name, *tokens)
            pipe.ltrim(name, -MAX_ENTRIES, -1)
            pipe.expire(name, quiet_seconds)
            pipe.set(seen_key(hashed), "1", ex=cookie_seconds)
            await pipe.execute()
    except RedisError as error:
        log.warning("could not keep the web chat transcript: %s", type(error).__name__)
        return False
    return True


async def load(redis: Redis, hashed: str, last: int = MAX_ENTRIES) -> list[Entry]:
    """The kept entries, oldest first (the `last` few only, if asked)."""
    try:
        tokens = await redis.lrange(transcript_key(hashed), -last, -1)
        entries = []
        for token in tokens:
            item = json.loads(cipher().decrypt(token))
            entries.append(Entry(item["who"], item["text"], item.get("buttons") or []))
        return entries
    except (EncryptionKeyMissing, RedisError, ValueError, KeyError) as error:
        log.warning("could not read the web chat transcript: %s", type(error).__name__)
        return []


async def end(redis: Redis, hashed: str) -> bool:
    """The episode has gone quiet: delete its transcript. True if this family
    had chatted before (so the page should tell them the chat ended); the
    marker goes too, so they are told once."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(transcript_key(hashed))
        pipe.delete(seen_key(hashed))
        _, had_seen = await pipe.execute()
    return bool(had_seen)


async def forget(redis: Redis, hashed: str) -> None:
    """Leave quickly, or clear the chat: nothing of it is kept."""
    await redis.delete(transcript_key(hashed), seen_key(hashed))


def offered_title(entries: list[Entry], payload: str) -> str | None:
    """The title of the quick reply with this payload in the assistant's
    latest turn (what the family clicked), or None."""
    for entry in reversed(entries):
        if entry.who != "assistant":
            break
        for button in entry.buttons:
            if button.get("payload") == payload:
                return button.get("title")
    return None

