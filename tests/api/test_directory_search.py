"""The directory search page: a worker finds what to offer a family in the
whole directory (hub sessions and other services), and adds it to the
family's open request."""

import copy
import secrets
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.clock import get_now
from api.db import make_engine, make_session_factory
from api.directory.ages import parse_age
from api.directory.oruk_import import import_services
from api.directory.search import find_services
from api.main import create_app
from api.referrals.models import Referral
from api.seed import seed_all
from api.settings import REPO_ROOT
from api.staff.audit import AuditEvent
from tests.api.conftest import AUTH, make_settings, migrate
from tests.api.oruk_helpers import by_key, demo_services
from tests.api.referral_helpers import (  # noqa: F401 - a fixture
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, payload, sign_in,
)

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)
MONDAY_10AM = london(2026, 11, 23, 10, 0)
SATURDAY, MONDAY = 5, 0
CHURCH_HALL = {"id": "mill-lane-hall", "name": "Mill Lane Church Hall", "addresses": [
    {"id": "mill-lane-address", "address_1": "4 Mill Lane", "city": "Fernbridge", "postal_code": "FB3 7QT"}]}
GONE = {"id": "gone-food-club", "name": "Saturday food club", "description": "Free lunch for families.",
        "service_at_locations": [{"id": "gone-at", "location": CHURCH_HALL, "schedules": [
            {"id": "gone-sat", "freq": "WEEKLY", "byday": "SA", "opens_at": "12:00", "closes_at": "13:00"}]}]}


def food_bank(services: list[dict]) -> dict:
    return next(s for s in services if s.get("x_family_hub", {}).get("partner") == "food_bank")


def council_feed() -> list[dict]:
    """The demo borough, with the food bank open on Saturday mornings at a church hall (not a hub)."""
    services = demo_services()
    food_bank(services)["service_at_locations"] = [{"id": "food-bank-at", "location": CHURCH_HALL, "schedules": [
        {"id": "food-bank-sat", "freq": "WEEKLY", "byday": "SA", "opens_at": "10:00", "closes_at": "12:00"}]}]
    return services


def import_with_a_retired_service(session) -> None:
    """The feed once had a Saturday food club; the next read no longer has it (retired)."""
    import_services(session, council_feed() + [copy.deepcopy(GONE)], NOW)
    assert import_services(session, council_feed(), NOW).retired == 1


def names(result) -> list[str]:
    return [s.name for s in result.services]


# --- the search ---

def test_a_worker_searching_food_on_a_saturday_finds_the_food_bank_session_and_not_the_retired_club(db):
    import_with_a_retired_service(db)
    found = find_services(db, text="food", day=SATURDAY)
    assert names(found) == ["Fernbridge Food Bank"]
    bank = found.services[0]
    assert bank.when == ["Saturdays, 10am to 12pm"]
    assert (bank.where, bank.phone, bank.ages) == ("Mill Lane Church Hall, 4 Mill Lane, FB3 7QT", "01632 960610",
                                                   "All ages")
    assert find_services(db, text="food", day=MONDAY).total == 0
    assert "Saturday food club" not in names(find_services(db, text="club"))


def test_hub_sessions_are_found_by_need_age_area_and_day(db):
    import_services(db, council_feed(), NOW)
    record = by_key(demo_services(), "riverside_stay_and_play_mon")
    stay_and_play = record["attributes"][0]["taxonomy_term"]["id"]
    found = find_services(db, need=stay_and_play, age=parse_age("2"), area="FB1", day=MONDAY)
    assert [(s.name, s.hub_session) for s in found.services] == [("Stay and play", True)]
    riverside = found.services[0]
    assert riverside.where.startswith("Riverside Family Hub") and riverside.ages == "Up to 5 years"
    assert riverside.when == ["Mondays, 10am to 11:30am"]
    assert find_services(db, need=stay_and_play, age=parse_age("9"), area="FB1", day=MONDAY).total == 0
    assert find_services(db, text="food bank", area="FB3").total == 1
    assert find_services(db, text="food bank", area="FB1").total == 0


