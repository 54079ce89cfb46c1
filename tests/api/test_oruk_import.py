"""Importing a council's Open Referral UK feed: what a family, a hub and
front-door staff would notice."""

import json
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, select

from api.bookings.models import Booking, SessionDate
from api.directory.models import Hub, HubSession, PartnerService, SessionKind
from api.directory.oruk_import import FeedRefused, import_services, run_import, services_in
from api.directory.oruk_models import OrukImport, OrukService
from api.directory.search import find_services
from api.directory.service import upcoming_sessions
from api.seed import load_borough, seed_directory
from api.settings import REPO_ROOT
from tests.api.oruk_helpers import (
    DEMO_FEED, by_key, demo_services, fresh_session_factory, writes_counted,
)
from tests.api.referral_helpers import encryption_key  # noqa: F401 - a fixture
from tests.api.test_staff_auth import signed_in

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)
HUB_FIELDS = ("slug", "name", "aliases", "address", "postcode", "postcode_districts", "phone", "parking",
              "getting_there", "step_free")
SESSION_FIELDS = ("key", "title", "freq", "weekday", "week_of_month", "starts_on", "ends_on", "starts", "ends",
                  "min_age_months", "max_age_months", "booking_required", "capacity", "term_time_only",
                  "school_holidays_only", "description", "waiting_list", "asks_children")


def _directory(session) -> tuple[dict, dict]:
    hubs = {h.slug: ({f: getattr(h, f) for f in HUB_FIELDS}, {(r.weekday, r.opens, r.closes) for r in h.hours})
            for h in session.scalars(select(Hub))}
    sessions = {s.key: ({f: getattr(s, f) for f in SESSION_FIELDS}, s.kind.key, s.hub.slug)
                for s in session.scalars(select(HubSession)) if not s.retired}
    return hubs, sessions


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_demo_feed_gives_a_fresh_database_the_hubs_and_sessions_the_assistant_uses(kind, tmp_path):
    borough = load_borough(REPO_ROOT / "data" / "demo" / "borough.yml")
    with fresh_session_factory(kind, tmp_path) as seeded_factory:
        with seeded_factory() as session, session.begin():
            seed_directory(session, borough)
            expected = _directory(session)
    with fresh_session_factory(kind, tmp_path) as factory:
        with factory() as session, session.begin():
            # Session kinds are the assistant's own words (aliases), not the feed's.
            for item in borough["session_kinds"]:
                session.add(SessionKind(key=item["key"], name=item["name"], aliases=item.get("aliases", [])))
        run = run_import(factory, DEMO_FEED.read_text(encoding="utf-8"), str(DEMO_FEED), NOW)
        assert (run.outcome, run.refused, run.to_review) == ("imported", [], [])
        assert run.added == len(borough["sessions"]) + len(borough["partner_services"])
        with factory() as session:
            assert _directory(session) == expected
            assert session.scalar(select(func.count()).select_from(OrukService)) == run.added


def test_the_demo_feed_file_is_made_from_the_borough():
    from scripts.borough_to_oruk import feed_text
    assert DEMO_FEED.read_text(encoding="utf-8") == feed_text(), "run: python scripts/borough_to_oruk.py"


def test_importing_the_demo_feed_over_the_seeded_directory_changes_no_hub_or_session(db):
    before = _directory(db)
    report = import_services(db, demo_services(), NOW)
    assert (report.refused, report.retired) == ([], 0)
    assert _directory(db) == before


def test_reading_the_same_feed_again_rewrites_nothing(db):
    import_services(db, demo_services(), NOW)
    with writes_counted(db) as writes:
        report = import_services(db, demo_services(), NOW)
    assert (report.added, report.updated, report.unchanged) == (0, 0, len(demo_services()))
    assert writes == []


def test_a_feed_that_is_not_json_changes_nothing_and_is_recorded(session_factory):
    with session_factory() as session:
        services_before = session.scalar(select(func.count()).select_from(OrukService))
    run = run_import(session_factory, '{"contents": [{"id": "a", ', "upload.json", NOW)
    assert run.outcome == "refused" and run.problem.startswith("not JSON")
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OrukService)) == services_before
        assert session.get(OrukImport, run.id).outcome == "refused"
    with pytest.raises(FeedRefused):
        services_in('{"contents": []}')
    with pytest.raises(FeedRefused):
        services_in('"just words"')


def test_a_record_without_an_id_is_refused_and_the_rest_imported(db):
    services = demo_services()
    del services[0]["id"]
    report = import_services(db, services, NOW)
    assert len(report.refused) == 1 and "without an id" in report.refused[0]["reason"]
    assert report.added == len(services) - 1


def test_a_record_of_the_wrong_shape_is_refused_before_anything_is_written(db):
    services = demo_services()
    services.append({"id": "odd-1", "name": "Odd", "organization": "The council"})
    services.append({"id": "odd-2", "name": "Odd too", "service_at_locations": [
        {"id": "at", "location": {"id": "l", "addresses": ["1 High Street"]}}]})
    report = import_services(db, services, NOW)
    assert [(r["id"], r["reason"]) for r in report.refused] == [
        ("odd-1", "a field of the wrong shape (AttributeError)"),
        ("odd-2", "a field of the wrong shape (AttributeError)")]
    assert db.get(OrukService, "odd-1") is None and report.added == len(services) - 2


