"""Safeguarding: a request passed to children's social care or the
safeguarding front door is recorded with reason and time, shown on the
queue, audited, and cannot be undone; the reminder to tell the family
safely; guidance beside topics, from data the safeguarding lead edits."""

import html

import pytest
from sqlalchemy import func, select

from api.referrals.models import ReferralEscalation
from api.staff.audit import AuditEvent
from tests.api.conftest import AUTH
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)

TUESDAY_10AM = london(2026, 11, 24, 10, 0)
TOLD_SAFE = ("If you say yes, I will pass on what you tell me to the family hub team. We only share it with "
             "anyone else if someone may not be safe. Is it OK to share this?")


@pytest.fixture
def client(make_client):
    return make_client(now=TUESDAY_10AM, data_encryption_key=TEST_DATA_KEY)


def post_referral(client, **changes) -> str:
    return client.post("/internal/referrals", json=payload(**changes),
                       headers={**AUTH, "Idempotency-Key": new_key()}).json()["referral_id"]


def flat(page: str) -> str:
    return " ".join(html.unescape(page).split())


def test_an_escalation_is_recorded_shown_on_the_queue_and_audited(client, session_factory):
    reference = post_referral(client)
    calm = post_referral(client, conversation_id="other-1", contact__phone="07700 900456")
    staff = make_staff(session_factory, "worker", hub_slug="riverside", name="Amira Hassan")
    token = sign_in(client, staff)
    response = client.post(f"/staff/referrals/{reference}/escalations", data={
        "csrf_token": token, "passed_to": "childrens_social_care", "passed_at": "2026-11-24T09:40",
        "reason": "Bruises on the baby's arm the mother could not explain."})
    page = flat(response.text)
    assert response.status_code == 200 and "The safeguarding record has been saved." in page
    banner = page[page.index('id="escalated"'):]
    assert "Children's social care</strong>, Tuesday 24 November 2026, 9:40am" in banner
    assert "Recorded by Amira Hassan" in banner and "Bruises on the baby's arm" in banner
    queue = flat(client.get("/staff/queue").text)
    row = queue[queue.index(f'data-referral="{reference}"'):]
    assert "Passed on for safeguarding" in row[:row.index("</tr>")]
    other = queue[queue.index(f'data-referral="{calm}"'):]
    assert "Passed on for safeguarding" not in other[:other.index("</tr>")]
    with session_factory() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.escalated",
                                                        AuditEvent.subject_id == reference))
    assert audit.staff_id == staff.id and audit.detail == {"passed_to": "childrens_social_care"}


def test_an_escalation_cannot_be_undone_and_a_correction_is_another_record(client, session_factory):
    reference = post_referral(client)
    token = sign_in(client, make_staff(session_factory, "front_door"))
    for passed_to in ("childrens_social_care", "safeguarding_front_door"):
        client.post(f"/staff/referrals/{reference}/escalations",
                    data={"csrf_token": token, "passed_to": passed_to, "reason": "See notes."})
    for method in (client.delete, client.put):
        assert method(f"/staff/referrals/{reference}/escalations").status_code == 405
    with session_factory() as session:
        assert session.scalar(select(func.count(ReferralEscalation.id))) == 2


@pytest.mark.parametrize("form, refusal", [
    ({"passed_to": "police", "reason": "x"}, "Choose where"),
    ({"passed_to": "childrens_social_care", "reason": ""}, "Give the reason"),
    ({"passed_to": "childrens_social_care", "reason": "x", "passed_at": "2026-11-25T09:00"}, "in the future"),
])
def test_an_incomplete_escalation_is_refused_and_nothing_kept(client, session_factory, form, refusal):
    reference = post_referral(client)
    token = sign_in(client, make_staff(session_factory, "front_door"))
    response = client.post(f"/staff/referrals/{reference}/escalations", data={"csrf_token": token, **form})
    assert response.status_code == 409 and refusal in response.text
    with session_factory() as session:
        assert session.scalar(select(func.count(ReferralEscalation.id))) == 0
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "referral.escalated_refused",
                                                          AuditEvent.subject_id == reference)) is not None


def test_a_worker_cannot_escalate_another_hubs_request(client, session_factory):
    reference = post_referral(client)
    token = sign_in(client, make_staff(session_factory, "worker", hub_slug="northgate"))
    response = client.post(f"/staff/referrals/{reference}/escalations",
                           data={"csrf_token": token, "passed_to": "childrens_social_care", "reason": "x"})
    assert response.status_code == 403


def test_the_page_reminds_the_worker_to_tell_the_family_safely_only_when_they_were_told(client, session_factory):
    told = post_referral(client, consent__wording=TOLD_SAFE)
    not_told = post_referral(client, conversation_id="other-1")
    sign_in(client, make_staff(session_factory, "front_door"))
    assert 'id="tell-family-reminder"' in client.get(f"/staff/referrals/{told}").text
    assert "only where it is safe to" in flat(client.get(f"/staff/referrals/{told}").text)
    assert 'id="tell-family-reminder"' not in client.get(f"/staff/referrals/{not_told}").text


def test_guidance_is_shown_beside_topics_that_need_judgement(client, session_factory):
    conflict = post_referral(client, topics=["separation"])
    teen = post_referral(client, conversation_id="other-1", topics=["teenagers"])
    sleep = post_referral(client, conversation_id="other-2", topics=["sleep"])
    sign_in(client, make_staff(session_factory, "front_door"))
    page = flat(client.get(f"/staff/referrals/{conflict}").text)
    assert "Domestic abuse or parental conflict?" in page and "Abuse is a pattern of control" in page
    assert "Signs of child exploitation" in flat(client.get(f"/staff/referrals/{teen}").text)
    page = client.get(f"/staff/referrals/{sleep}").text
    assert 'id="guidance-' not in page
