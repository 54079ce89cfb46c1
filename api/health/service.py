"""Checks for Rasa, the action server, Redis and the database, run together
with short timeouts."""

import asyncio

import httpx
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from api.settings import Settings


async def _http_ok(url: str, timeout: float) -> bool:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
        return response.status_code < 400
    except httpx.HTTPError:
        return False


async def _redis_ok(redis: Redis) -> bool:
    try:
        return bool(await redis.ping())
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False


def _database_ok(session_factory: sessionmaker) -> bool:
    try:
        with session_factory() as session:
            session.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False


async def health_checks(settings: Settings, redis: Redis, session_factory: sessionmaker) -> dict:
    """`{"status": "ok"|"degraded", "checks": {part: "ok"|"down"}}`."""
    timeout = settings.health_timeout_seconds
    rasa, actions, redis_up, database = await asyncio.gather(
        _http_ok(f"{settings.rasa_url.rstrip('/')}/", timeout),
        _http_ok(f"{settings.actions_url.rstrip('/')}/health", timeout),
        asyncio.wait_for(_redis_ok(redis), timeout * 2),
        asyncio.wait_for(asyncio.to_thread(_database_ok, session_factory), timeout * 5),
        return_exceptions=True,
    )
    checks = {name: "ok" if result is True else "down" for name, result in
              (("rasa", rasa), ("actions", actions), ("redis", redis_up), ("database", database))}
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "degraded", "checks": checks}


async def readiness_checks(settings: Settings, redis: Redis, session_factory: sessionmaker) -> dict:
    """Only what the api needs to do its own work: Redis and the database."""
    timeout = settings.health_timeout_seconds
    redis_up, database = await asyncio.gather(
        asyncio.wait_for(_redis_ok(redis), timeout * 2),
        asyncio.wait_for(asyncio.to_thread(_database_ok, session_factory), timeout * 5),
        return_exceptions=True,
    )
    checks = {name: "ok" if result is True else "down" for name, result in
              (("redis", redis_up), ("database", database))}
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "degraded", "checks": checks}
