"""Fuzzing every operation in the api's OpenAPI schema: whatever is sent,
with or without the token, the api never answers with a 5xx (issue 13).

A short run here (a couple of hundred requests); `python -m bench.fuzz_api`
runs for two minutes and prints what it tried. Its own SQLite database
(migrated and seeded), so what the fuzz makes never reaches other tests;
Rasa and the action server are the loopback stand-ins, so a 503 "the
assistant is down" would be a real finding too.
"""

import time

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from api.db import make_engine, make_session_factory
from api.main import create_app
from api.seed import seed_all
from api.settings import REPO_ROOT
from tests.api.conftest import ACTIONS_TOKEN, make_settings, migrate
from tests.api.referral_helpers import TEST_DATA_KEY, encryption_key  # noqa: F401 - fixture
from tests.support.openapi_fuzz import operations, request_strategy, send

EXAMPLES = 250


@pytest.fixture(scope="module")
def fuzz_database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'familyhub.db'}"
    migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        seed_all(session, REPO_ROOT / "data")
    engine.dispose()
    return url


@pytest.fixture
def fuzz_client(fuzz_database, test_redis, fake_rasa, fake_actions, encryption_key):
    app = create_app(make_settings(fuzz_database, rasa_url=fake_rasa.url, actions_url=fake_actions.url,
                                   data_encryption_key=TEST_DATA_KEY, health_timeout_seconds=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_fuzz_covers_every_operation_of_the_schema(fuzz_client):
    spec = fuzz_client.app.openapi()
    names = {op.name for op in operations(spec)}
    assert len(names) > 50
    for expected in ("POST /internal/bookings/options", "POST /chat/messages", "POST /sms/inbound",
                     "GET /internal/answers/{key}", "POST /internal/nlg"):
        assert expected in names


def test_fuzzing_the_openapi_schema_finds_no_server_error(fuzz_client):
    spec = fuzz_client.app.openapi()
    seen: dict[str, int] = {}
    started = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(request_strategy(spec, ACTIONS_TOKEN))
    def no_5xx(request):
        response = send(fuzz_client, request)
        seen[request.operation.name] = seen.get(request.operation.name, 0) + 1
        assert response.status_code < 500, f"{request.describe()} answered {response.status_code}"

    no_5xx()
    assert len(seen) > 30  # most operations were tried
    assert time.monotonic() - started < 30


def test_the_fuzz_finds_a_server_error_when_there_is_one():
    """The same fuzz on a made-up app with one route that breaks on an
    empty hub: it is found (so the test above could fail)."""
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Asked(BaseModel):
        hub: str = ""
        children: int = 1

    app = FastAPI()

    @app.post("/internal/broken")
    def broken(body: Asked) -> dict:
        return {"per_child": len(body.hub) // body.children}  # 0 children: ZeroDivisionError

    @app.get("/fine")
    def fine(day: str = "") -> dict:
        return {"day": day}

    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        @settings(max_examples=200, deadline=None, database=None, derandomize=True, phases=[Phase.generate])
        @given(request_strategy(app.openapi(), ACTIONS_TOKEN))
        def tries(request):
            if send(client, request).status_code >= 500:
                failures.append(request.describe())

        tries()
    assert failures and all(found.startswith("POST /internal/broken") for found in failures)
