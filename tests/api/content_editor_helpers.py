"""Shared pieces for tests/api/test_content_editor_*.py: an answer of the
tests' own (so publishing never changes the shipped ones other tests read),
and an app client signed in as a given role."""

import secrets
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, select

from api.content.models import Answer, AnswerVersion
from api.staff.audit import AuditEvent
from tests.api.referral_helpers import TEST_DATA_KEY, make_staff, sign_in

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=timezone.utc)  # a Wednesday
GOOD_SMS = "You can come to any of our hubs. It is free, and you do not need to book."
GOOD_WEB = "You can come to any of our hubs. It is free, and you do not need to book. Ask me what is on."
CURLY = "\u2019"


def add_answer(session_factory, *, sms=GOOD_SMS, web=GOOD_WEB, placeholders=None, key=None, buttons=None) -> str:
    key = key or f"editor_test_{secrets.token_hex(4)}"
    with session_factory() as session, session.begin():
        answer = Answer(key=key, topic="Editor tests", title="An answer for the editor tests", sms_text=sms,
                        web_text=web, placeholders=placeholders or {}, buttons=buttons or [], version=1, source_hash="",
                        updated_by="seed")
        session.add(answer)
        session.flush()
        session.add(AnswerVersion(answer_id=answer.id, version=1, sms_text=sms, web_text=web, buttons=buttons or [],
                                  published_by="seed",
                                  note="Shipped in data/content"))
    return key


def remove_answer(session_factory, key: str) -> None:
    with session_factory() as session, session.begin():
        answer_id = session.scalar(select(Answer.id).where(Answer.key == key))
        if answer_id is not None:
            session.execute(delete(AnswerVersion).where(AnswerVersion.answer_id == answer_id))
            session.execute(delete(Answer).where(Answer.id == answer_id))


@pytest.fixture
def answer_key(session_factory):
    key = add_answer(session_factory)
    yield key
    remove_answer(session_factory, key)


@pytest.fixture
def template_key(session_factory):
    key = add_answer(session_factory, sms="{hub} is open now. Call {phone} to ask more.",
                     web="{hub} is open now. You can call {phone} to ask more.",
                     placeholders={"hub": "Riverside Family Hub", "phone": "01632 960001"})
    yield key
    remove_answer(session_factory, key)


@pytest.fixture
def signed_in(make_client, session_factory):
    """signed_in(role) -> (client, csrf token): a browser signed in as a new member of staff."""

    def sign(role: str):
        client = make_client(now=NOW, data_encryption_key=TEST_DATA_KEY)
        staff = make_staff(session_factory, role, hub_slug="riverside" if role == "worker" else None)
        return client, sign_in(client, staff)

    return sign


def audits(session_factory, action: str, subject_id: str | None = None) -> list[AuditEvent]:
    with session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if subject_id is not None:
            query = query.where(AuditEvent.subject_id == subject_id)
        return list(session.scalars(query))


def live_text(session_factory, key: str, channel: str = "sms") -> str:
    with session_factory() as session:
        answer = session.scalar(select(Answer).where(Answer.key == key))
        return answer.sms_text if channel == "sms" else answer.web_text


@pytest.fixture
def restore_answer(session_factory):
    """restore_answer(key): put a shipped answer back as it was after the
    test (its words, version and history), for tests that publish it."""
    saved: dict[str, tuple] = {}

    def keep(key: str) -> str:
        with session_factory() as session:
            row = session.scalar(select(Answer).where(Answer.key == key))
            saved[key] = (row.sms_text, row.web_text, row.version, row.updated_at, row.updated_by)
        return key

    yield keep
    with session_factory() as session, session.begin():
        for key, (sms, web, version, updated_at, updated_by) in saved.items():
            row = session.scalar(select(Answer).where(Answer.key == key))
            session.execute(delete(AnswerVersion).where(AnswerVersion.answer_id == row.id,
                                                        AnswerVersion.version > version))
            row.sms_text, row.web_text, row.version = sms, web, version
            row.updated_at, row.updated_by = updated_at, updated_by
