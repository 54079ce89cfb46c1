"""Shared FastAPI dependencies: settings and Redis from the app's state."""

from fastapi import Request
from redis.asyncio import Redis

from api.settings import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_redis(request: Request) -> Redis:
    return request.app.state.redis


def make_redis(settings: Settings) -> Redis:
    return Redis(
        host=settings.redis_host, port=settings.redis_port, db=settings.redis_db,
        password=settings.redis_password or None, socket_timeout=settings.health_timeout_seconds,
        socket_connect_timeout=settings.health_timeout_seconds, decode_responses=True,
    )
