"""Staff pages for texts: the SMS simulator (a whole text conversation with
no Twilio, through the same path real texts take) and the list of texts
that went wrong. Front door and admin only; views and changes audited;
numbers shown only by their last three digits."""

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from api.outbox.service import queue_text
from api.staff.audit import AuditEvent
from tests.api.referral_helpers import make_staff, sign_in
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, TEST_DATA_KEY, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, twilio,
)

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
PAGES = ["/staff/sms-simulator", "/staff/sms/failed"]


@pytest.fixture
def laptop(make_client, fake_rasa):
    """`make run` on a laptop: no Twilio credentials."""
    return make_client(rasa_url=fake_rasa.url, data_encryption_key=TEST_DATA_KEY, clock_frozen_at=MONDAY_10AM)


def audits(session_factory, action: str) -> list[AuditEvent]:
    with session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def flat(html: str) -> str:
    return " ".join(html.split())


def words(html: str) -> str:
    """The page's words as a person reads them, without the markup."""
    return flat(unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(laptop, path):
    response = laptop.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


@pytest.mark.parametrize("role", ["worker", "comms"])
@pytest.mark.parametrize("path", PAGES)
def test_only_front_door_and_admin_may_open_them(laptop, session_factory, role, path):
    sign_in(laptop, make_staff(session_factory, role, hub_slug="riverside" if role == "worker" else None))
    assert laptop.get(path).status_code == 403


def simulate(client, token: str, text: str, number: str = "07700 900123", thread_token: str = ""):
    return client.post("/staff/sms-simulator", data={"csrf_token": token, "number": number, "text": text,
                                                     "thread_token": thread_token}, follow_redirects=False)


def test_a_whole_text_conversation_in_the_simulator(laptop, fake_rasa, twilio, session_factory, test_redis):
    token = sign_in(laptop, make_staff(session_factory, "front_door"))
    page = laptop.get("/staff/sms-simulator")
    assert page.status_code == 200 and "Family's phone number" in page.text

    response = simulate(laptop, token, "when is riverside open")
    assert response.status_code == 303
    location = response.headers["location"]
    assert "7700" not in location  # the number never goes in a URL
    thread_token = location.split("thread_token=")[1].split("#")[0]
    kept = [test_redis.get(key) or "" for key in test_redis.scan_iter(match="sms:simulator:*")]
    assert kept and not any("7700" in value for value in kept)  # Redis keeps the number encrypted
    [row] = inbound_rows(session_factory)
    assert (row.source, row.phone, row.state) == ("simulator", FAMILY, "queued")

    run_jobs()  # the worker answers, exactly as for a real text
    assert fake_rasa.received[0]["json"]["metadata"] == {"channel": "sms", "language": "en",
                                                        "written_in": "en", "turn_id": f"sms-{row.id}"}
    thread = flat(laptop.get(f"/staff/sms-simulator/thread?thread_token={thread_token}").text)
    assert "when is riverside open" in thread
    assert "Hello from the stand-in A second reply" in thread and "Simulated (not really sent). 1 segment" in thread
    assert twilio.requests == 0

    # The conversation goes on in the same thread, keywords included.
    assert simulate(laptop, token, "HELP", thread_token=thread_token).status_code == 303
    run_jobs()
    page = flat(laptop.get(location).text)
    assert "reply STOP" in page and page.index("when is riverside open") < page.index("reply STOP")
    assert len(audits(session_factory, "sms_simulator.sent")) == 2
    assert audits(session_factory, "sms_simulator.viewed")


def test_the_simulator_has_a_whatsapp_mode_with_voice_notes(laptop, fake_rasa, twilio, session_factory):
    token = sign_in(laptop, make_staff(session_factory, "front_door"))
    response = laptop.post("/staff/sms-simulator", data={
        "csrf_token": token, "number": "07700 900123", "text": "when is riverside open", "channel": "whatsapp"},
        follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    run_jobs()
    page = flat(laptop.get(location).text)
    assert 'value="whatsapp" checked' in page  # the next message goes the same way
    page = words(page)
    assert "By WhatsApp when is riverside open" in page
    assert "Simulated (not really sent). By WhatsApp Hello from the stand-in" in page
    thread_token = location.split("thread_token=")[1].split("&")[0]

    voice = laptop.post("/staff/sms-simulator", data={
        "csrf_token": token, "number": "07700 900123", "text": "", "thread_token": thread_token, "voice_note": "1"},
        follow_redirects=False)
    assert voice.status_code == 303
    run_jobs()
    page = words(laptop.get(voice.headers["location"]).text)
    assert "By WhatsApp. Voice note, no words" in page and "can't listen to voice notes" in page
    rows = inbound_rows(session_factory)
    assert [(row.channel, row.source) for row in rows] == [("whatsapp", "simulator"), ("whatsapp", "simulator")]
    assert len(fake_rasa.received) == 1 and twilio.requests == 0
    latest = sorted(audits(session_factory, "sms_simulator.sent"), key=lambda event: event.id)[-2:]
    assert [event.detail.get("channel") for event in latest] == ["whatsapp", "whatsapp"]


def test_the_simulator_takes_only_made_up_numbers(laptop, session_factory):
    token = sign_in(laptop, make_staff(session_factory, "front_door"))
    for number in ("07700 901123", "07123 456789", "+1 555 0100", "hello"):
        response = simulate(laptop, token, "hi", number=number)
        assert response.status_code == 422, number
        assert "07700 900000 to 07700 900999" in response.text
    assert inbound_rows(session_factory) == []


def test_the_simulator_is_off_when_real_texts_go_out(sms_app, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    token = sign_in(client, make_staff(session_factory, "admin"))
    assert "The simulator is off" in client.get("/staff/sms-simulator").text
    assert simulate(client, token, "hi").status_code == 409
    assert inbound_rows(session_factory) == []


def test_the_simulator_needs_the_csrf_token(laptop, session_factory):
    sign_in(laptop, make_staff(session_factory, "front_door"))
    assert simulate(laptop, "wrong", "hi").status_code == 403
    assert inbound_rows(session_factory) == []


def test_failed_texts_are_listed_without_full_numbers_and_can_be_sent_again(sms_app, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    token = sign_in(client, make_staff(session_factory, "front_door"))
    twilio.fail_next(400, 30006, "Landline or unreachable carrier")
    with session_factory() as session:
        queue_text(session, None, FAMILY, "Your place is booked for Tuesday", "booking_booked", MONDAY_10AM)
        queue_text(session, None, "+15005550006", "Hello from the hub", "staff_text", MONDAY_10AM)
        session.commit()
    run_jobs()
    page = flat(client.get("/staff/sms/failed").text)
    assert "Booking confirmation" in page and "ends 123" in page and "Your place is booked for Tuesday" in page
    assert "Twilio error 30006: the number is a landline" in page
    assert "Not sent: not a UK number" in page
    assert "7700900123" not in page and "07700 900123" not in page
    [viewed] = audits(session_factory, "sms_failed.viewed")
    assert viewed.detail == {"texts": 2, "unanswered": 0}

    [(failed, _), (foreign, _)] = outbox(session_factory)
    assert page.count("Send again") == 1  # a number we may not text cannot be tried again
    response = client.post(f"/staff/sms/failed/{failed.id}/retry", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    run_jobs()
    assert [m["Body"] for m in twilio.to(FAMILY)] == ["Your place is booked for Tuesday"]
    assert "Your place is booked for Tuesday" not in client.get("/staff/sms/failed").text
    assert audits(session_factory, "sms_text.retried")[0].subject_id == str(failed.id)
    refused = client.post(f"/staff/sms/failed/{foreign.id}/retry", data={"csrf_token": token})
    assert "cannot be sent again" in refused.text
