"""Whole conversations through the api, with the trained model, the real
action server and real Redis (see tests/support/stack.py)."""
import os
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from tests.support.stack import MODEL, start_stack
from tests.support.staff import logged_in

REPO = Path(__file__).resolve().parents[2]
# Kept apart from `make run` (0) and the api tests (15); TEST_CONVERSATIONS_REDIS_DB
# lets two runs on one machine keep apart.
REDIS_DB = int(os.environ.get("TEST_CONVERSATIONS_REDIS_DB", "14"))
DAYTIME = "2026-11-24T10:30:00+00:00"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("No trained model: `make test` trains one before the tests run.")
    workdir = tmp_path_factory.mktemp("stack")
    # A Tuesday morning, when the hub is open, so what a family is told does
    # not depend on the hour the tests run (out of hours is tested on its own).
    running = start_stack(workdir, REDIS_DB, CLOCK_FROZEN_AT=DAYTIME)
    yield running
    running.stop_all()


@pytest.fixture(scope="session")
def tracker_redis(stack):
    env = stack.env
    client = redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]),
                         db=REDIS_DB, password=env["REDIS_PASSWORD"] or None)
    client.flushdb()
    return client


class Chat:
    """One family's web chat: keeps its cookie, like a browser."""

    def __init__(self, api_url: str):
        self.http = httpx.Client(base_url=api_url, timeout=60)

    def send(self, text: str) -> httpx.Response:
        return self.http.post("/chat/messages", json={"text": text})

    def say(self, text: str) -> list[str]:
        response = self.send(text)
        assert response.status_code == 200, response.text
        return [message["text"] for message in response.json()["messages"]]


@pytest.fixture
def chat(stack):
    return Chat(stack.api_url)


@pytest.fixture(scope="session")
def answers():
    """The shipped web wording of every answer, by key. Placeholders get
    their example values, which are the demo directory's."""
    texts = {}
    for path in sorted((REPO / "data/content").glob("*.yml")):
        for answer in yaml.safe_load(path.read_text()).get("answers", []):
            web = answer["web"]
            if answer.get("placeholders"):
                web = web.format(**answer["placeholders"])
            texts[answer["key"]] = " ".join(web.split())
    return texts


@pytest.fixture
def internal(stack):
    """Ask the api's internal routes directly, as the actions do."""
    client = httpx.Client(base_url=stack.api_url, timeout=30,
                          headers={"Authorization": f"Bearer {stack.env['ACTIONS_API_TOKEN']}"})

    def texts(path, **words):
        # The family's words go in a body, never a query string (as the actions send them).
        response = client.post(f"/internal/{path}", json={"channel": "web", **words})
        assert response.status_code == 200, response.text
        return [m["text"] for m in response.json()["messages"]]

    return texts


@pytest.fixture
def front_door(stack):
    """A front-door member of staff, logged in to the staff pages."""
    return logged_in(stack.api_url, "frontdoor1@fernbridge.example", stack.env["DEMO_STAFF_PASSWORD"])
