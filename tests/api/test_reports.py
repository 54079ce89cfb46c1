"""The managers' reports page: who may see it, totals that match the rows
they count, the hub and date filters, SVG charts a screen reader can use,
CSV of every table, all audited; and /metrics for engineers only."""

import asyncio
import csv
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from api.bookings.models import Booking, SessionDate
from api.bookings.service import create_booking
from api.turns.rasa import AssistantUnavailable, send_to_rasa_replies
from api.referrals import endings, service
from api.sms.models import SmsInbound
from api.staff.audit import AuditEvent
from api.unanswered.models import UnansweredGroup, UnansweredMessage
from tests.api.booking_helpers import MESSY_TUESDAY, booking_body, no_bookings  # noqa: F401 - fixture
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)
from tests.support.ports import unused_port

MONDAY = london(2026, 11, 23, 10, 0)
WEEK_AFTER = london(2026, 11, 30, 10, 0)
REPORT_DAY = london(2026, 12, 1, 12, 0)
DATES = {"start": "2026-11-23", "end": "2026-12-01"}


@pytest.fixture
def client(make_client):
    return make_client(now=REPORT_DAY, data_encryption_key=TEST_DATA_KEY)


@pytest.fixture
def figures(db, session_factory):
    """Six requests over two weeks: four at Riverside, two at Northgate;
    one out of hours; two contacted (one in time, one late); one closed
    as helped, with feedback; two bookings, one came."""
    with session_factory() as session, session.begin():
        session.execute(delete(UnansweredMessage))
        session.execute(delete(UnansweredGroup))
    staff = make_staff(session_factory, "front_door")
    made = []
    plans = [(MONDAY, "riverside", "FB1 2AB", ["send_support"]), (MONDAY, "riverside", None, ["money_help"]),
             (MONDAY, "northgate", "FB3 1ZZ", ["money_help", "housing_help"]),
             (london(2026, 11, 28, 22, 0), "riverside", None, []),  # Saturday night: hub shut
             (WEEK_AFTER, "riverside", "FB1 9XX", ["sleep"]), (WEEK_AFTER, "northgate", None, ["sleep"])]
    for n, (at, hub, postcode, topics) in enumerate(plans):
        made.append(service.create_referral(db, payload(conversation_id=f"fam{n}-1", hub=hub, postcode=postcode,
                                                        topics=topics, contact__phone=f"07700 90{n:04d}"),
                                            new_key(), at).referral)
    in_time, late = (service.load_referral(db, r.reference) for r in made[:2])
    for referral, when in ((in_time, MONDAY + timedelta(hours=1)), (late, MONDAY + timedelta(days=3))):
        service.claim_referral(db, referral, staff, when)
        service.change_status(db, service.load_referral(db, referral.reference), staff, "contacted", "", when)
    endings.close_with_outcome(db, service.load_referral(db, in_time.reference), staff, "helped_here", "", "",
                               MONDAY + timedelta(hours=2))
    assert endings.ask_for_feedback(db, MONDAY + timedelta(days=3, hours=3)) == 1
    assert endings.take_feedback_reply(db, in_time.phone_hash, "1 thank you", MONDAY + timedelta(days=3, hours=4))
    came = create_booking(db, booking_body(), new_key(), MONDAY).booking
    create_booking(db, booking_body(conversation_id="famx-1", phone="07700 900999"), new_key(), MONDAY)
    db.execute(Booking.__table__.update().where(Booking.id == came.id).values(status="attended"))
    group = UnansweredGroup(tokens=["x"], sample="x", message_count=2, first_seen=MONDAY, last_seen=MONDAY)
    db.add(group)
    db.flush()
    for intent in ("money_help", "nlu_fallback"):
        db.add(UnansweredMessage(group_id=group.id, received_at=MONDAY, conversation_id="c", channel="web",
                                 text="x", intent=intent, confidence=0.3, reason="fallback"))
    db.commit()
    return made


def table(page: str, key: str) -> list[list[str]]:
    part = page[page.index(f'id="table-{key}"'):]
    part = part[:part.index("</table>")]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part.split("<tbody")[1], re.S)]


@pytest.mark.parametrize("role", ["front_door", "worker", "comms", "partner"])
def test_only_managers_and_admins_see_the_reports(client, session_factory, role):
    sign_in(client, make_staff(session_factory, role, hub_slug="riverside" if role == "worker" else None))
    assert client.get("/staff/reports").status_code == 403


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/staff/reports", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_the_totals_match_the_rows_they_count(client, session_factory, figures):
    manager = make_staff(session_factory, "manager")
    sign_in(client, manager)
    page = client.get("/staff/reports", params=DATES).text
    assert "6 requests from 23 November 2026 to 1 December 2026" in page
    assert table(page, "by_week") == [["23 Nov 2026", "4"], ["30 Nov 2026", "2"]]
    assert table(page, "by_hub") == [["Riverside Family Hub", "4"], ["Northgate Family Hub", "2"]]
    assert sorted(table(page, "by_topic")) == sorted([["Money help", "2"], ["Sleep", "2"], ["Housing help", "1"],
                                                      ["Send support", "1"], ["Not said", "1"]])
    assert table(page, "by_area") == [["Not said", "3"], ["FB1", "2"], ["FB3", "1"]]
    assert table(page, "out_of_hours") == [["While the hub was open", "5", "83%"],
                                           ["While the hub was closed", "1", "17%"]]
    assert table(page, "first_contact") == [["By the promised time", "1"], ["Later than promised", "1"],
                                            ["Not contacted yet", "4"]]
    assert ["Helped here", "1"] in table(page, "outcomes") and ["Still open", "5"] in table(page, "outcomes")
    assert table(page, "bookings")[0][:4] == ["Messy play", "1", "0", "1"]
    assert table(page, "unanswered") == [["Money help", "1"], ["No guess", "1"]]
    assert table(page, "feedback") == [["Yes", "1"], ["A bit", "0"], ["No", "0"]]
    for key in ("by_week", "by_hub", "by_topic", "by_area", "out_of_hours", "first_contact"):
        assert sum(int(row[1]) for row in table(page, key)) == (7 if key == "by_topic" else 6), key
    with session_factory() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "reports.viewed"))
    assert audit.staff_id == manager.id and audit.detail["requests"] == 6


