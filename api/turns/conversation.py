"""Pseudonymous conversation ids for Rasa.

Rasa never sees a cookie, phone number or name: the sender id is
`HMAC-SHA256(PSEUDONYM_KEY, subject)` plus an episode. The episode is kept
in Redis with a time to live of CONVERSATION_QUIET_SECONDS, refreshed on
each message; after that much quiet a new episode (so a new Rasa
conversation) starts. The shared prefix lets an erasure find every Rasa
tracker for one family.
"""

import hashlib
import hmac
import secrets

from redis.asyncio import Redis


def pseudonym(key: str, subject: str) -> str:
    return hmac.new(key.encode(), subject.encode(), hashlib.sha256).hexdigest()


# Rasa's tracker store keys: endpoints.yml `key_prefix: familyhub`, to which
# Rasa adds ":tracker:", then the sender id ("<pseudonym>-<episode>").
RASA_TRACKER_PREFIX = "familyhub:tracker:"


def episode_key(pseudonym_hex: str) -> str:
    return f"conversation:{pseudonym_hex}"


def tracker_pattern(pseudonym_hex: str) -> str:
    """Every Rasa tracker of one family (each episode), as a Redis pattern."""
    return f"{RASA_TRACKER_PREFIX}{pseudonym_hex}-*"


async def conversation_sender(redis: Redis, key: str, subject: str, quiet_seconds: int) -> str:
    """The Rasa sender id for this subject's current episode."""
    if not key:
        raise ValueError("PSEUDONYM_KEY is not set")
    hashed = pseudonym(key, subject)
    name = episode_key(hashed)
    episode = await redis.get(name)
    if episode is None:
        fresh = secrets.token_hex(8)
        if await redis.set(name, fresh, ex=quiet_seconds, nx=True):
            episode = fresh
        else:  # another request started the episode first
            episode = await redis.get(name) or fresh
    else:
        await redis.expire(name, quiet_seconds)
    return f"{hashed}-{episode}"


async def current_sender(redis: Redis, key: str, subject: str) -> str | None:
    """The Rasa sender id of this subject's live episode, or None; starts none."""
    if not key:
        raise ValueError("PSEUDONYM_KEY is not set")
    hashed = pseudonym(key, subject)
    episode = await redis.get(episode_key(hashed))
    if episode is None:
        return None
    return f"{hashed}-{episode.decode() if isinstance(episode, bytes) else episode}"


async def episode_is_live(redis: Redis, key: str, subject: str) -> bool:
    """True while this subject's current episode has not gone quiet."""
    if not key:
        raise ValueError("PSEUDONYM_KEY is not set")
    return bool(await redis.exists(episode_key(pseudonym(key, subject))))


async def forget_trackers(redis: Redis, pseudonym_hex: str) -> int:
    """Delete Rasa's trackers of every episode of this family; how many went."""
    names = [name async for name in redis.scan_iter(match=tracker_pattern(pseudonym_hex), count=500)]
    return await redis.delete(*names) if names else 0


async def end_episode(redis: Redis, key: str, subject: str) -> None:
    """Forget the current episode: the next message starts a new Rasa conversation."""
    if key:
        await redis.delete(episode_key(pseudonym(key, subject)))
