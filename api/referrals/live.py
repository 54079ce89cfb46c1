"""Live queue updates: "a referral changed" on Redis pub/sub, read by the
staff queue's server-sent events. Messages carry the reference, hub and
status only, never personal data.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeout

from api.settings import Settings

log = logging.getLogger("api.referrals")
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 0.5


def channel_name(settings: Settings) -> str:
    # Pub/sub channels are shared by every Redis database, so the database
    # number is part of the name (tests on db 15 never hear a dev server).
    return f"familyhub:{settings.redis_db}:referrals"


async def publish_referral_changed(redis: Redis, settings: Settings, reference: str, hub_slug: str,
                                   status: str) -> None:
    """Tell every open queue page; a Redis failure never undoes the change."""
    payload = json.dumps({"referral_id": reference, "hub": hub_slug, "status": status})
    try:
        await redis.publish(channel_name(settings), payload)
    except Exception as error:  # noqa: BLE001 - the queue page also refreshes on reload
        log.warning("could not publish a queue update: %s", type(error).__name__)


async def queue_events(redis: Redis, settings: Settings, hub_slug: str | None,
                       is_disconnected) -> AsyncIterator[str]:
    """Server-sent events for one queue page: `event: referral` per change
    (only its hub's for a worker), and a comment line as a heartbeat."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel_name(settings))
    try:
        yield "retry: 3000\n\n"
        quiet = 0.0
        while not await is_disconnected():
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
            except (TimeoutError, RedisTimeout):
                message = None
            if message is None:
                quiet += POLL_SECONDS
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    yield ": still here\n\n"
                continue
            quiet = 0.0
            data = json.loads(message["data"])
            if hub_slug and data.get("hub") != hub_slug:
                continue
            yield f"event: referral\ndata: {json.dumps(data)}\n\n"
    except asyncio.CancelledError:
        raise
    finally:
        try:
            await pubsub.unsubscribe()
            await pubsub.aclose()
        except Exception:  # noqa: BLE001
            pass