def test_a_session_whose_schedule_cannot_be_expanded_keeps_its_last_times_and_is_listed_for_a_person(db):
    import_services(db, demo_services(), NOW)
    services = demo_services()
    massage = by_key(services, "riverside_baby_massage_tue")
    schedule = massage["service_at_locations"][0]["schedules"][0]
    schedule.update(freq="DAILY", description="changed")
    massage["last_modified"] = "2026-12-02T00:00:00Z"
    report = import_services(db, services, NOW)
    assert report.refused == [] and report.retired == 0
    reasons = [r["reason"] for r in report.to_review if r["id"] == massage["id"]]
    assert reasons == ["a schedule we cannot turn into session dates (freq DAILY is not one we can expand "
                       "(WEEKLY or MONTHLY)): listed, but not offered as a hub session from it",
                       "its hub session keeps the last times we could read"]
    kept = db.scalar(select(HubSession).where(HubSession.key == "riverside_baby_massage_tue"))
    assert not kept.retired and kept.weekday == 1 and kept.starts == time(13, 30)
    assert db.get(OrukService, massage["id"]).record["service_at_locations"][0]["schedules"][0]["freq"] == "DAILY"


def test_a_service_open_on_several_days_is_imported_and_found_on_each_of_them(db):
    services = demo_services()
    food_bank = next(s for s in services if s["x_family_hub"].get("partner") == "food_bank")
    food_bank["schedules"] = [{"id": "fb-days", "freq": "WEEKLY", "byday": "MO,WE,SA", "opens_at": "10:00",
                               "closes_at": "12:00"}]
    report = import_services(db, services, NOW)
    assert report.refused == []
    assert [r["id"] for r in report.to_review] == [food_bank["id"]]

    def open_on(day: int) -> bool:
        return food_bank["name"] in [found.name for found in find_services(db, text="food", day=day).services]

    assert [day for day in range(7) if open_on(day)] == [0, 2, 5]


def test_a_schedule_in_words_only_is_imported_and_listed_for_a_person(db):
    services = demo_services()
    food_bank = next(s for s in services if s["x_family_hub"].get("partner") == "food_bank")
    food_bank["schedules"] = [{"id": "fb-words", "description": "Most Saturday mornings, ring first"}]
    report = import_services(db, services, NOW)
    assert report.refused == []
    assert [(r["id"], r["reason"]) for r in report.to_review] == [
        (food_bank["id"], "schedule given only as words: Most Saturday mornings, ring first")]
    stored = db.get(OrukService, food_bank["id"])
    assert stored.record["schedules"][0]["description"] == "Most Saturday mornings, ring first"


def test_a_partner_linked_by_its_id_in_a_council_feed_takes_its_number_from_there(db):
    services = demo_services()
    food_bank = next(s for s in services if s["x_family_hub"].get("partner") == "food_bank")
    del food_bank["x_family_hub"]  # a council's own feed knows nothing of the project's extension
    food_bank["name"] = "Fernbridge Foodbank (Trussell)"
    food_bank["phones"] = [{"id": "fb-phone", "number": "01632 960777"}]
    partner = db.scalar(select(PartnerService).where(PartnerService.slug == "food_bank"))
    before = (partner.name, partner.about)
    partner.oruk_id = food_bank["id"]  # as the seed sets it from the borough file's oruk_id
    db.flush()
    import_services(db, services, NOW)
    db.refresh(partner)
    assert partner.phone == "01632 960777"
    assert (partner.name, partner.about) == before  # the plain words stay comms' own
    # Read again unchanged, after the seed put the borough file's number back: the feed's wins again.
    partner.phone = "01632 960610"
    db.flush()
    assert import_services(db, services, NOW).updated == 0
    db.refresh(partner)
    assert partner.phone == "01632 960777"


def _offered(db, key: str) -> bool:
    """Does the assistant offer this session when a family asks what's on?"""
    search = upcoming_sessions(db, hub_text="riverside", kind_text="messy play",
                               now=datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), limit=50)
    return any(o.hub_session.key == key for o in search.occurrences)


def test_a_service_gone_from_the_feed_is_retired_and_its_booking_survives(db, encryption_key):  # noqa: F811
    import_services(db, demo_services(), NOW)
    messy = db.scalar(select(HubSession).where(HubSession.key == "riverside_messy_play_tue"))
    day = SessionDate(session_id=messy.id, on_date=date(2026, 12, 8), places_taken=1)
    db.add(day)
    db.flush()
    db.add(Booking(reference="FH000017", idempotency_key="oruk-test-17", session_date_id=day.id,
                   family_key="family", conversation_id="family-1", channel="web", first_name="Jo",
                   phone="07700900123", phone_hash="hash", children=1, child_ages_months=[24], adults=1,
                   places=1, status="booked", created_at=NOW, updated_at=NOW))
    db.flush()

    services = [s for s in demo_services() if s["x_family_hub"].get("key") != "riverside_messy_play_tue"]
    report = import_services(db, services, NOW)
    assert report.retired == 1
    db.expire_all()
    messy = db.scalar(select(HubSession).where(HubSession.key == "riverside_messy_play_tue"))
    assert messy.retired and _offered(db, "riverside_messy_play_tue") is False
    booking = db.scalar(select(Booking).where(Booking.reference == "FH000017"))
    assert booking.status == "booked" and booking.session_date.session_id == messy.id
    assert db.get(OrukService, messy.oruk_id).retired

    # Back in the feed: offered again.
    report = import_services(db, demo_services(), NOW)
    assert report.updated == 1
    assert not db.scalar(select(HubSession).where(HubSession.key == "riverside_messy_play_tue")).retired
    assert _offered(db, "riverside_messy_play_tue") is True


