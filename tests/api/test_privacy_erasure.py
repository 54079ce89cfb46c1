"""An admin finds one family by phone number or reference and downloads or
erases everything held about them (staff page and command line); after an
erasure no row or key can be tied to the family except an audit line
without personal data."""

import io
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from api.turns.conversation import RASA_TRACKER_PREFIX
from api.privacy import cli
from api.privacy.erasure import find_family
from api.sms.models import SmsOptOut
from api.staff.audit import AuditEvent
from api.crypto import phone_hash
from tests.api.conftest import make_settings
from tests.api.privacy_helpers import (  # noqa: F401 - fixtures
    add_family, clean_privacy_tables, rows_tied_to, sms_conversation, web_conversation,
)
from tests.api.referral_helpers import TEST_DATA_KEY, encryption_key, make_staff, no_referrals, sign_in  # noqa: F401

UTC = timezone.utc
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PHONE = "07700 900123"
WORDS = "my partner takes all the money"


@pytest.fixture
def two_families(session_factory, clean_privacy_tables):
    ours = add_family(session_factory, AT, phone=PHONE, name="Marguerite", words=WORDS,
                      conversation_id=sms_conversation(PHONE), referral_status="claimed")
    # The same family on the web chat too, found through the number they gave there.
    add_family(session_factory, AT, phone=PHONE, name="Marguerite", words="and the web chat words",
               conversation_id=web_conversation("w" * 40), with_booking=False)
    other = add_family(session_factory, AT, phone="07700 900999", name="Bernadette",
                       words="another family entirely", conversation_id=sms_conversation("07700 900999"))
    return ours, other


def redis_of(test_redis, prefix: str) -> list[str]:
    names = [f"chat:transcript:{prefix}", f"chat:seen:{prefix}", f"conversation:{prefix}",
             f"{RASA_TRACKER_PREFIX}{prefix}-0123456789abcdef",
             f"language:{prefix}-0123456789abcdef"]  # the language the family writes in
    for name in names:
        test_redis.set(name, "gAAAAA-something", ex=600)
    return names


def audit_lines(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_admin_page_finds_downloads_and_erases_one_family(make_client, session_factory, two_families,
                                                              test_redis):
    ours, other = two_families
    client = make_client(data_encryption_key=TEST_DATA_KEY)
    ours_keys, other_keys = redis_of(test_redis, ours.prefix), redis_of(test_redis, other.prefix)
    token = sign_in(client, make_staff(session_factory, "admin"))

    found = client.post("/staff/families", data={"csrf_token": token, "reference": ours.referral_refs[0]})
    assert found.status_code == 200
    assert "requests: 2" in found.text and "texts received: 2" in found.text  # both conversations
    download = client.post("/staff/families", data={"csrf_token": token, "phone": PHONE, "action": "export"})
    assert download.headers["content-type"].startswith("application/json")
    held = download.json()
    assert {r["their_words"] for r in held["requests"]} == {WORDS, "and the web chat words"}
    assert held["bookings"][0]["first_name"] == "Marguerite"

    unconfirmed = client.post("/staff/families", data={"csrf_token": token, "phone": PHONE, "action": "erase"})
    assert unconfirmed.status_code == 422 and rows_tied_to(session_factory, ours)
    erased = client.post("/staff/families", data={"csrf_token": token, "phone": PHONE, "action": "erase",
                                                  "confirm": "yes"})
    assert erased.status_code == 200 and "has been erased" in erased.text

    assert rows_tied_to(session_factory, ours) == {}
    assert not any(test_redis.exists(name) for name in ours_keys)
    # The other family is untouched.
    assert rows_tied_to(session_factory, other)["requests"] == 1
    assert all(test_redis.exists(name) for name in other_keys)
    # Audited, by counts: never the number, the name or the words.
    lines = [line for action in ("family.searched", "family.exported", "family.erased")
             for line in audit_lines(session_factory, action)]
    assert len(lines) == 3
    for line in lines:
        text = json.dumps({"subject": line.subject_id, "detail": line.detail})
        assert "7700" not in text and "Marguerite" not in text and phone_hash(PHONE)[:12] not in text
    # Nothing found now.
    again = client.post("/staff/families", data={"csrf_token": token, "phone": PHONE})
    assert again.status_code == 404


@pytest.mark.parametrize("role", ["front_door", "worker", "comms"])
def test_only_an_admin_may_open_a_familys_data(make_client, session_factory, role):
    client = make_client(data_encryption_key=TEST_DATA_KEY)
    token = sign_in(client, make_staff(session_factory, role, hub_slug="riverside" if role == "worker" else None))
    assert client.get("/staff/families").status_code == 403
    assert client.post("/staff/families", data={"csrf_token": token, "phone": PHONE}).status_code == 403


def test_strangers_are_sent_to_sign_in(make_client):
    response = make_client().get("/staff/families", follow_redirects=False)
    assert response.status_code == 303 and "/staff/login" in response.headers["location"]


def test_the_command_line_exports_and_erases_and_a_stop_still_holds(database_url, session_factory, two_families,
                                                                    test_redis):
    ours, other = two_families
    with session_factory() as session, session.begin():
        session.add(SmsOptOut(phone_hash=phone_hash(PHONE), opted_out=True, keyword="STOP", changed_at=AT))
    settings = make_settings(database_url, data_encryption_key=TEST_DATA_KEY)
    out = io.StringIO()
    assert cli.run(settings, "export", phone=PHONE, out=out) == 0
    assert WORDS in out.getvalue() and json.loads(out.getvalue())["said_stop"] is True
    assert cli.run(settings, "erase", phone=PHONE, out=io.StringIO()) == 2  # not without --yes
    assert rows_tied_to(session_factory, ours)
    redis_of(test_redis, ours.prefix)

    out = io.StringIO()
    assert cli.run(settings, "erase", reference=ours.booking_refs[0], confirmed=True, out=out) == 0

    assert "never" not in out.getvalue() and "no texts" in out.getvalue()
    assert rows_tied_to(session_factory, ours) == {}
    assert not test_redis.keys(f"*{ours.prefix}*")
    assert rows_tied_to(session_factory, other)["requests"] == 1
    with session_factory() as session:  # a STOP is kept as a look-up hash alone
        assert session.scalar(select(SmsOptOut.opted_out).where(SmsOptOut.phone_hash == phone_hash(PHONE)))
    assert [line.detail["by"] for line in audit_lines(session_factory, "family.erased")] == ["command line"]


def test_a_family_is_found_through_every_conversation_it_had(session_factory, two_families):
    ours, _ = two_families
    with session_factory() as session:
        by_phone = find_family(session, "test-pseudonym-key", phone=PHONE)
        by_reference = find_family(session, "test-pseudonym-key", reference=ours.referral_refs[0].lower())
    assert by_phone.prefixes == by_reference.prefixes and len(by_phone.prefixes) == 2
