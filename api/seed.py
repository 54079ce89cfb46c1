"""Load the demo directory and the shipped answers into the database.

Run after `alembic upgrade head`:  python -m api.seed

Demo staff accounts (data/demo/staff.yml) are added only when
DEMO_STAFF_PASSWORD is set.

Safe to run again: rows are matched by their keys and updated in place,
never duplicated. Answers that comms have edited in the database are kept
(see `api.content.service.seed_answers`).

Then the same borough, published as an Open Referral UK feed
(data/demo/oruk_feed.json), is read through the import a council's feed
takes (`api.directory.oruk_import`), so the whole directory is there under
/oruk/ and the run is listed at /staff/directory/imports. The feed is made
from borough.yml, so it changes no hub, session or booking setting the seed
made; read again, every record is unchanged and nothing is rewritten (the
run is still listed). A site whose directory has been read from another
feed (the council's own) is left alone: the demo feed is not read there.
"""

import logging
from datetime import date, time
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.content.service import SeedReport, load_shipped_answers, seed_answers
from api.content.translations import load_shipped_translations, seed_translations
from api.db import make_engine, make_session_factory
from api.directory.models import (
    Closure, FrontDoor, FrontDoorHours, Hub, HubHours, HubSession, PartnerService, SchoolHoliday,
    SessionKind, Worker, WorkerShift,
)
from api.directory.oruk_import import run_import
from api.directory.oruk_models import OrukImport
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
                about=" ".join(str(item.get("about", "")).split()), oruk_id=item.get("oruk_id") or None)

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
    report = seed_answers(session, load_shipped_answers(data_path / "content"))
    seed_translations(session, load_shipped_translations(data_path / "content" / "languages"))
    return report


DEMO_FEED_SOURCE = "data/demo/oruk_feed.json"


def import_demo_feed(session_factory: sessionmaker, data_path: Path) -> OrukImport | None:
    """The demo borough's Open Referral UK feed, through the same import a
    council's feed takes (its own transaction, its run recorded). None, and
    nothing read, when the directory has been imported from another feed:
    the demo would retire the council's services."""
    with session_factory() as session:
        other = session.scalar(select(OrukImport.source).where(
            OrukImport.outcome == "imported", OrukImport.source != DEMO_FEED_SOURCE).limit(1))
    if other is not None:
        log.info("the directory is read from %s: the demo feed is not imported", other)
        return None
    text = (data_path / "demo" / "oruk_feed.json").read_text(encoding="utf-8")
    return run_import(session_factory, text, DEMO_FEED_SOURCE)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    with session_factory() as session, session.begin():
        report = seed_all(session, settings.data_path)
        staff_count = 0
        if settings.demo_mode and settings.demo_staff_password:
            staff_count = seed_staff(session, load_staff(settings.data_path / "demo" / "staff.yml"),
                                     settings.demo_staff_password)
    log.info("seeded directory; answers added=%d updated=%d unchanged=%d kept_edited=%d",
             report.added, report.updated, report.unchanged, report.kept_edited)
    log.info("demo staff accounts: %s", staff_count or "none (DEMO_MODE is not true or DEMO_STAFF_PASSWORD is empty)")
    run = import_demo_feed(session_factory, settings.data_path)
    if run is not None:
        log.log(logging.INFO if run.outcome == "imported" else logging.WARNING,
                "%s: %s read=%d added=%d updated=%d unchanged=%d retired=%d refused=%d %s", DEMO_FEED_SOURCE,
                run.outcome, run.read_count, run.added, run.updated, run.unchanged, run.retired,
                len(run.refused), run.problem)
    engine.dispose()


if __name__ == "__main__":
    main()