def test_whether_a_session_is_bookable_stays_the_hubs_own_setting(db):
    import_services(db, demo_services(), NOW)
    stay = db.scalar(select(HubSession).where(HubSession.key == "riverside_stay_and_play_mon"))
    stay.booking_required, stay.capacity, stay.waiting_list = True, 12, True  # the hub's choice
    db.flush()
    services = demo_services()
    record = by_key(services, "riverside_stay_and_play_mon")
    record["description"] = "Toys, songs and a snack for children under 5. Now with a story."
    record["last_modified"] = "2026-12-02T09:00:00Z"
    report = import_services(db, services, NOW)
    assert report.updated == 1
    db.expire_all()
    stay = db.scalar(select(HubSession).where(HubSession.key == "riverside_stay_and_play_mon"))
    assert stay.description.endswith("Now with a story.")
    assert (stay.booking_required, stay.capacity, stay.waiting_list) == (True, 12, True)


def test_the_staff_page_shows_each_run_and_needs_a_login(make_client, session_factory):
    run_import(session_factory, "not json at all", "council-feed.json", NOW)
    client = make_client()
    response = client.get("/staff/directory/imports", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    client, _ = signed_in(make_client, session_factory, "front_door")
    page = client.get("/staff/directory/imports")
    assert page.status_code == 200 and "govuk-template" in page.text
    assert "council-feed.json" not in page.text or "refused" in page.text
    assert "refused: not JSON" in page.text
    worker, _ = signed_in(make_client, session_factory, "worker")
    assert worker.get("/staff/directory/imports", follow_redirects=False).status_code == 403


def test_a_council_record_without_the_projects_extension_becomes_a_hub_session_when_it_can(db):
    services = demo_services()
    import_services(db, services, NOW)  # the hubs now know their ORUK location ids
    riverside = by_key(services, "riverside_stay_and_play_mon")["service_at_locations"][0]["location"]
    council = [
        {"id": "council-1", "name": "Friday baby club", "description": "Songs and play for babies.",
         "last_modified": "2026-11-30T10:00:00Z", "minimum_age": 0, "maximum_age": 1,
         "taxonomy_terms": [{"id": "council-term-baby", "name": "Baby group"}],
         "service_at_locations": [{"id": "council-at-1", "location": {"id": riverside["id"], **{
             k: v for k, v in riverside.items() if k not in ("id", "x_family_hub")}},
             "schedules": [{"id": "s1", "freq": "WEEKLY", "byday": "FR", "opens_at": "13:00:00",
                            "closes_at": "14:00:00"}]}]},
        {"id": "council-2", "name": "Fernbridge Food Bank", "description": "Food parcels.",
         "phones": [{"id": "p1", "number": "01632 960610"}]},
    ]
    report = import_services(db, services + council, NOW)
    assert (report.added, report.refused, report.to_review) == (2, [], [])
    club = db.scalar(select(HubSession).where(HubSession.oruk_id == "council-1"))
    assert (club.hub.slug, club.kind.key, club.weekday, club.starts, club.max_age_months) == (
        "riverside", "baby_group", 4, time(13, 0), 12)
    assert club.booking_required is False and club.key.startswith("oruk_friday_baby_club_")
    food = db.get(OrukService, "council-2")
    assert food.hub_session_id is None and not food.retired


def test_a_feed_without_the_projects_extension_keeps_the_hubs_own_words(db):
    import_services(db, demo_services(), NOW)
    before = _directory(db)
    services = demo_services()
    for record in services:
        record["last_modified"] = "2026-12-03T00:00:00Z"
        for item in record["service_at_locations"]:
            item["location"].pop("x_family_hub")
    report = import_services(db, services, NOW)
    assert report.updated == len(services) and report.refused == []
    assert _directory(db) == before  # aliases, postcode districts, parking, step free kept


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_feed_cut_short_changes_nothing(kind, tmp_path):
    """Most services missing looks like a partial export, not a borough
    that closed most of its services overnight."""
    services = demo_services()
    with fresh_session_factory(kind, tmp_path) as factory:
        assert run_import(factory, json.dumps(services), "full", NOW).outcome == "imported"
        run = run_import(factory, json.dumps(services[:5]), "cut short", NOW)
        assert run.outcome == "refused" and "looks cut short" in run.problem
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(OrukService)
                                  .where(OrukService.retired.is_(True))) == 0