def test_a_worker_can_ask_for_a_time_of_day_and_a_service_open_on_several_days_is_said_in_words(db):
    services = council_feed()
    food_bank(services)["service_at_locations"][0]["schedules"] = [
        {"id": "food-bank-days", "freq": "WEEKLY", "byday": "MO,WE,SA", "opens_at": "10:00", "closes_at": "12:00"},
        {"id": "food-bank-late", "freq": "WEEKLY", "byday": "TH", "opens_at": "17:30", "closes_at": "19:00"}]
    import_services(db, services, NOW)
    [bank] = find_services(db, text="food bank").services
    assert bank.when == ["Mondays, Wednesdays and Saturdays, 10am to 12pm", "Thursdays, 5:30pm to 7pm"]
    assert names(find_services(db, text="food bank", part_of_day="morning")) == ["Fernbridge Food Bank"]
    assert names(find_services(db, text="food bank", part_of_day="evening")) == ["Fernbridge Food Bank"]
    assert find_services(db, text="food bank", part_of_day="afternoon").total == 0
    # The day and the time must be the same opening: Thursday evening, not Thursday morning.
    assert find_services(db, text="food bank", day=3, part_of_day="evening").total == 1
    assert find_services(db, text="food bank", day=3, part_of_day="morning").total == 0
    assert find_services(db, text="food bank", day=SATURDAY, part_of_day="morning").total == 1
    # Evening sessions at the hubs, whatever they are.
    evening = find_services(db, part_of_day="evening")
    assert "Fernbridge Food Bank" in names(evening) and evening.total < find_services(db).total


# --- the page, on its own database (the imported directory is committed) ---

@pytest.fixture(scope="module")
def directory_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('directory') / f'search-{secrets.token_hex(3)}.db'}"
    migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        seed_all(session, REPO_ROOT / "data")
        import_with_a_retired_service(session)
    engine.dispose()
    return url


@pytest.fixture
def directory_factory(directory_url):
    engine = make_engine(directory_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def client(directory_url, test_redis):
    app = create_app(make_settings(directory_url, data_encryption_key=TEST_DATA_KEY))
    app.dependency_overrides[get_now] = lambda: MONDAY_10AM
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_page_needs_a_login_and_is_for_front_door_and_workers(client, directory_factory):
    response = client.get("/staff/directory?text=food", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    sign_in(client, make_staff(directory_factory, "comms"))
    assert client.get("/staff/directory", follow_redirects=False).status_code == 403


def test_a_worker_adds_the_food_bank_to_an_open_request_and_it_shows_in_its_history(client, directory_factory):
    created = client.post("/internal/referrals", json=payload(), headers={**AUTH, "Idempotency-Key": new_key()})
    reference = created.json()["referral_id"]
    token = sign_in(client, make_staff(directory_factory, "worker", hub_slug="riverside"))
    assert f'href="/staff/directory?for={reference}"' in client.get(f"/staff/referrals/{reference}").text

    page = client.get(f"/staff/directory?for={reference}&text=food&day=saturday")
    assert page.status_code == 200 and "govuk-template" in page.text
    assert "Fernbridge Food Bank" in page.text and "Saturdays, 10am to 12pm" in page.text
    assert "01632 960610" in page.text and "Mill Lane Church Hall" in page.text
    assert "Saturday food club" not in page.text
    assert f'action="/staff/referrals/{reference}/services"' in page.text
    assert '<option value="morning" >Morning</option>' in page.text
    evening = client.get(f"/staff/directory?for={reference}&text=food&day=saturday&time=evening").text
    assert "Fernbridge Food Bank" not in evening and '<option value="evening" selected>Evening</option>' in evening

    bank_id = food_bank(council_feed())["id"]
    added = client.post(f"/staff/referrals/{reference}/services", data={"csrf_token": token, "service_id": bank_id},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"].endswith("?done=service")
    history = client.get(added.headers["location"]).text
    assert "The service has been added to this request&#39;s record." in history
    assert "Service from the directory" in history and "Fernbridge Food Bank" in history
    assert "Saturdays, 10am to 12pm" in history

    with directory_factory() as session:
        audit = list(session.scalars(select(AuditEvent).where(AuditEvent.subject_id == reference)))
        event = session.scalar(select(Referral).where(Referral.reference == reference)).events[-1]
        assert (event.kind, event.detail) == ("directory_service", {})  # the service only in the encrypted words
    added_rows = [a for a in audit if a.action == "referral.service_added"]
    assert len(added_rows) == 1 and "Food" not in str(added_rows[0].detail)
    assert "referral.directory_searched" in {a.action for a in audit}


def test_a_retired_service_cannot_be_added_and_nothing_is_written(client, directory_factory):
    created = client.post("/internal/referrals", json=payload(), headers={**AUTH, "Idempotency-Key": new_key()})
    reference = created.json()["referral_id"]
    token = sign_in(client, make_staff(directory_factory, "front_door"))
    puzzled = client.get("/staff/directory?age=soon&area=nowhere")
    assert puzzled.status_code == 400 and "Enter a child&#39;s age like 3, 18 months or baby" in puzzled.text
    assert "Enter a postcode area like FB3" in puzzled.text
    refused = client.post(f"/staff/referrals/{reference}/services",
                          data={"csrf_token": token, "service_id": GONE["id"]}, follow_redirects=False)
    assert refused.status_code == 409 and "not in the directory any more" in refused.text
    with directory_factory() as session:
        referral = session.scalar(select(Referral).where(Referral.reference == reference))
        assert [e.kind for e in referral.events if e.kind == "directory_service"] == []
