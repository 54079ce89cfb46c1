"""Publish the demo borough (data/demo/borough.yml) as an Open Referral UK
(HSDS 3) feed: data/demo/oruk_feed.json.

    python scripts/borough_to_oruk.py            # writes the file
    python scripts/borough_to_oruk.py --check    # fails if the file is out of date

Hubs become locations, hub sessions and partner services become services
of the organisation that runs them. Ids are stable (uuid5 of the borough's
keys), and `last_modified` is fixed, so the file only changes when the
borough does. What the standard has no field for (a session's kind and
key, term time, the hub's own booking settings, a hub's aliases) goes in
the project's extension object `x_family_hub`.
"""

import argparse
import json
import sys
import uuid
from datetime import date, time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.directory.oruk_schedule import DAYS, write_schedule  # noqa: E402

BOROUGH = REPO / "data" / "demo" / "borough.yml"
FEED = REPO / "data" / "demo" / "oruk_feed.json"
NAMESPACE = uuid.UUID("6f1c1d2e-5b0a-4c55-9a43-0e5f1a6b7c80")
LAST_MODIFIED = "2026-12-01T00:00:00Z"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def _time(value: str) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def _date(value) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def _words(value) -> str:
    return " ".join(str(value or "").split())


def _years(months: int) -> float:
    return round(months / 12, 4)


def phone(owner: str, number) -> dict:
    return {"id": stable_id("phone", owner), "number": str(number)}


def location(hub: dict) -> dict:
    lines = list(hub["address"])
    hours = [{"id": stable_id("hours", hub["slug"], day), "freq": "WEEKLY", "byday": DAYS[WEEKDAYS.index(day)],
              "opens_at": value["opens"], "closes_at": value["closes"], "description": f"Open on {day.title()}"}
             for day, value in hub["hours"].items() if value]
    return {
        "id": stable_id("location", hub["slug"]), "location_type": "physical", "name": hub["name"],
        "transportation": _words(hub.get("getting_there")),
        "addresses": [{"id": stable_id("address", hub["slug"]), "address_type": "physical",
                       "address_1": lines[1] if len(lines) > 2 else "",
                       "address_2": ", ".join(lines[2:-1]) if len(lines) > 3 else "", "city": lines[-1],
                       "state_province": "", "postal_code": hub["postcode"], "country": "GB"}],
        "phones": [phone(hub["slug"], hub["phone"])],
        "accessibility": [{"id": stable_id("access", hub["slug"]),
                           "description": "Step free" if hub.get("step_free") else "Not step free",
                           "details": _words(hub.get("parking"))}],
        "schedules": hours,
        "x_family_hub": {"hub": hub["slug"], "aliases": hub.get("aliases", []),
                         "postcode_districts": hub["postcode_districts"], "parking": _words(hub.get("parking")),
                         "step_free": bool(hub.get("step_free"))},
    }


def session_service(item: dict, hubs: dict, kinds: dict, organization: dict) -> dict:
    schedule = write_schedule(item["freq"], WEEKDAYS.index(item["weekday"].lower()), item.get("week_of_month"),
                              _time(item["starts"]), _time(item["ends"]), _date(item.get("starts_on")),
                              _date(item.get("ends_on")))
    words = []
    if item.get("term_time_only"):
        words.append("term time only")
    if item.get("school_holidays_only"):
        words.append("school holidays only")
    schedule.update(id=stable_id("schedule", item["key"]), description=", ".join(words))
    kind = kinds[item["kind"]]
    booking = "Please book a place." if item.get("booking_required") else "Just turn up."
    return {
        "id": stable_id("service", item["key"]), "name": item["title"], "description": _words(item.get("description")),
        "status": "active", "last_modified": LAST_MODIFIED, "organization": organization,
        "minimum_age": _years(int(item.get("min_age_months", 0))),
        "maximum_age": _years(int(item.get("max_age_months", 300))),
        "eligibility_description": "", "application_process": booking,
        "cost_options": [{"id": stable_id("cost", item["key"]), "option": "Free", "amount": 0, "currency": "GBP"}],
        "languages": [{"id": stable_id("language", item["key"]), "name": "English", "code": "en"}],
        "service_areas": [{"id": stable_id("area", item["hub"]), "name": "Fernbridge",
                           "description": ", ".join(hubs[item["hub"]]["postcode_districts"])}],
        "phones": [phone(item["key"], hubs[item["hub"]]["phone"])],
        "attributes": [{"id": stable_id("attribute", item["key"]), "taxonomy_term_id": kind["id"],
                        "taxonomy_term": kind}],
        "service_at_locations": [{"id": stable_id("at", item["key"]), "location": location(hubs[item["hub"]]),
                                  "schedules": [schedule]}],
        "x_family_hub": {"key": item["key"], "kind": item["kind"], **{
            name: item.get(name, default) for name, default in (
                ("booking_required", False), ("capacity", None), ("waiting_list", False), ("asks_children", True),
                ("term_time_only", False), ("school_holidays_only", False))}},
    }


