"""Load the demo directory and the shipped answers into the database.

Run after `alembic upgrade head`:  python -m api.seed

Demo staff accounts (data/demo/staff.yml) are added only when
DEMO_STAFF_PASSWORD is set.

Safe to run again: rows are matched by their keys and updated in place,
never duplicated. Answers that comms have edited in the database are kept
(see `api.content.service.seed_answers`).
"""

import logging
from datetime import date, time
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.service import SeedReport, load_shipped_answers, seed_answers
from api.db import make_engine, make_session_factory
from api.directory.models import (
    Closure, FrontDoor, FrontDoorHours, Hub, HubHours, HubSession, PartnerService, SchoolHoliday,
    SessionKind, Worker, WorkerShift,
)
from api.settings import get_settings
from api.staff.seed import load_staff, seed_staff

log = logging.getLogger(__name__)

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _time(value: str) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _weekly(pattern: dict | None, start_key: str, end_key: str) -> dict[int, tuple[time, time]]:
    weekly = {}
    for name, hours in (pattern or {}).items():
        if hours:
            weekly[WEEKDAYS.index(name.lower())] = (_time(hours[start_key]), _time(hours[end_key]))
    return weekly


def _sync_weekly(rows: list, wanted: dict[int, tuple[time, time]], model, start: str, end: str) -> None:
    """Make a weekday collection match `wanted`, updating rows in place (so
    the unique weekday constraint never sees two rows for one day)."""
    by_day = {row.weekday: row for row in rows}
    for weekday, row in by_day.items():
        if weekday not in wanted:
            rows.remove(row)
    for weekday, (starts, ends) in wanted.items():
        row = by_day.get(weekday)
        if row is None:
            rows.append(model(weekday=weekday, **{start: starts, end: ends}))
        else:
            setattr(row, start, starts)
            setattr(row, end, ends)


def _upsert(session: Session, model, key_field: str, key_value, **fields):
    row = session.scalar(select(model).where(getattr(model, key_field) == key_value))
    if row is None:
        row = model(**{key_field: key_value}, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    return row


def seed_directory(session: Session, borough: dict) -> None:
    """Upsert the front door, hubs, closures, school holidays, session kinds,
    sessions, workers and partner services from a borough file (see
    data/demo/borough.yml)."""
    door_data = borough["front_door"]
    door = session.scalar(select(FrontDoor).order_by(FrontDoor.id))
    if door is None:
        door = FrontDoor(name=door_data["name"], phone=str(door_data["phone"]))
        session.add(door)
    door.name, door.phone = door_data["name"], str(door_data["phone"])
    _sync_weekly(door.hours, _weekly(door_data["hours"], "opens", "closes"), FrontDoorHours, "opens", "closes")
    session.flush()

    hubs: dict[str, Hub] = {}
    for item in borough["hubs"]:
        hub = _upsert(
            session, Hub, "slug", item["slug"], name=item["name"],
            aliases=[a.lower() for a in item.get("aliases", [])], address=list(item["address"]),
            postcode=item["postcode"], postcode_districts=[d.upper() for d in item["postcode_districts"]],
            phone=str(item["phone"]), parking=" ".join(item.get("parking", "").split()),
            getting_there=" ".join(item.get("getting_there", "").split()), step_free=bool(item.get("step_free")),
        )
        session.flush()
        wanted = _weekly(item["hours"], "opens", "closes")
        _sync_weekly(hub.hours, wanted, HubHours, "opens", "closes")
        hubs[hub.slug] = hub
    session.flush()

    for item in borough.get("closures", []):
        slugs = [None] if item["hubs"] == "all" else list(item["hubs"])
        yearly = item.get("every_year") or {}
        for slug in slugs:
            starts_on, ends_on = _date(item.get("from")), _date(item.get("to"))
            span = f"{yearly['from']}..{yearly['to']}" if yearly else f"{starts_on}..{ends_on}"
            _upsert(
                session, Closure, "key", f"{slug or 'all'}:{span}",
                hub_id=hubs[slug].id if slug else None, starts_on=None if yearly else starts_on,
                ends_on=None if yearly else ends_on, yearly_from=yearly.get("from"),
                yearly_to=yearly.get("to"), reason=item.get("reason", ""),
            )

    for item in borough.get("school_holidays", []):
        starts_on, ends_on = _date(item["from"]), _date(item["to"])
        row = session.scalar(select(SchoolHoliday).where(
            SchoolHoliday.starts_on == starts_on, SchoolHoliday.ends_on == ends_on))
        if row is None:
            session.add(SchoolHoliday(name=item["name"], starts_on=starts_on, ends_on=ends_on))
        else:
            row.name = item["name"]

    kinds: dict[str, SessionKind] = {}
    for item in borough["session_kinds"]:
        kinds[item["key"]] = _upsert(session, SessionKind, "key", item["key"], name=item["name"],
                                     aliases=[a.lower() for a in item.get("aliases", [])])
    session.flush()

    for item in borough["sessions"]:
        _upsert(
            session, HubSession, "key", item["key"], title=item["title"], kind_id=kinds[item["kind"]].id,
            hub_id=hubs[item["hub"]].id, freq=item["freq"], weekday=WEEKDAYS.index(item["weekday"].lower()),
            week_of_month=item.get("week_of_month"), starts_on=_date(item.get("starts_on")),
            ends_on=_date(item.get("ends_on")), starts=_time(item["starts"]), ends=_time(item["ends"]),
            min_age_months=int(item.get("min_age_months", 0)), max_age_months=int(item.get("max_age_months", 300)),
            booking_required=bool(item.get("booking_required")), capacity=item.get("capacity"),
            term_time_only=bool(item.get("term_time_only")),
            school_holidays_only=bool(item.get("school_holidays_only")),
            description=" ".join(item.get("description", "").split()),
            waiting_list=bool(item.get("waiting_list", False)),
            asks_children=bool(item.get("asks_children", True)),
        )

    for item in borough.get("partner_services", []):
        _upsert(session, PartnerService, "slug", item["slug"], name=item["name"], phone=str(item["phone"]),
                about=" ".join(str(item.get("about", "")).split()))

    for item in borough["workers"]:
        worker = _upsert(session, Worker, "key", item["key"], name=item["name"],
                         hub_id=hubs[item["hub"]].id, role=item["role"], active=True)
        session.flush()
        _sync_weekly(worker.shifts, _weekly(item.get("pattern"), "starts", "ends"), WorkerShift, "starts", "ends")
    session.flush()


def load_borough(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def seed_all(session: Session, data_path: Path) -> SeedReport:
    seed_directory(session, load_borough(data_path / "demo" / "borough.yml"))
    return seed_answers(session, load_shipped_answers(data_path / "content"))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session, session.begin():
        report = seed_all(session, settings.data_path)
        staff_count = 0
        if settings.demo_mode and settings.demo_staff_password:
            staff_count = seed_staff(session, load_staff(settings.data_path / "demo" / "staff.yml"),
                                     settings.demo_staff_password)
    log.info("seeded directory; answers added=%d updated=%d unchanged=%d kept_edited=%d",
             report.added, report.updated, report.unchanged, report.kept_edited)
    log.info("demo staff accounts: %s", staff_count or "none (DEMO_MODE is not true or DEMO_STAFF_PASSWORD is empty)")


if __name__ == "__main__":
    main()
