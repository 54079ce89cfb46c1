"""Checks for Rasa, the action server, Redis and the database, run together
with short timeouts."""

import asyncio

import httpx
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from api.settings import Settings
from api.turns.rasa import client


async def _http_ok(url: str, timeout: float, params: dict | None = None) -> bool:
    try:
        async with client(timeout) as http:
            response = await http.get(url, params=params)
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
    # Rasa is up once it has a model: it pulls it from the api at start
    # (endpoints.yml `models:`), and `/status` says 409 until it has one.
    rasa_check = (_http_ok(f"{settings.rasa_url.rstrip('/')}/status", timeout, {"token": settings.rasa_token})
                  if settings.rasa_token else _http_ok(f"{settings.rasa_url.rstrip('/')}/", timeout))
    rasa, actions, redis_up, database = await asyncio.gather(
        rasa_check,
        _http_ok(f"{settings.actions_url.rstrip('/')}/health", timeout),
        asyncio.wait_for(_redis_ok(redis), timeout * 2),
        asyncio.wait_for(asyncio.to_thread(_database_ok, session_factory), timeout * 5),
        return_exceptions=True,
    )
    checks = {name: "ok" if result is True else "down" for name, result in
              (("rasa", rasa), ("actions", actions), ("redis", redis_up), ("database", database))}
    return {"status": "ok" if all(v == "ok" for v in checks.values()) else "degraded", "checks": checks}


async def redis_persistence_warning(redis: Redis, may_persist: bool) -> str | None:
    """Why Redis keeping data on disk is a worry, or None when it is not.

    Redis holds the conversations (encrypted, but a disk copy outlives the
    expiry and the erasures), so it should keep nothing on disk (`save ""`,
    `appendonly no`, as docker-compose and `make run` start it) unless the
    operator says it may (REDIS_MAY_PERSIST=true). Checked at start-up."""
    if may_persist:
        return None
    try:
        save = (await redis.config_get("save")).get("save", "")
        appendonly = (await redis.config_get("appendonly")).get("appendonly", "no")
    except Exception as error:  # noqa: BLE001 - managed Redis often refuses CONFIG
        return (f"could not check whether Redis keeps data on disk ({type(error).__name__}); "
                "make sure it does not, or set REDIS_MAY_PERSIST=true")
    kinds = ([f"snapshots (save {save!r})"] if str(save).strip() else []) + (
        ["an append-only file"] if str(appendonly).lower() == "yes" else [])
    if not kinds:
        return None
    return ("Redis keeps data on disk (" + " and ".join(kinds) + "): copies of conversations can outlive "
            "their expiry and erasure. Start it with --save '' --appendonly no, "
            "or set REDIS_MAY_PERSIST=true if that is intended")


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
