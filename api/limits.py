"""Limits on what a stranger can make the front door do.

- `BodyLimit`: family-facing routes (the web chat, Twilio's webhooks) take
  a body of at most FAMILY_BODY_MAX_BYTES; a bigger one is refused with 413
  before any of it is parsed or stored.
- `NoNullCharacters`: a NUL character (`%00`) in a path or query string is
  refused with 400 before any route sees it: PostgreSQL cannot hold one in
  a string, so a look-up with it was a 500 (found by bench/fuzz_api.py).
- `take_chat_turn`: messages per minute from one browser, and new browsers
  (no chat cookie yet) per minute from one address (Redis counters, under
  keyed hashes: no address is kept), so a script cannot fill the database,
  Redis and Rasa with cookie-less posts.
- `remember_chat_address` and `AddressBookings`: the bookings a day made
  from the web chats one address started (BOOKING_MAX_PER_ADDRESS_PER_DAY),
  so a script that drops its cookie cannot book every session. The
  address is kept only as a keyed hash, for a day, and is erased with the
  family's conversation.
"""

import hashlib
import hmac

from redis.asyncio import Redis

from api.settings import Settings

FAMILY_PATHS = ("/chat", "/chat/messages", "/chat/forget", "/sms/inbound", "/sms/status")
DAY_SECONDS = 86400


class BodyLimit:
    """ASGI middleware: 413 for a body over `max_bytes` on FAMILY_PATHS."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in FAMILY_PATHS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send)
            return
        body, more = b"", True
        while more:  # a body without a length (chunked) is counted as it comes
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _too_large(send)
                return
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class NoNullCharacters:
    """ASGI middleware: 400 for a NUL character in the path or query string."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and ("\x00" in scope.get("path", "")
                                        or b"%00" in (scope.get("query_string") or b"")):
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Bad request"})
            return
        await self.app(scope, receive, send)


async def _too_large(send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": b"Too large"})


def _hashed(settings: Settings, value: str) -> str:
    return hmac.new((settings.pseudonym_key or "limits").encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


async def take_chat_turn(redis: Redis, settings: Settings, address: str, browser: str, minute: int) -> bool:
    """Count one chat message; False when the browser or the address is over
    its limit this minute. `address` is empty for a browser that already has
    its chat cookie (only new browsers count against their address)."""
    keys = [f"chat:rate:browser:{_hashed(settings, browser)}:{minute}"]
    if address:
        keys.append(f"chat:rate:address:{_hashed(settings, address)}:{minute}")
    async with redis.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, 120)
        counts = (await pipe.execute())[::2]
    limits = (settings.chat_max_per_minute_per_browser, settings.chat_max_per_minute_per_address)
    return all(count <= limit for count, limit in zip(counts, limits))


def chat_address_key(family: str) -> str:
    """Where a web chat's address (hashed) is kept: `family` is the
    conversation id without its episode."""
    return f"chat:address:{family}"


async def remember_chat_address(redis: Redis, settings: Settings, family: str, address: str) -> None:
    """The address a new web chat came from, hashed, for a day."""
    await redis.set(chat_address_key(family), _hashed(settings, address), ex=DAY_SECONDS)


class AddressBookings:
    """Bookings made today from the chats one address started."""

    def __init__(self, redis: Redis, family: str, day: str) -> None:
        self.redis, self.family, self.day = redis, family, day
        self.address: str | None = None

    def _key(self) -> str:
        return f"booking:address:{self.address}:{self.day}"

    async def count(self) -> int:
        """How many so far (0 for a chat with no address kept: texts, or older chats)."""
        self.address = await self.redis.get(chat_address_key(self.family)) if self.family else None
        return int(await self.redis.get(self._key()) or 0) if self.address else 0

    async def add_one(self) -> None:
        if self.address:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(self._key())
                pipe.expire(self._key(), 2 * DAY_SECONDS)
                await pipe.execute()
