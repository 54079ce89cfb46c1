"""Rotating DATA_ENCRYPTION_KEY: a STOP still holds by every path (look-up
hashes have their own key, LOOKUP_HASH_KEY, never rotated), and
`python -m api.rekey` moves everything encrypted onto the newest key."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from redis.asyncio import Redis as AsyncRedis
from sqlalchemy import Text, delete, select, type_coerce

from api import crypto
from api.bookings.models import Booking, SessionDate
from api.bookings.reminders import queue_due_reminders
from api.bookings.service import create_booking, remember_contact
from api.chat.transcript import Entry, append, load
from api.crypto import EncryptionKeyMissing, FieldCipher, phone_hash
from api.referrals.models import Referral
from api.referrals.service import create_referral, send_text
from api.rekey import Rekeyed, encrypted_tables, rekey_database, rekey_redis
from api.sms.models import SmsInbound
from tests.api.referral_helpers import PAYLOAD, new_key
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, TEST_DATA_KEY, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)

LONDON = ZoneInfo("Europe/London")
SUNDAY_NOON = datetime(2026, 11, 22, 12, 0, tzinfo=LONDON)
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
NEW_KEY = "a-brand-new-key-after-rotation-0123456789"
OWN_LOOKUP_KEY = "the-look-up-key-that-never-changes-0123"


@pytest.fixture(autouse=True)
def no_bookings(session_factory, no_texts):
    with session_factory() as session, session.begin():
        session.execute(delete(Booking))
        session.execute(delete(SessionDate))
    yield


@pytest.fixture(autouse=True)
def back_on_the_test_key(session_factory):
    """A rotation here re-encrypts every row in the shared test database:
    put them back under the test key, so the tests that run later can read
    what earlier ones left."""
    yield
    crypto.use_key(f"{TEST_DATA_KEY},{NEW_KEY}", TEST_DATA_KEY)
    rekey_database(session_factory, Rekeyed())
    crypto.use_key(TEST_DATA_KEY)


# "own key": LOOKUP_HASH_KEY set from the start (a new install, `make run`
# writes one). "upgraded": an install from before LOOKUP_HASH_KEY, whose
# hashes were made with DATA_ENCRYPTION_KEY; at rotation it is set to that.
@pytest.mark.parametrize("lookup_before, lookup_after", [
    (OWN_LOOKUP_KEY, OWN_LOOKUP_KEY), ("", TEST_DATA_KEY),
], ids=["own key", "upgraded"])
def test_after_key_rotation_a_number_that_said_stop_gets_nothing(sms_app, twilio, fake_rasa, session_factory,
                                                                  lookup_before, lookup_after):
    before = sms_app(clock_frozen_at=MONDAY_10AM, lookup_hash_key=lookup_before)
    text_in(before, "STOP")
    run_jobs()
    assert len(twilio.to(FAMILY)) == 1  # the STOP confirmation

    rotated = sms_app(clock_frozen_at=MONDAY_10AM, data_encryption_key=f"{NEW_KEY},{TEST_DATA_KEY}",
                      lookup_hash_key=lookup_after)
    # A booking reminder, a worker's text and a text the family sends: nothing reaches the phone.
    with session_factory() as session:
        remember_contact(session, f"{'ab' * 16}-0123", FAMILY, SUNDAY_NOON)  # booked by text from that phone
        create_booking(session, {"conversation_id": f"{'ab' * 16}-0123", "channel": "sms",
                                 "occurrence": "riverside_messy_play_tue@2026-11-24", "first_name": "Jo",
                                 "children": 1, "child_ages_months": [30], "adults": 1, "phone": FAMILY},
                       new_key(), SUNDAY_NOON)
    with session_factory() as session:
        assert queue_due_reminders(session, MONDAY_10AM) == 1
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": "07700 900123"}},
                               new_key(), MONDAY_10AM)
        send_text(session, made.referral, None, "Hello, this is Sam from the hub.", MONDAY_10AM)
    text_in(rotated, "when is riverside open")
    run_jobs()

    assert len(twilio.to(FAMILY)) == 1
    assert fake_rasa.received == []
    reasons = {message.kind: delivery.reason for message, delivery in outbox(session_factory)
               if message.kind != "stop_confirmation" and delivery is not None}
    assert reasons.get("booking_reminder") == "opted_out" and reasons.get("staff_text") == "opted_out"
    assert inbound_rows(session_factory)[-1].handled_as == "opted_out"


def test_rotating_without_a_lookup_key_is_refused_rather_than_losing_every_stop():
    with pytest.raises(EncryptionKeyMissing, match="LOOKUP_HASH_KEY"):
        crypto.use_key(f"{NEW_KEY},{TEST_DATA_KEY}")
    crypto.use_key(f"{NEW_KEY},{TEST_DATA_KEY}", TEST_DATA_KEY)
    assert phone_hash(FAMILY) == FieldCipher([TEST_DATA_KEY]).lookup_hash("phone:" + FAMILY)


def raw_tokens(session_factory) -> list[str]:
    """Every encrypted value in the database, as stored."""
    tokens = []
    with session_factory() as session:
        for table, names in encrypted_tables():
            for name in names:
                tokens += [t for t in session.scalars(select(type_coerce(table.c[name], Text))) if t is not None]
    return tokens


def redis_clients(test_redis):
    """The test database again: a bytes client (as the command uses) and an async one (as the api)."""
    kwargs = {k: v for k, v in test_redis.connection_pool.connection_kwargs.items()
              if k in ("host", "port", "db", "password")}
    return redis.Redis(**kwargs), lambda: AsyncRedis(**kwargs, decode_responses=True)


def test_rekey_moves_every_encrypted_column_and_redis_onto_the_newest_key(sms_app, session_factory, test_redis):
    plain_redis, async_redis = redis_clients(test_redis)
    tracker = "familyhub:tracker:" + "ab" * 32 + "-01"
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "we have been told to leave our flat")
    with session_factory() as session:
        reference = create_referral(session, {**PAYLOAD, "contact": {**PAYLOAD["contact"], "phone": FAMILY}},
                                    new_key(), MONDAY_10AM).referral.reference

    async def keep_transcript():
        client = async_redis()
        await append(client, "ab" * 32, [Entry("family", "my words")], 600, 600)
        await client.aclose()
    asyncio.run(keep_transcript())
    plain_redis.set(tracker, crypto.cipher().encrypt('{"events": []}'), ex=600)
    before = raw_tokens(session_factory)
    assert len(before) > 5

    crypto.use_key(f"{NEW_KEY},{TEST_DATA_KEY}", TEST_DATA_KEY)
    result = Rekeyed()
    rekey_database(session_factory, result)
    rekey_redis(plain_redis, result)

    # Every value opens with the new key alone: the old key can be dropped.
    only_new = FieldCipher([NEW_KEY])
    after = raw_tokens(session_factory)
    assert len(after) == len(before) and result.counts["referrals"] > 0
    for token in after:
        only_new.decrypt(token)
    assert only_new.decrypt(plain_redis.get(tracker).decode()) == '{"events": []}'
    assert 0 < plain_redis.ttl(tracker) <= 600  # still expires as before

    crypto.use_key(NEW_KEY, TEST_DATA_KEY)
    with session_factory() as session:
        referral = session.scalar(select(Referral).where(Referral.reference == reference))
        assert referral.family_words == PAYLOAD["family_words"]
        assert session.scalar(select(SmsInbound.body)) == "we have been told to leave our flat"

    async def read_transcript():
        client = async_redis()
        entries = await load(client, "ab" * 32)
        await client.aclose()
        return [entry.text for entry in entries]
    assert asyncio.run(read_transcript()) == ["my words"]