def test_the_hub_filter_and_a_managers_own_hub(client, make_client, session_factory, figures):
    sign_in(client, make_staff(session_factory, "admin"))
    page = client.get("/staff/reports", params={**DATES, "hub": "northgate"}).text
    assert table(page, "by_hub") == [["Northgate Family Hub", "2"]]
    hub_manager = make_client(now=REPORT_DAY, data_encryption_key=TEST_DATA_KEY)
    sign_in(hub_manager, make_staff(session_factory, "manager", hub_slug="riverside"))
    page = hub_manager.get("/staff/reports", params={**DATES, "hub": "northgate"}).text  # asks for another hub
    assert table(page, "by_hub") == [["Riverside Family Hub", "4"]]


def test_charts_are_svg_a_screen_reader_can_use_with_no_script(client, session_factory, figures):
    sign_in(client, make_staff(session_factory, "manager"))
    page = client.get("/staff/reports", params=DATES).text
    svg = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id="chart-by_hub"'):]
    svg = svg[:svg.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-by_hub-title chart-by_hub-desc"' in svg
    assert '<title id="chart-by_hub-title">Requests by hub</title>' in svg
    assert "Highest: Riverside Family Hub, 4." in svg
    assert svg.count("<rect") == 2
    assert "<script" not in page.split("</main>")[0]


def test_every_table_downloads_as_csv_and_the_download_is_audited(client, session_factory, figures):
    manager = make_staff(session_factory, "manager")
    sign_in(client, manager)
    page = client.get("/staff/reports", params=DATES).text
    keys = re.findall(r"download=([a-z_]+)", page)
    assert len(keys) == 10
    for key in keys:
        response = client.get("/staff/reports", params={**DATES, "download": key})
        assert response.headers["content-type"].startswith("text/csv"), key
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[1:] == table(page, key) or (not rows[1:] and "None in these dates" in str(table(page, key)))
    with session_factory() as session:
        downloads = session.scalars(select(AuditEvent.subject_id).where(AuditEvent.action == "reports.downloaded",
                                                                        AuditEvent.staff_id == manager.id)).all()
    assert sorted(downloads) == sorted(keys)


# --- /metrics ---

def test_metrics_are_for_engineers_with_the_token_only(make_client, fake_rasa, figures, session_factory):
    assert make_client(now=REPORT_DAY).get("/metrics").status_code == 404  # switched off
    client = make_client(now=REPORT_DAY, metrics_token="scrape-me", data_encryption_key=TEST_DATA_KEY)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401

    def scrape() -> str:
        response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        return response.text

    def value(text: str, name: str) -> float:
        match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
        return float(match.group(1)) if match else 0.0

    before = scrape()
    asyncio.run(send_to_rasa_replies(fake_rasa.url, "s-1", "hi", "web", 5))
    with pytest.raises(AssistantUnavailable):
        asyncio.run(send_to_rasa_replies(f"http://127.0.0.1:{unused_port()}", "s-1", "hi", "sms", 1))
    after = scrape()
    assert value(after, 'familyhub_turns_total{channel="web"}') == value(before, 'familyhub_turns_total{channel="web"}') + 1
    assert value(after, 'familyhub_rasa_errors_total{channel="sms"}') == (
        value(before, 'familyhub_rasa_errors_total{channel="sms"}') + 1)
    assert value(after, 'familyhub_turn_seconds_count{channel="web"}') >= 1
    # Four of the six requests were never claimed.
    assert value(after, 'familyhub_referrals_waiting{urgent="false"}') == 4
    assert 'familyhub_texts{status="queued"}' in after

    # Texts the SMS workers answered in the last hour, however many processes they run in.
    now = datetime.now(timezone.utc)
    with session_factory() as session, session.begin():
        session.execute(delete(SmsInbound))  # none left by an earlier test module: these figures are the only ones
        for index, (channel, waited) in enumerate([("sms", 2), ("sms", 4), ("sms", 30), ("whatsapp", 3)]):
            session.add(SmsInbound(message_sid=f"SMmetrics{index}", phone="+447700900123", phone_hash="x" * 64,
                                   body="hi", channel=channel, received_at=now - timedelta(minutes=5),
                                   answered_at=now - timedelta(minutes=5) + timedelta(seconds=waited),
                                   state="answered"))
        session.add(SmsInbound(message_sid="SMmetricsold", phone="+447700900123", phone_hash="x" * 64, body="hi",
                               received_at=now - timedelta(hours=3), answered_at=now - timedelta(hours=3),
                               state="answered"))
    text = scrape()
    assert value(text, 'familyhub_text_answer_seconds{channel="sms",quantile="0.5"}') == 4
    assert value(text, 'familyhub_text_answer_seconds{channel="sms",quantile="0.95"}') == 30
    assert value(text, 'familyhub_text_answer_seconds{channel="whatsapp",quantile="0.5"}') == 3
    assert value(text, 'familyhub_texts_in{channel="whatsapp",state="answered"}') == 1
    with session_factory() as session, session.begin():
        session.execute(delete(SmsInbound).where(SmsInbound.message_sid.like("SMmetrics%")))
