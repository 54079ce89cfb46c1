"""The staff register: each day's sessions and who booked, calling off a
date (every family texted, once), marking who came. Who may see what, and
the audit log."""

import re

import pytest
from sqlalchemy import select

from api.bookings import service
from api.staff.audit import AuditEvent
from tests.api.booking_helpers import (  # noqa: F401 - fixtures
    MESSY_TUESDAY, MONDAY_10AM, TEST_DATA_KEY, booking_body, bookings_with, encryption_key, london, new_key,
    no_bookings, places_taken, said_yes, texts,
)
from tests.api.conftest import AUTH
from tests.api.referral_helpers import make_staff, sign_in

TUESDAY_PAGE = "/staff/sessions?day=2026-11-24"
CANCEL_TUESDAY = "/staff/sessions/riverside_messy_play_tue/2026-11-24/cancel"


@pytest.fixture
def client(make_client):
    return make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY)


@pytest.fixture
def tuesday_client(make_client):
    """Staff on the day of the session, after it."""
    return make_client(now=london(2026, 11, 24, 12), data_encryption_key=TEST_DATA_KEY)


@pytest.fixture
def booked(session_factory):
    """Two families booked on Tuesday's messy play, one waiting for a place."""
    made = []
    with session_factory() as session:
        made.append(service.create_booking(session, booking_body(first_name="Jo", children=2,
                                                                 child_ages_months=[24, 40]), new_key(), MONDAY_10AM))
        made.append(service.create_booking(session, booking_body(first_name="Sam", children=6,
                                                                 child_ages_months=[20, 30, 36, 40, 50, 60],
                                                                 phone="07700 900222"), new_key(), MONDAY_10AM))
        made.append(service.create_booking(session, booking_body(
            "wait:" + MESSY_TUESDAY, first_name="Kim", children=3, child_ages_months=[30, 30, 30],
            phone="07700 900333"), new_key(), MONDAY_10AM))
        for result in made:  # each phone replied YES, so texts about the bookings may go
            said_yes(session, result.booking, MONDAY_10AM)
    return [result.booking for result in made]


