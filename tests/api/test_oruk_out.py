"""The directory served as Open Referral UK (/oruk/): the standard's
required fields and types, and its paging rules."""

import math
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from api.directory.oruk_import import run_import
from api.main import create_app
from api.seed import load_borough, seed_directory
from api.settings import REPO_ROOT
from tests.api.conftest import make_settings
from tests.api.oruk_helpers import DEMO_FEED, demo_services, fresh_session_factory

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)
SERVICES = demo_services()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def oruk(request, tmp_path_factory):
    """An api on a fresh database: the demo borough, then the demo feed."""
    with fresh_session_factory(request.param, tmp_path_factory.mktemp("oruk")) as factory:
        with factory() as session, session.begin():
            seed_directory(session, load_borough(REPO_ROOT / "data" / "demo" / "borough.yml"))
        assert run_import(factory, DEMO_FEED.read_text(encoding="utf-8"), "demo", NOW).outcome == "imported"
        url = factory.kw["bind"].url.render_as_string(hide_password=False)
        with TestClient(create_app(make_settings(url))) as client:
            yield client


def _is_page(body: dict) -> None:
    for name in ("total_items", "total_pages", "page_number", "size"):
        assert isinstance(body[name], int) and not isinstance(body[name], bool), name
    for name in ("first_page", "last_page", "empty"):
        assert isinstance(body[name], bool), name
    assert isinstance(body["contents"], list)


def test_services_come_in_pages_that_follow_the_standard(oruk):
    size = 5
    total = len(SERVICES)
    pages = math.ceil(total / size)
    seen = []
    for number in range(1, pages + 2):
        body = oruk.get("/oruk/services", params={"page": number, "per_page": size}).json()
        _is_page(body)
        assert (body["total_items"], body["total_pages"], body["page_number"], body["size"]) == (
            total, pages, number, size)
        assert body["first_page"] is (number == 1)
        assert body["last_page"] is (number >= pages)
        assert body["empty"] is (number > pages)
        assert len(body["contents"]) == (0 if number > pages else min(size, total - (number - 1) * size))
        seen += [s["id"] for s in body["contents"]]
    assert sorted(seen) == sorted(s["id"] for s in SERVICES)
    assert oruk.get("/oruk/services", params={"per_page": 0}).status_code == 422


def test_each_service_has_the_required_fields_and_no_project_extension(oruk):
    body = oruk.get("/oruk/services", params={"per_page": 100}).json()
    for service in body["contents"]:
        assert all(isinstance(service[name], str) and service[name] for name in ("id", "name", "status"))
        assert isinstance(service["description"], str)
        assert "x_family_hub" not in str(service)


def test_one_service_is_the_full_record(oruk):
    wanted = next(s for s in SERVICES if s["x_family_hub"].get("key") == "riverside_baby_massage_tue")
    record = oruk.get(f"/oruk/services/{wanted['id']}").json()
    assert record["name"] == "Baby massage" and record["organization"]["name"] == "Fernbridge Family Hubs"
    location = record["service_at_locations"][0]
    assert location["location"]["addresses"][0]["postal_code"] == "FB1 2AB"
    schedule = location["schedules"][0]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "WEEKLY", "TU", "13:30", "14:30")
    assert (record["minimum_age"], record["maximum_age"]) == (0, 0.75)
    assert oruk.get("/oruk/services/no-such-service").status_code == 404


def test_services_can_be_found_by_words_taxonomy_term_and_postcode(oruk):
    names = lambda params: sorted(s["name"] for s in oruk.get("/oruk/services", params=params).json()["contents"])  # noqa: E731
    assert names({"text": "massage"}) == ["Baby massage"]
    terms = oruk.get("/oruk/taxonomy_terms", params={"per_page": 100}).json()["contents"]
    dads = next(t for t in terms if t["name"] == "Dads group")
    assert names({"taxonomy_term_id": dads["id"]}) == ["Dads and kids breakfast", "Dads group"]
    millbrook = names({"postcode": "FB5 9ZZ"})
    assert "Saturday stay and play" in millbrook and "Baby massage" not in millbrook
    assert names({"postcode": "nowhere"}) == []


@pytest.mark.parametrize("path,required", [
    ("/oruk/organizations", ("id", "name", "description")),
    ("/oruk/taxonomies", ("id", "name", "description", "uri")),
    ("/oruk/taxonomy_terms", ("id", "name", "description")),
])
def test_organizations_and_taxonomies_have_their_required_fields(oruk, path, required):
    body = oruk.get(path, params={"per_page": 2}).json()
    _is_page(body)
    assert body["first_page"] and body["size"] == 2 and len(body["contents"]) == min(2, body["total_items"])
    every = oruk.get(path, params={"per_page": 500}).json()["contents"]
    assert len(every) == body["total_items"] and len({item["id"] for item in every}) == len(every)
    for item in every:
        assert all(isinstance(item[name], str) for name in required) and item["id"] and item["name"]


@pytest.mark.parametrize("path", ["/oruk/organizations", "/oruk/taxonomies", "/oruk/taxonomy_terms"])
def test_each_organization_and_taxonomy_can_be_read_by_its_id(oruk, path):
    every = oruk.get(path, params={"per_page": 500}).json()["contents"]
    assert every
    for item in every:
        assert oruk.get(f"{path}/{item['id']}").json() == item
    missing = oruk.get(f"{path}/no-such-id")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("no such")


def test_the_root_says_which_version_and_profile_it_serves(oruk):
    body = oruk.get("/oruk/").json()
    assert body["version"] == "3.0" and body["profile"].startswith("https://")
    assert oruk.get(body["openapi_url"].removeprefix("http://testserver")).status_code == 200


def test_service_at_locations_come_in_pages_with_the_service_and_its_place(oruk):
    expected = sorted(item["id"] for s in SERVICES for item in s["service_at_locations"])
    seen = []
    for number in range(1, math.ceil(len(expected) / 7) + 1):
        body = oruk.get("/oruk/service_at_locations", params={"page": number, "per_page": 7}).json()
        _is_page(body)
        assert (body["total_items"], body["page_number"], body["size"]) == (len(expected), number, 7)
        seen += [item["id"] for item in body["contents"]]
        for item in body["contents"]:
            assert all(isinstance(item[name], str) and item[name] for name in ("id", "service_id", "location_id"))
            assert item["service"]["id"] == item["service_id"] and item["location"]["id"] == item["location_id"]
            assert "x_family_hub" not in str(item)
    assert sorted(seen) == expected
    millbrook = oruk.get("/oruk/service_at_locations", params={"postcode": "FB5 9ZZ", "per_page": 100}).json()
    names = {item["service"]["name"] for item in millbrook["contents"]}
    assert "Saturday stay and play" in names and "Baby massage" not in names
    massage = oruk.get("/oruk/service_at_locations", params={"text": "massage"}).json()["contents"]
    assert [item["service"]["name"] for item in massage] == ["Baby massage"]
    one = oruk.get(f"/oruk/service_at_locations/{massage[0]['id']}").json()
    assert one == massage[0] and one["schedules"][0]["byday"] == "TU"
    assert oruk.get("/oruk/service_at_locations/nothing-here").status_code == 404
