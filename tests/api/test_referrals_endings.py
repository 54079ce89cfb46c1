"""Planned endings and the one feedback question: closing asks how it
ended and sends the closing text; "Did we help?" goes once, a few days
later; the family's answer by text is kept (not sent to the assistant)
and shown, masked, to managers. Runs on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.outbox.models import OutboxMessage
from api.referrals import endings, service
from api.referrals.models import Referral
from api.staff.audit import AuditEvent
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)
from tests.api.sms_helpers import FAMILY, no_texts, run_jobs, sms_app, text_in, twilio  # noqa: F401

TUESDAY_10AM = london(2026, 11, 24, 10, 0)
FRIDAY_11AM = london(2026, 11, 27, 11, 0)


def claimed(session, session_factory, now=TUESDAY_10AM, **changes):
    made = service.create_referral(session, payload(**changes), new_key(), now)
    staff = make_staff(session_factory, "front_door")
    service.claim_referral(session, service.load_referral(session, made.referral.reference), staff, now)
    return service.load_referral(session, made.referral.reference), staff


def texts_of_kind(session_factory, kind):
    with session_factory() as session:
        return [m.body for m in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                                .order_by(OutboxMessage.id))]


# --- closing ---

def test_closing_records_how_it_ended_and_sends_the_warm_closing_text(db, session_factory):
    referral, staff = claimed(db, session_factory)
    assert endings.close_with_outcome(db, referral, staff, "passed_on", "Citizens Advice", "", TUESDAY_10AM)
    closed = service.load_referral(db, referral.reference)
    assert (closed.status, closed.outcome, closed.outcome_service) == ("closed", "passed_on", "Citizens Advice")
    assert texts_of_kind(session_factory, "closing") == [
        "Hi Jo, we have passed you on to Citizens Advice, who can help with this. We have closed your request "
        "with Riverside Family Hub. If you need us again, just text this number or use the chat on our website."]


@pytest.mark.parametrize("outcome, passed_to, notes, refusal", [
    ("", "", "", "Choose how the request ended"),
    ("finished", "", "", "Choose how the request ended"),
    ("passed_on", "", "", "which service"),
    ("other", "", "", "notes"),
])
def test_closing_without_what_is_needed_is_refused_and_nothing_sent(db, session_factory, outcome, passed_to,
                                                                    notes, refusal):
    referral, staff = claimed(db, session_factory)
    with pytest.raises(endings.EndingRefused, match=refusal):
        endings.close_with_outcome(db, referral, staff, outcome, passed_to, notes, TUESDAY_10AM)
    db.rollback()
    assert service.load_referral(db, referral.reference).status == "claimed"
    assert texts_of_kind(session_factory, "closing") == []


def test_no_closing_text_when_texts_are_not_safe(db, session_factory):
    referral, staff = claimed(db, session_factory, contact__safe_to_text=False, contact__method="call")
    assert not endings.close_with_outcome(db, referral, staff, "helped_here", "", "", TUESDAY_10AM)
    assert texts_of_kind(session_factory, "closing") == []


def test_a_new_request_must_be_claimed_before_it_is_closed(db):
    made = service.create_referral(db, payload(), new_key(), TUESDAY_10AM)
    with pytest.raises(endings.EndingRefused, match="Claim it first"):
        endings.close_with_outcome(db, made.referral, None, "helped_here", "", "", TUESDAY_10AM)


@pytest.fixture
def client(make_client):
    return make_client(now=TUESDAY_10AM, data_encryption_key=TEST_DATA_KEY)


def test_a_worker_closes_from_the_page_and_it_is_audited(client, session_factory):
    reference = client.post("/internal/referrals", json=payload(),
                            headers={"Authorization": "Bearer test-actions-token",
                                     "Idempotency-Key": new_key()}).json()["referral_id"]
    worker = make_staff(session_factory, "worker", hub_slug="riverside", name="Amira Hassan")
    token = sign_in(client, worker)
    client.post(f"/staff/referrals/{reference}/claim", data={"csrf_token": token})
    page = client.get(f"/staff/referrals/{reference}").text
    assert 'id="close-form"' in page and 'value="not_reached"' in page
    response = client.post(f"/staff/referrals/{reference}/close", data={
        "csrf_token": token, "outcome": "not_reached", "notes": "Three calls, no answer."})
    assert response.status_code == 200 and "The request is closed." in response.text
    page = " ".join(response.text.split())
    assert 'id="outcome">Could not reach the family' in page and "Three calls, no answer." in page
    assert texts_of_kind(session_factory, "closing")[0].startswith("Hi Jo, we tried to get in touch")
    with session_factory() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.subject_id == reference))]
    assert "referral.closed" in actions


# --- the feedback question ---

def test_did_we_help_is_asked_once_a_few_days_after_closing(db, session_factory):
    helped, staff = claimed(db, session_factory)
    endings.close_with_outcome(db, helped, staff, "helped_here", "", "", TUESDAY_10AM)
    unreached, staff = claimed(db, session_factory, conversation_id="other-1", contact__phone="07700 900456")
    endings.close_with_outcome(db, unreached, staff, "not_reached", "", "", TUESDAY_10AM)
    assert endings.ask_for_feedback(db, TUESDAY_10AM + timedelta(days=2)) == 0  # too soon
    assert endings.ask_for_feedback(db, FRIDAY_11AM) == 1                       # only the family we helped
    assert endings.ask_for_feedback(db, FRIDAY_11AM + timedelta(hours=1)) == 0  # once
    assert texts_of_kind(session_factory, "feedback_question") == [
        "Hi Jo, this is Riverside Family Hub. Did we help? Reply 1 yes, 2 a bit, 3 no. You can add a few words "
        "too. You do not have to answer."]


def test_the_familys_answer_by_text_is_kept_and_thanked_not_sent_to_the_assistant(
        sms_app, fake_rasa, twilio, session_factory):
    client = sms_app(clock_frozen_at=FRIDAY_11AM)
    with session_factory() as session:
        referral, staff = claimed(session, session_factory, contact__phone=FAMILY)
        endings.close_with_outcome(session, referral, staff, "helped_here", "", "", TUESDAY_10AM)
        assert endings.ask_for_feedback(session, FRIDAY_11AM) == 1
    text_in(client, "2 it was ok but call me on 07700 900123 next time")
    run_jobs()
    assert fake_rasa.received == []
    with session_factory() as session:
        kept = session.scalar(select(Referral).where(Referral.reference == referral.reference))
        assert kept.feedback_score == 2
        assert kept.feedback_words == "it was ok but call me on 07700 900123 next time"
    assert twilio.to(FAMILY)[-1]["Body"].startswith("Thank you for telling us.")
    # A "1" later, with no question waiting, goes to the assistant as usual.
    text_in(client, "1")
    run_jobs()
    assert [call["json"]["message"] for call in fake_rasa.received] == ["1"]


def test_managers_see_what_families_told_us_masked_and_can_download_it(client, make_client, db, session_factory):
    referral, staff = claimed(db, session_factory)
    endings.close_with_outcome(db, referral, staff, "helped_here", "", "", TUESDAY_10AM)
    endings.ask_for_feedback(db, FRIDAY_11AM)
    assert endings.take_feedback_reply(db, referral.phone_hash, "3 nobody rang my number 07700 900123",
                                       FRIDAY_11AM) is not None
    for role in ("worker", "front_door", "partner", "comms"):
        other = make_client(now=TUESDAY_10AM, data_encryption_key=TEST_DATA_KEY)
        sign_in(other, make_staff(session_factory, role, hub_slug="riverside"))
        assert other.get("/staff/feedback").status_code == 403, role
    manager = make_staff(session_factory, "manager")
    sign_in(client, manager)
    page = " ".join(client.get("/staff/feedback", params={"start": "2026-11-01", "end": "2026-11-30"}).text.split())
    assert "nobody rang my number [phone]" in page and "07700 900123" not in page
    assert '<th scope="row" class="govuk-table__header">No</th><td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page
    download = client.get("/staff/feedback", params={"start": "2026-11-01", "end": "2026-11-30", "download": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines()[1].endswith(",Riverside Family Hub,No,nobody rang my number [phone]")
    with session_factory() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.staff_id == manager.id))]
    assert "feedback.viewed" in actions and "feedback.downloaded" in actions