def audits(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def section(html: str, occurrence: str) -> str:
    match = re.search(rf'<section[^>]*data-occurrence="{re.escape(occurrence)}".*?</section>', html, re.S)
    assert match, f"no section for {occurrence}"
    return match.group(0)


def test_strangers_are_sent_to_sign_in(client):
    response = client.get(TUESDAY_PAGE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login?next=")
    posted = client.post(CANCEL_TUESDAY, data={"reason": "ill"}, follow_redirects=False)
    assert posted.status_code in (303, 403)


def test_comms_cannot_see_registers(client, session_factory):
    sign_in(client, make_staff(session_factory, "comms"))
    assert client.get(TUESDAY_PAGE).status_code == 403


def test_the_staff_home_links_to_the_sessions(client, session_factory):
    sign_in(client, make_staff(session_factory, "worker", hub_slug="riverside"))
    assert 'href="/staff/sessions"' in client.get("/staff").text


def test_front_door_sees_every_hubs_register(client, session_factory, booked):
    sign_in(client, make_staff(session_factory, "front_door"))
    page = client.get(TUESDAY_PAGE)
    assert page.status_code == 200
    assert "Tuesday 24 November 2026" in page.text
    messy = section(page.text, MESSY_TUESDAY)
    assert "8 of 10 places taken" in messy
    jo, sam, kim = booked
    assert f'id="booking-{jo.reference}"' in messy and '<td class="govuk-table__cell">Jo</td>' in messy and "2 (aged 2 years, 3 years)" in messy
    assert "Sam" in messy and f">{kim.reference}<" in messy and "Waiting list" in messy
    assert 'data-occurrence="oakfield_youth_tue@2026-11-24"' in page.text  # another hub
    assert 'href="/staff/sessions?day=2026-11-23"' in page.text and 'href="/staff/sessions?day=2026-11-25"' in page.text
    [viewed] = audits(session_factory, "session_register.viewed")
    assert viewed.subject_id == "2026-11-24" and viewed.detail["bookings_shown"] == 3
    assert "Jo" not in str(viewed.detail)


def test_a_worker_sees_only_their_own_hub(client, session_factory, booked):
    sign_in(client, make_staff(session_factory, "worker", hub_slug="northgate"))
    page = client.get(TUESDAY_PAGE + "&hub=riverside").text
    assert "data-occurrence=\"northgate_parenting_course_tue@2026-11-24\"" not in page  # not that fortnight
    assert MESSY_TUESDAY not in page and '<td class="govuk-table__cell">Jo</td>' not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff").text).group(1)
    assert client.post(CANCEL_TUESDAY, data={"reason": "ill", "csrf_token": token}).status_code == 403
    assert client.post(f"/staff/bookings/{booked[0].reference}/attendance",
                       data={"status": "attended", "csrf_token": token}).status_code == 403
    assert places_taken(session_factory, MESSY_TUESDAY) == 8 and texts(session_factory, "booking_date_cancelled") == []


def test_calling_off_a_date_texts_every_family_once(client, session_factory, booked):
    staff = make_staff(session_factory, "worker", hub_slug="riverside")
    token = sign_in(client, staff)
    response = client.post(CANCEL_TUESDAY, data={"reason": "the leader is ill", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and "done=cancelled" in response.headers["location"]
    sent = texts(session_factory, "booking_date_cancelled")
    assert sorted(t.to_phone for t in sent) == ["+447700900123", "+447700900222", "+447700900333"]
    jo = next(t for t in sent if t.booking_id == booked[0].id)
    assert jo.body == (f"Sorry, Messy play at Riverside Family Hub on Tuesday 24 November is not on. The hub has "
                       f"had to call it off: the leader is ill. Your booking {booked[0].reference} is cancelled. "
                       "You do not need to do anything.")
    assert {b.status for b in bookings_with(session_factory)} == {"cancelled"}
    assert places_taken(session_factory, MESSY_TUESDAY) == 0

    again = client.post(CANCEL_TUESDAY, data={"reason": "the leader is ill", "csrf_token": token})
    assert again.status_code == 200  # followed the redirect to the page
    assert len(texts(session_factory, "booking_date_cancelled")) == 3
    assert "Called off: the leader is ill" in client.get(TUESDAY_PAGE).text

    needs = client.get("/internal/bookings/needs", params={"occurrence": MESSY_TUESDAY}, headers=AUTH)
    assert needs.status_code == 404 and "call it off" in needs.json()["messages"][0]["text"]
    retry = client.post("/internal/bookings", json=booking_body(), headers={**AUTH, "Idempotency-Key": new_key()})
    assert retry.status_code == 422
    [cancelled, _again] = audits(session_factory, "session_date.cancelled")
    assert cancelled.subject_id == MESSY_TUESDAY and cancelled.staff_id == staff.id
    assert [a.detail["count"] for a in audits(session_factory, "session_date.families_texted")] == [3, 0]


def test_calling_off_needs_a_reason_and_a_csrf_token(client, session_factory, booked):
    token = sign_in(client, make_staff(session_factory, "front_door"))
    assert client.post(CANCEL_TUESDAY, data={"reason": "ill"}).status_code == 403
    refused = client.post(CANCEL_TUESDAY, data={"reason": "  ", "csrf_token": token})
    assert refused.status_code == 409 and "Say why the session is not on" in refused.text
    assert places_taken(session_factory, MESSY_TUESDAY) == 8 and texts(session_factory, "booking_date_cancelled") == []
    assert len(audits(session_factory, "session_date.cancel_refused")) == 1


def test_marking_who_came_on_the_day(tuesday_client, session_factory, booked):
    token = sign_in(tuesday_client, make_staff(session_factory, "worker", hub_slug="riverside"))
    jo = booked[0]
    response = tuesday_client.post(f"/staff/bookings/{jo.reference}/attendance",
                                   data={"status": "attended", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    tuesday_client.post(f"/staff/bookings/{booked[1].reference}/attendance",
                        data={"status": "no_show", "csrf_token": token})
    statuses = {b.reference: b.status for b in bookings_with(session_factory)}
    assert (statuses[jo.reference], statuses[booked[1].reference]) == ("attended", "no_show")
    assert places_taken(session_factory, MESSY_TUESDAY) == 8  # still held: nobody is promoted after the event
    assert "Did not come" in section(tuesday_client.get(TUESDAY_PAGE).text, MESSY_TUESDAY)
    marked = audits(session_factory, "booking.attendance_marked")
    assert [(a.subject_id, a.detail["new_status"]) for a in marked] == [(jo.reference, "attended"),
                                                                         (booked[1].reference, "no_show")]


def test_marking_before_the_day_is_refused(client, session_factory, booked):
    token = sign_in(client, make_staff(session_factory, "front_door"))
    refused = client.post(f"/staff/bookings/{booked[0].reference}/attendance",
                          data={"status": "attended", "csrf_token": token})
    assert refused.status_code == 409 and "on the day of the session" in refused.text
    assert {b.status for b in bookings_with(session_factory)} == {"booked", "waiting"}
