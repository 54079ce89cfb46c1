"""Shared by the tests of what endpoints.yml gives Rasa."""
import os

import pytest
import redis

REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))


@pytest.fixture
def raw_redis(monkeypatch):
    """A real Redis (REDIS_HOST/REDIS_PORT/REDIS_PASSWORD as the app, the
    database TEST_REDIS_DB), emptied, with the settings endpoints.yml names."""
    monkeypatch.setenv("REDIS_HOST", os.environ.get("REDIS_HOST", "127.0.0.1"))
    monkeypatch.setenv("REDIS_PORT", os.environ.get("REDIS_PORT", "6379"))
    monkeypatch.setenv("REDIS_PASSWORD", os.environ.get("REDIS_PASSWORD", ""))
    monkeypatch.setenv("REDIS_DB", str(REDIS_DB))
    monkeypatch.setenv("CONVERSATION_QUIET_SECONDS", "86400")
    for name in ("ACTIONS_URL", "API_URL"):  # other endpoints in the file; not reached here
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("ACTIONS_API_TOKEN", "not-used")
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", "a-test-key-of-thirty-two-chars!!")  # tests set their own
    client = redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]), db=REDIS_DB,
                         password=os.environ["REDIS_PASSWORD"] or None)
    client.ping()  # a missing Redis fails here: it is a real part of this test
    client.flushdb()
    yield client
    client.flushdb()
