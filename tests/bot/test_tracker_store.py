"""Rasa's tracker store keeps the family's words encrypted in Redis
(bot/tracker_store.py), loaded from endpoints.yml exactly as `rasa run` does,
on a real Redis (REDIS_HOST/REDIS_PORT/REDIS_PASSWORD as the app, the
database TEST_REDIS_DB)."""
import asyncio
import json
import os

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from api.crypto import EncryptionKeyMissing, FieldCipher
from bot.tracker_store import EncryptedRedisTrackerStore

DOMAIN = Domain.load("domain.yml")
STORY = "we have been told to leave our flat"
SENDER = "ab" * 32 + "-0123456789abcdef"
KEY = f"familyhub:tracker:{SENDER}"


def store_from_endpoints(monkeypatch, key: str) -> TrackerStore:
    """The tracker store as `rasa run --endpoints endpoints.yml` makes it."""
    monkeypatch.setenv("DATA_ENCRYPTION_KEY", key)
    return TrackerStore.create(read_endpoint_config("endpoints.yml", "tracker_store"), DOMAIN)


def handover_tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(SENDER, [
        UserUttered(STORY, intent={"name": "tell_story"}, metadata={"channel": "web"}),
        SlotSet("first_name", "Jolene"), SlotSet("phone", "07700 900123"),
    ], slots=DOMAIN.slots)


def test_what_rasa_writes_is_encrypted_and_reads_back_whole(monkeypatch, raw_redis):
    store = store_from_endpoints(monkeypatch, "first-secret-of-thirty-two-chars!")
    assert not isinstance(store, InMemoryTrackerStore), "Rasa fell back to memory: the class did not load"
    asyncio.run(store.save(handover_tracker()))

    raw = raw_redis.get(KEY)
    assert raw is not None
    for readable in (STORY, "Jolene", "07700 900123", "tell_story"):
        assert readable.encode() not in raw
    # The api's own keys open it (re-encrypting and erasing use them).
    assert STORY in FieldCipher(["first-secret-of-thirty-two-chars!"]).decrypt(raw.decode())
    # It lives as long as a conversation does, no longer.
    assert 0 < raw_redis.ttl(KEY) <= 86400

    tracker = asyncio.run(store.retrieve(SENDER))
    assert tracker.latest_message.text == STORY
    assert tracker.get_slot("first_name") == "Jolene"
    assert KEY in list(asyncio.run(store.keys()))


def test_after_a_key_rotation_rasa_still_reads_the_conversation(monkeypatch, raw_redis):
    asyncio.run(store_from_endpoints(monkeypatch, "old-secret").save(handover_tracker()))
    rotated = store_from_endpoints(monkeypatch, "new-secret,old-secret")
    tracker = asyncio.run(rotated.retrieve(SENDER))
    assert tracker.latest_message.text == STORY
    # Saved again: now under the new key alone.
    tracker.update(UserUttered("thank you", intent={"name": "thank"}))
    asyncio.run(rotated.save(tracker))
    assert "thank you" in FieldCipher(["new-secret"]).decrypt(raw_redis.get(KEY).decode())


def test_with_no_key_rasa_refuses_rather_than_keep_plain_text(monkeypatch, raw_redis):
    with pytest.raises(EncryptionKeyMissing):
        EncryptedRedisTrackerStore(DOMAIN, host=os.environ["REDIS_HOST"], port=os.environ["REDIS_PORT"],
                                   db=os.environ["REDIS_DB"], encryption_key="")


def test_a_tracker_kept_before_encryption_is_read_then_encrypted(monkeypatch, raw_redis):
    store = store_from_endpoints(monkeypatch, "a-secret")
    raw_redis.set(KEY, json.dumps({"sender_id": SENDER, "events": [e.as_dict() for e in handover_tracker().events]}))
    tracker = asyncio.run(store.retrieve(SENDER))
    assert tracker is not None and tracker.latest_message.text == STORY
    asyncio.run(store.save(tracker))
    assert STORY.encode() not in raw_redis.get(KEY)
