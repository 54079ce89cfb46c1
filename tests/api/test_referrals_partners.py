"""Partners ask the hub to contact a family: their own login and form, no
access to the queue, only their own requests; the request lands on the
queue marked as from a partner, and the family is texted who asked and
that it is their choice. Runs on SQLite and PostgreSQL."""

import html

import pytest
from sqlalchemy import select

from api.outbox.models import OutboxMessage
from api.referrals.models import Referral
from api.staff.audit import AuditEvent
from api.staff.models import StaffUser
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, hidden_token, london, make_staff, no_referrals, sign_in,
)

MONDAY_2PM = london(2026, 11, 23, 14, 0)
FORM = {"first_name": "Jo", "phone": "07700 900123", "hub": "riverside", "postcode": "",
        "help_wanted": "Jo is struggling with her son's behaviour at home and would like some support.",
        "contact_method": "call", "safe_to_text": "yes", "times": "weekday mornings before 11",
        "agreed": "yes", "asked_by": "Mrs Patel, family liaison officer", "asked_on": "2026-11-23",
        "agreement_words": "Yes please ask them to ring me"}


@pytest.fixture
def client(make_client):
    return make_client(now=MONDAY_2PM, data_encryption_key=TEST_DATA_KEY)


def school(session_factory, name="Fernbridge Primary School") -> StaffUser:
    partner = make_staff(session_factory, "partner", name="Ms Partner")
    with session_factory() as session:
        session.get(StaffUser, partner.id).organisation = name
        session.commit()
    return partner


def flat(page: str) -> str:
    return " ".join(html.unescape(page).split())


def send(client, **changes):
    form_page = client.get("/staff/partner/new").text
    data = {**FORM, **changes, "csrf_token": hidden_token(form_page),
            "idempotency_key": form_page.split('name="idempotency_key" value="')[1].split('"')[0]}
    return client.post("/staff/partner/new", data=data, follow_redirects=False)


def test_a_partner_request_lands_on_the_queue_marked_and_the_family_is_texted(client, make_client, session_factory):
    partner = school(session_factory)
    sign_in(client, partner)
    response = send(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff/partner?done=sent"
    with session_factory() as session:
        referral = session.scalar(select(Referral).where(Referral.partner_id == partner.id))
        reference = referral.reference
        assert referral.partner_consent == {"asked_by": "Mrs Patel, family liaison officer", "asked_on": "2026-11-23",
                                            "their_words": "Yes please ask them to ring me"}
        [text] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "partner_request")).all()
    # Monday 2pm, "weekday mornings before 11": tomorrow morning, and their choice.
    assert text.body == ("Hello Jo. Fernbridge Primary School asked Riverside Family Hub to get in touch with you, "
                         "as you agreed. Amira will call you tomorrow between 9am and 10am. It is your choice. "
                         "If you would rather we did not, just reply to say so.")
    front_door = make_client(now=MONDAY_2PM, data_encryption_key=TEST_DATA_KEY)
    sign_in(front_door, make_staff(session_factory, "front_door"))
    queue = flat(front_door.get("/staff/queue").text)
    row = queue[queue.index(f'data-referral="{reference}"'):]
    assert "From a partner: Fernbridge Primary School" in row[:row.index("</tr>")]
    page = flat(front_door.get(f"/staff/referrals/{reference}").text)
    assert 'The family agreed with Mrs Patel, family liaison officer on 2026-11-23, saying: "Yes please ask them' in page
    with session_factory() as session:
        made = session.scalar(select(AuditEvent).where(AuditEvent.action == "partner_request.made"))
    assert made.staff_id == partner.id and made.subject_id == reference


def test_a_partner_sees_only_their_own_requests_and_never_the_queue(client, make_client, session_factory):
    sign_in(client, school(session_factory))
    send(client)
    other = make_client(now=MONDAY_2PM, data_encryption_key=TEST_DATA_KEY)
    sign_in(other, school(session_factory, "Northgate GP Practice"))
    send(other, first_name="Sam", phone="07700 900456")
    mine = flat(client.get("/staff/partner").text)
    assert "<td class=\"govuk-table__cell\">Jo</td>" in mine and ">Sam<" not in mine
    assert "Waiting for a worker" in mine
    with session_factory() as session:
        reference = session.scalar(select(Referral.reference).where(Referral.partner_organisation
                                                                    == "Fernbridge Primary School"))
    for path in ("/staff/queue", f"/staff/referrals/{reference}", "/staff/feedback", "/staff/sessions"):
        assert client.get(path).status_code == 403, path


def test_a_front_door_worker_cannot_use_the_partner_form(client, session_factory):
    sign_in(client, make_staff(session_factory, "front_door"))
    assert client.get("/staff/partner/new").status_code == 403


@pytest.mark.parametrize("changes, field, message", [
    ({"agreed": ""}, "agreed", "The family must have agreed"),
    ({"asked_by": ""}, "asked_by", "Enter who asked the family"),
    ({"agreement_words": ""}, "agreement_words", "Write what the family said"),
    ({"asked_on": "2026-12-25"}, "asked_on", "cannot be in the future"),
    ({"phone": "not a number"}, "phone", "not a phone number"),
    ({"hub": "", "postcode": ""}, "hub", "Choose a hub"),
])
def test_a_request_without_what_is_needed_is_refused_with_the_field_named(client, session_factory, changes, field,
                                                                          message):
    sign_in(client, school(session_factory))
    response = send(client, **changes)
    assert response.status_code == 422
    page = flat(response.text)
    assert f'<a href="#{field}">' in page and message in page
    with session_factory() as session:
        assert session.scalar(select(Referral.id)) is None


def test_sending_the_form_twice_makes_one_request(client, session_factory):
    sign_in(client, school(session_factory))
    form_page = client.get("/staff/partner/new").text
    token = hidden_token(form_page)
    key = form_page.split('name="idempotency_key" value="')[1].split('"')[0]
    for _ in range(2):
        client.post("/staff/partner/new", data={**FORM, "csrf_token": token, "idempotency_key": key})
    with session_factory() as session:
        assert len(session.scalars(select(Referral.id)).all()) == 1
