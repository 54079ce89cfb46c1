"""Staff sessions in Redis.

The browser holds a random id in the `fh_staff` cookie. Redis holds the
session under a hash of that id (so a Redis dump gives nobody a working
cookie), and forgets it after `STAFF_SESSION_IDLE_SECONDS` without a request.
"""

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

COOKIE = "fh_staff"
LOGIN_COOKIE = "fh_staff_login"  # the login form's CSRF token, before there is a session


@dataclass
class StaffSession:
    session_id: str
    staff_id: int
    csrf_token: str
    started_at: float


def _key(session_id: str) -> str:
    return "staff:session:" + hashlib.sha256(session_id.encode()).hexdigest()


async def start_session(redis: Redis, staff_id: int, idle_seconds: int) -> StaffSession:
    session = StaffSession(secrets.token_urlsafe(32), staff_id, secrets.token_urlsafe(32), time.time())
    data = {"staff_id": staff_id, "csrf_token": session.csrf_token, "started_at": session.started_at}
    await redis.set(_key(session.session_id), json.dumps(data), ex=idle_seconds)
    return session


async def load_session(redis: Redis, session_id: str | None, idle_seconds: int) -> StaffSession | None:
    """The session for this cookie, its idle expiry pushed back; None if gone."""
    if not session_id or len(session_id) > 100:
        return None
    key = _key(session_id)
    raw = await redis.get(key)
    if raw is None:
        return None
    await redis.expire(key, idle_seconds)
    data = json.loads(raw)
    return StaffSession(session_id, int(data["staff_id"]), data["csrf_token"], float(data["started_at"]))


async def end_session(redis: Redis, session_id: str | None) -> None:
    if session_id:
        await redis.delete(_key(session_id))
