"""A family's own "delete my data", confirmed in the chat or by text: the api
erases their conversation data, says what was kept and why, and once the
turn is over nothing of it is left (the conversation through Rasa itself:
tests/conversations/test_privacy.py)."""

from datetime import datetime, timezone

import pytest

from api.turns.conversation import RASA_TRACKER_PREFIX
from api.privacy.erasure import finish_pending_erasures
from api.sms.runtime import current_runtime
from tests.api.conftest import AUTH
from tests.api.privacy_helpers import add_family, clean_privacy_tables, rows_tied_to  # noqa: F401
from tests.api.referral_helpers import encryption_key, no_referrals  # noqa: F401 - fixtures
from tests.api.sms_helpers import FAMILY, no_texts, run_jobs, sms_app, text_in, twilio  # noqa: F401

UTC = timezone.utc
LONG_AGO = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DONE = "Done. We have deleted your chats and texts with us, and your details."


def earlier(sender: str) -> str:
    """An earlier conversation of the same family (same keyed hash, another episode)."""
    return sender.rsplit("-", 1)[0] + "-0000aaaa"


def delete_my_data(client, conversation_id: str, channel: str) -> list[str]:
    """What the action server posts after the family's clear yes."""
    response = client.post("/internal/privacy/delete-my-data", headers=AUTH,
                           json={"conversation_id": conversation_id, "channel": channel})
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"]]


def test_by_web_chat_nothing_of_the_family_is_left(make_client, fake_rasa, session_factory, test_redis,
                                                   clean_privacy_tables):
    client = make_client(rasa_url=fake_rasa.url, clock_frozen_at=MONDAY_10AM, data_encryption_key="test-data-encryption-key")
    client.post("/chat/messages", json={"text": "i told you about my money worries"})
    sender = fake_rasa.received[0]["json"]["sender"]
    family = add_family(session_factory, LONG_AGO, phone="07700 900555", name="Marguerite",
                        words="i told you about my money worries", conversation_id=earlier(sender), with_booking=False)
    other = add_family(session_factory, LONG_AGO, phone="07700 900999", name="Bernadette",
                       words="another family", conversation_id="f" * 64 + "-01", with_booking=False)
    test_redis.set(f"{RASA_TRACKER_PREFIX}{sender}", "gAAAAA-rasa", ex=600)

    # Mid-turn: the family said yes, the action asks the api.
    told = delete_my_data(client, sender, "web")
    assert told == [DONE + " This chat will now start again."]
    # The turn ends: Rasa's reply comes back to the page.
    reply = client.post("/chat/messages", json={"text": "yes"})
    assert reply.status_code == 200

    assert rows_tied_to(session_factory, family) == {}
    assert not test_redis.keys(f"*{family.prefix}*")
    assert rows_tied_to(session_factory, other)["requests"] == 1
    # The page shows nothing of it on reload.
    assert "money worries" not in client.get("/chat").text


def test_by_text_the_family_is_told_and_nothing_is_left_once_the_reply_has_gone(
        sms_app, twilio, fake_rasa, session_factory, test_redis, clean_privacy_tables):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "delete my data")
    run_jobs()
    sender = fake_rasa.received[0]["json"]["sender"]
    family = add_family(session_factory, LONG_AGO, phone=FAMILY, name="Marguerite",
                        words="we had to leave the flat", conversation_id=earlier(sender), with_booking=False)

    told = delete_my_data(client, sender, "sms")
    assert told == [DONE]
    text_in(client, "yes")
    run_jobs()  # the reply goes out
    assert len(twilio.to(FAMILY)) == 2

    rt = current_runtime()
    assert finish_pending_erasures(rt.session_factory, rt.redis, MONDAY_10AM) == 1
    assert rows_tied_to(session_factory, family) == {}
    assert not test_redis.keys(f"*{family.prefix}*")
    assert not test_redis.exists("privacy:pending-erasures")


def test_an_open_request_and_a_stop_are_kept_and_the_family_is_told_why(
        sms_app, twilio, fake_rasa, session_factory, clean_privacy_tables):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "STOP")
    text_in(client, "START")
    text_in(client, "STOP")
    run_jobs()
    family = add_family(session_factory, LONG_AGO, phone=FAMILY, name="Marguerite", words="please help us",
                        conversation_id="ab" * 32 + "-01", referral_status="claimed", with_booking=False)

    told = delete_my_data(client, "ab" * 32 + "-02", "web")

    assert told[0].startswith("Done.")
    assert any("kept your request" in text and "someone is working on it" in text for text in told)
    assert any("never text you again" in text for text in told)
    assert rows_tied_to(session_factory, family) == {"requests": 1, "readable": 3}


def test_only_the_action_server_may_ask(make_client):
    response = make_client().post("/internal/privacy/delete-my-data", json={"conversation_id": "ab-01"})
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("body", [{}, {"conversation_id": ""}, {"conversation_id": 5}])
def test_a_bad_body_is_refused(make_client, body):
    assert make_client().post("/internal/privacy/delete-my-data", headers=AUTH, json=body).status_code == 422
