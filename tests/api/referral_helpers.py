"""Shared pieces for the referral tests: a key, a clean table, a payload,
signed-in staff. Imported by tests/api/test_referrals_*.py."""

import copy
import re
import secrets
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from api import crypto
from api.outbox.models import OutboxMessage
from api.referrals.models import Referral, ReferralEvent
from api.staff.models import StaffUser
from api.staff.passwords import hash_password

LONDON = ZoneInfo("Europe/London")
TEST_DATA_KEY = "test-data-encryption-key"
PASSWORD = "correct horse battery staple"

PAYLOAD = {
    "conversation_id": "c0ffee-1",
    "channel": "web",
    "consent": {"wording": "Can I pass what you tell me to the Riverside team?", "answer": "yes",
                "at": "2026-11-23T09:58:00+00:00"},
    "family_words": "My son has stopped going to school and I am worried sick.",
    "first_name": "Jo",
    "contact": {"method": "text", "phone": "07700 900123", "times": "any time", "safe_to_text": True,
                "safe_to_leave_message": True, "needs": ""},
    "hub": "river side",
    "topics": ["send_support"],
    "urgent": False,
    "transcript": [{"from": "family", "text": "my son wont go to school", "at": "2026-11-23T09:57:00+00:00"},
                   {"from": "assistant", "text": "I'm sorry to hear that.", "at": "2026-11-23T09:57:01+00:00"}],
}


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def payload(**changes) -> dict:
    """PAYLOAD with changes; `contact__phone="x"` changes a nested field."""
    data = copy.deepcopy(PAYLOAD)
    for name, value in changes.items():
        target, *path = name.split("__")
        if path:
            data[target][path[0]] = value
        else:
            data[target] = value
    return data


def new_key() -> str:
    return secrets.token_hex(8)


@pytest.fixture(autouse=True)
def encryption_key():
    crypto.use_key(TEST_DATA_KEY)
    yield TEST_DATA_KEY
    crypto.use_key(TEST_DATA_KEY)


@pytest.fixture(autouse=True)
def no_referrals(session_factory, encryption_key):
    """Every test starts with no referrals (counts of open ones pick workers)."""
    with session_factory() as session, session.begin():
        session.execute(delete(OutboxMessage))
        session.execute(delete(ReferralEvent))
        session.execute(delete(Referral))
    yield


def make_staff(session_factory, role: str, hub_slug: str | None = None, name: str | None = None) -> StaffUser:
    with session_factory() as session, session.begin():
        staff = StaffUser(email=f"{role}-{secrets.token_hex(4)}@fernbridge.example",
                          name=name or f"Test {role.replace('_', ' ')}", role=role, hub_slug=hub_slug,
                          password_hash=hash_password(PASSWORD))
        session.add(staff)
    return staff


def hidden_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def sign_in(client, staff: StaffUser) -> str:
    """Sign in as a browser does; returns the session's CSRF token."""
    form = client.get("/staff/login")
    response = client.post("/staff/login", data={"email": staff.email, "password": PASSWORD, "next": "",
                                                 "csrf_token": hidden_token(form.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return hidden_token(client.get("/staff").text)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
