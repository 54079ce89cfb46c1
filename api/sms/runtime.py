"""What the SMS code needs at run time: settings, the database, Redis and
the job queues. Built once per process: by `create_app` for the api, and
on first use in each worker process (after the fork, so no database
connection is ever shared between processes).
"""

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property

from redis import Redis
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings

# Workers take jobs in this order: texts waiting to go out first.
SEND_QUEUE = "sms-send"
TURN_QUEUE = "sms-turns"
UPKEEP_QUEUE = "sms-upkeep"
QUEUES = (SEND_QUEUE, TURN_QUEUE, UPKEEP_QUEUE)


def make_sync_redis(settings: Settings) -> Redis:
    """A plain (bytes, blocking) client, as rq needs."""
    return Redis(host=settings.redis_host, port=settings.redis_port, db=settings.redis_db,
                 password=settings.redis_password or None, socket_timeout=10,
                 socket_connect_timeout=settings.health_timeout_seconds)


def wall_clock() -> datetime:
    """The real time, for what really happened when (even in a test with
    the business clock frozen)."""
    return datetime.now(timezone.utc)


@dataclass
class SmsRuntime:
    settings: Settings
    session_factory: sessionmaker[Session]
    redis: Redis
    pid: int = field(default_factory=os.getpid)

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.redis)

    def now(self) -> datetime:
        """The business clock (CLOCK_FROZEN_AT in tests): quiet hours go by it."""
        return self.settings.clock_frozen_at or wall_clock()

    @cached_property
    def twilio(self):
        """The real twilio Client, its REST base URL from TWILIO_API_BASE_URL."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(self.settings.twilio_account_sid, self.settings.twilio_auth_token,
                        http_client=TwilioHttpClient(timeout=15))
        client.api.base_url = self.settings.twilio_api_base_url.rstrip("/")
        return client


_runtime: SmsRuntime | None = None


def use_runtime(runtime_now: SmsRuntime | None) -> None:
    global _runtime
    _runtime = runtime_now


def current_runtime() -> SmsRuntime | None:
    """This process's runtime if one was set up here (not inherited by a fork)."""
    return _runtime if _runtime is not None and _runtime.pid == os.getpid() else None


def runtime() -> SmsRuntime:
    """This process's runtime, built from the environment's settings if
    none was set (a worker process)."""
    found = current_runtime()
    if found is None:
        from api.crypto import use_key
        from api.db import make_engine, make_session_factory
        from api.models import load_all_models
        from api.settings import get_settings

        load_all_models()  # every table, so foreign keys between packages resolve
        settings = get_settings()
        use_key(settings.data_encryption_key, settings.lookup_hash_key)
        found = SmsRuntime(settings, make_session_factory(make_engine(settings.database_url)),
                           make_sync_redis(settings))
        use_runtime(found)
    return found