def partner_service(item: dict, term: dict) -> dict:
    organization = {"id": stable_id("organization", item["slug"]), "name": item["name"],
                    "description": _words(item.get("about"))}
    return {
        "id": stable_id("service", "partner", item["slug"]), "name": item["name"],
        "description": _words(item.get("about")), "status": "active", "last_modified": LAST_MODIFIED,
        "organization": organization, "phones": [phone(item["slug"], item["phone"])],
        "cost_options": [], "languages": [], "service_areas": [{"id": stable_id("area", "borough"),
                                                                "name": "Fernbridge", "description": ""}],
        "attributes": [{"id": stable_id("attribute", item["slug"]), "taxonomy_term_id": term["id"],
                        "taxonomy_term": term}],
        "service_at_locations": [], "x_family_hub": {"partner": item["slug"]},
    }


def build_feed(borough: dict) -> dict:
    taxonomy = {"id": stable_id("taxonomy", "family_hub"), "name": "Fernbridge family hub services",
                "description": "Kinds of session at the family hubs, and help outside the hubs.",
                "uri": "https://example.org/fernbridge/taxonomy", "version": "1"}
    kinds = {k["key"]: {"id": stable_id("term", k["key"]), "code": k["key"], "name": k["name"],
                        "description": k["name"], "taxonomy_id": taxonomy["id"], "taxonomy_detail": taxonomy}
             for k in borough["session_kinds"]}
    partner_term = {"id": stable_id("term", "partner"), "code": "partner_service", "name": "Help outside the hubs",
                    "description": "Help outside the hubs", "taxonomy_id": taxonomy["id"],
                    "taxonomy_detail": taxonomy}
    hubs = {h["slug"]: h for h in borough["hubs"]}
    organization = {"id": stable_id("organization", "family_hubs"), "name": f"{borough['borough']} Family Hubs",
                    "description": "The council's family hubs.",
                    "phones": [phone("front_door", borough["front_door"]["phone"])]}
    services = [session_service(item, hubs, kinds, organization) for item in borough["sessions"]]
    services += [partner_service(item, partner_term) for item in borough.get("partner_services", [])]
    return {"total_items": len(services), "total_pages": 1, "page_number": 1, "size": len(services),
            "first_page": True, "last_page": True, "empty": False, "contents": services}


def feed_text(borough_path: Path = BOROUGH) -> str:
    borough = yaml.safe_load(borough_path.read_text(encoding="utf-8"))
    return json.dumps(build_feed(borough), indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the feed file is out of date")
    args = parser.parse_args()
    text = feed_text()
    if args.check:
        if not FEED.exists() or FEED.read_text(encoding="utf-8") != text:
            print(f"{FEED.relative_to(REPO)} is out of date: run python scripts/borough_to_oruk.py")
            return 1
        return 0
    FEED.write_text(text, encoding="utf-8")
    print(f"wrote {FEED.relative_to(REPO)}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
