"""The api tests run twice: on SQLite (a temp file) and on PostgreSQL
(TEST_POSTGRES_URL, in a fresh schema dropped afterwards). Each database is
migrated with Alembic and seeded with the demo borough and shipped content.
"""

import json
import os
import secrets
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from api.clock import get_now
from api.db import make_engine, make_session_factory, migrate_to_head as migrate, normalise_database_url
from api.main import create_app
from api.seed import seed_all
from api.settings import REPO_ROOT, Settings
from tests.support.http import QuietHandler
from tests.support.parts import part_missing
from tests.support.ports import unused_port

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# TEST_REDIS_DB lets two test runs on one machine keep apart.
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "15"))
ACTIONS_TOKEN = "test-actions-token"
# The tests use the Redis the app would (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD
# from the environment or .env): on a laptop with no Redis of its own, the
# fallback one `make test` starts on its own port.
APP = Settings()
PSEUDONYM_KEY = "test-pseudonym-key"


def _postgres_schema_url(schema: str) -> str:
    base = normalise_database_url(POSTGRES_URL)
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, seeded database; its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'familyhub.db'}"
        migrate(url)
        schema = None
    else:
        plain = normalise_database_url(POSTGRES_URL).replace("postgresql+psycopg://", "postgresql://")
        try:
            admin = psycopg.connect(plain, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as error:
            part_missing("postgresql", f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
        schema = f"api_test_{secrets.token_hex(4)}"
        admin.execute(f'CREATE SCHEMA "{schema}"')
        url = _postgres_schema_url(schema)
        migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        seed_all(session, REPO_ROOT / "data")
    engine.dispose()
    yield url
    if schema:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture(scope="session")
def session_factory(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(session_factory):
    """A session whose changes are rolled back after the test."""
    with session_factory() as session:
        yield session
        session.rollback()


# --- stand-in servers on loopback ---

class Recorder:
    """A tiny HTTP server that records requests and answers like Rasa
    (POST /webhooks/rest/webhook), Rasa's root (GET /) and the action
    server's GET /health. `trackers[sender]` is what GET
    /conversations/<sender>/tracker answers with as its events."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.trackers: dict[str, list[dict]] = {}
        recorder = self

        class Handler(QuietHandler):
            def do_GET(self):
                parts = self.path.split("?")[0].split("/")
                if len(parts) == 4 and parts[1] == "conversations" and parts[3] == "tracker":
                    return self._reply(recorder.status, {"events": recorder.trackers.get(parts[2], [])})
                self._reply(recorder.status, {"path": self.path})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                recorder.received.append({"path": self.path, "json": payload})
                if recorder.status >= 400:
                    self._reply(recorder.status, {"error": "broken"})
                else:
                    self._reply(200, [{"recipient_id": payload.get("sender"), "text": "Hello from the stand-in"},
                                      {"recipient_id": payload.get("sender"), "text": "A second reply"}])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Recorder":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_rasa() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def fake_actions() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def test_redis() -> Iterator[redis.Redis]:
    client = redis.Redis(host=APP.redis_host, port=APP.redis_port, password=APP.redis_password or None,
                         db=REDIS_TEST_DB, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError:
        part_missing("redis", f"Redis is not running on {APP.redis_host}:{APP.redis_port}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def make_settings(database_url: str, **overrides) -> Settings:
    values = dict(
        database_url=database_url, redis_host=APP.redis_host, redis_port=APP.redis_port,
        redis_password=APP.redis_password, redis_db=REDIS_TEST_DB, actions_api_token=ACTIONS_TOKEN,
        pseudonym_key=PSEUDONYM_KEY, rasa_url=f"http://127.0.0.1:{unused_port()}",
        actions_url=f"http://127.0.0.1:{unused_port()}", rasa_timeout_seconds=5, health_timeout_seconds=1,
        data_dir=REPO_ROOT / "data",
        # The look-up key comes from the test's own encryption key, never from
        # the LOOKUP_HASH_KEY that `make` exports from the developer's .env.
        lookup_hash_key="",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_client(database_url, test_redis):
    """Build a TestClient for an app with these settings (and optional fixed now)."""
    clients = []

    def build(now=None, **overrides) -> TestClient:
        app = create_app(make_settings(database_url, **overrides))
        if now is not None:
            app.dependency_overrides[get_now] = lambda: now
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


AUTH = {"Authorization": f"Bearer {ACTIONS_TOKEN}"}
