"""Import an Open Referral UK (HSDS 3) feed from a JSON file into the directory.

    python -m api.directory.oruk_import data/demo/oruk_feed.json

The file is a list of full service records, or one page of the standard's
`/services` answer (`{"contents": [...]}`), or `{"services": [...]}`. Each
service may nest its organization, `service_at_locations` (each with a
`location` and `schedules`), `schedules`, `phones`, `cost_options`,
`languages`, `service_areas` and taxonomy terms (`attributes[].taxonomy_term`
or `taxonomy_terms`).

Safe and incremental, because families book from what this writes:
- the whole import is one transaction: a file that is not JSON, not a feed,
  has no services, or would retire more than half the current services (it
  looks cut short) changes nothing; an unexpected error rolls it all back;
- a record we cannot use (no id, a repeated id, a schedule rule we cannot
  expand) is refused and reported, and its last good version is kept;
- a record whose `last_modified` (or, without one, whose content) has not
  changed is not rewritten;
- a service that has left the feed is retired (`retired`), never deleted,
  so a booking on it survives; it comes back if the feed has it again;
- a schedule given only as words is imported as it is and listed for a
  person to look at;
- whether a hub session needs booking, its places, waiting list and who it
  counts are the hub's own settings: set from the feed only when the
  session is first made, never changed by a later import.

A service becomes a hub session (what the assistant offers and books) when
its location is a hub (`hubs.oruk_location_id`, or the project's extension
`x_family_hub.hub` on the location) and it has a schedule we can expand and
a session kind (`x_family_hub.kind`, or a taxonomy term named like one).
The others are kept in `oruk_services` and served under /oruk/.
Each run is recorded in `oruk_imports` and shown at /staff/directory/imports.
"""

import argparse
import hashlib
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.directory.models import Hub, HubHours, HubSession, PartnerService, SessionKind
from api.directory.oruk_models import OrukImport, OrukService
from api.directory.oruk_schedule import FreeTextOnly, Pattern, ScheduleProblem, read_schedule, read_time
from api.directory.service import outward_code

log = logging.getLogger(__name__)

EXTENSION = "x_family_hub"
HUB_OWN_SETTINGS = ("booking_required", "capacity", "waiting_list", "asks_children")
# A feed that would retire more than this share of the current services is
# probably cut short (a partial export): refused, nothing changed.
MOST_RETIRED_SHARE = 0.5
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class FeedRefused(ValueError):
    """The feed as a whole cannot be used: nothing is changed."""


class FeedUnreadable(RuntimeError):
    """The feed could not be read (a page failed after its retries, a page
    was not JSON): nothing is changed and the run is recorded as failed, with
    what was read and what failed."""


class RecordRefused(ValueError):
    """One record cannot be used: it is skipped and reported."""


@dataclass
class ImportReport:
    read_count: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    refused: list[dict] = field(default_factory=list)
    to_review: list[dict] = field(default_factory=list)


# --- reading the file ---

def services_in(text: str) -> list:
    """The service records in a feed's text. FeedRefused if it is not one."""
    try:
        feed = json.loads(text)
    except ValueError as error:
        raise FeedRefused(f"not JSON: {error.msg} at line {error.lineno}") from error
    if isinstance(feed, dict):
        feed = feed.get("contents", feed.get("services"))
    if not isinstance(feed, list):
        raise FeedRefused("not a feed: expected a list of services, or an object with contents or services")
    if not feed:
        raise FeedRefused("the feed has no services (a feed that lost its services would retire every one)")
    return feed


def fingerprint(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _ext(record: dict) -> dict:
    value = record.get(EXTENSION)
    return value if isinstance(value, dict) else {}


def taxonomy_terms(record: dict) -> list[dict]:
    terms = [a.get("taxonomy_term") for a in record.get("attributes") or [] if isinstance(a, dict)]
    terms += list(record.get("taxonomy_terms") or [])
    return [t for t in terms if isinstance(t, dict) and t.get("id")]


def locations(record: dict) -> list[tuple[dict, list[dict]]]:
    """(location, schedules at it) for each service_at_location."""
    found = []
    for item in record.get("service_at_locations") or []:
        if isinstance(item, dict) and isinstance(item.get("location"), dict):
            found.append((item["location"], list(item.get("schedules") or [])))
    return found


def _postcodes(record: dict) -> list[str]:
    codes = []
    for location, _ in locations(record):
        for address in location.get("addresses") or []:
            code = " ".join(str(address.get("postal_code") or "").upper().split())
            if code:
                codes.append(code)
    return codes


def _search_text(record: dict) -> str:
    organization = record.get("organization") or {}
    parts = [record.get("name"), record.get("description"), organization.get("name")]
    parts += [t.get("name") for t in taxonomy_terms(record)]
    return " ".join(str(p) for p in parts if p).lower()


# --- hubs ---

def _hub_fields(location: dict) -> dict:
    """Hub columns from an HSDS 3 location: only those the location gives,
    so a feed without the project's extension (aliases, postcode districts,
    parking, step free) keeps what the hub already has."""
    fields: dict = {}
    if location.get("name"):
        fields["name"] = str(location["name"])[:200]
    addresses = location.get("addresses") or []
    if addresses:
        address = addresses[0]
        lines = [location.get("name"), address.get("address_1"), address.get("address_2"), address.get("city")]
        fields["address"] = [str(line) for line in lines if line]
        fields["postcode"] = " ".join(str(address.get("postal_code") or "").upper().split())
    phones = [p for p in location.get("phones") or [] if isinstance(p, dict) and p.get("number")]
    if phones:
        fields["phone"] = str(phones[0]["number"])
    if "transportation" in location:
        fields["getting_there"] = " ".join(str(location.get("transportation") or "").split())
    ext = _ext(location)
    if "aliases" in ext:
        fields["aliases"] = [str(a).lower() for a in ext["aliases"]]
    if "postcode_districts" in ext:
        fields["postcode_districts"] = [str(d).upper() for d in ext["postcode_districts"]]
    if "parking" in ext:
        fields["parking"] = " ".join(str(ext["parking"]).split())
    if "step_free" in ext:
        fields["step_free"] = bool(ext["step_free"])
    return fields


def _new_hub_fields(location: dict) -> dict:
    fields = {"name": "", "address": [], "postcode": "", "phone": "", "getting_there": "", "aliases": [],
              "parking": "", "step_free": False, **_hub_fields(location)}
    district = outward_code(fields["postcode"])
    fields.setdefault("postcode_districts", [district] if district else [])
    return fields


def _hub_hours(location: dict) -> dict[int, tuple]:
    hours = {}
    for schedule in location.get("schedules") or []:
        day = str(schedule.get("byday") or "").strip().upper()
        if str(schedule.get("freq") or "").upper() == "WEEKLY" and day in DAYS:
            hours[DAYS.index(day)] = (read_time(schedule.get("opens_at")), read_time(schedule.get("closes_at")))
    return hours


class Hubs:
    """The hubs of this import, each location read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_location = {h.oruk_location_id: h for h in session.scalars(select(Hub)) if h.oruk_location_id}
        self.by_slug = {h.slug: h for h in session.scalars(select(Hub))}
        self.seen: dict[str, Hub | None] = {}

    def hub_for(self, location: dict) -> Hub | None:
        location_id = str(location.get("id") or "")
        if location_id in self.seen:
            return self.seen[location_id]
        hub = self.by_location.get(location_id)
        slug = _ext(location).get("hub")
        if hub is None and slug:
            hub = self.by_slug.get(slug)
        if hub is None and slug:
            hub = Hub(slug=slug, **_new_hub_fields(location))
            self.session.add(hub)
            self.by_slug[slug] = hub
        elif hub is not None:
            for name, value in _hub_fields(location).items():
                if getattr(hub, name) != value:
                    setattr(hub, name, value)
        if hub is not None:
            hub.oruk_location_id = location_id or hub.oruk_location_id
            self.session.flush()
            _sync_hours(hub, _hub_hours(location))
        self.seen[location_id] = hub
        return hub


def _sync_hours(hub: Hub, wanted: dict[int, tuple]) -> None:
    if not wanted:
        return  # a location without opening hours keeps the hub's own
    by_day = {row.weekday: row for row in hub.hours}
    for weekday, row in by_day.items():
        if weekday not in wanted:
            hub.hours.remove(row)
    for weekday, (opens, closes) in wanted.items():
        row = by_day.get(weekday)
        if row is None:
            hub.hours.append(HubHours(weekday=weekday, opens=opens, closes=closes))
        elif (row.opens, row.closes) != (opens, closes):
            row.opens, row.closes = opens, closes


# --- one service ---

def _kind(kinds: dict[str, SessionKind], record: dict) -> SessionKind | None:
    wanted = _ext(record).get("kind")
    if wanted and wanted in kinds:
        return kinds[wanted]
    names = {k.name.lower(): k for k in kinds.values()}
    for term in taxonomy_terms(record):
        for value in (term.get("code"), term.get("name")):
            value = str(value or "").strip().lower()
            if value in kinds:
                return kinds[value]
            if value in names:
                return names[value]
    return None


def _age_months(value, default: int) -> int:
    """HSDS ages are years (may be fractions: 0.75 = 9 months)."""
    if value in (None, ""):
        return default
    try:
        return round(float(value) * 12)
    except (TypeError, ValueError) as error:
        raise RecordRefused(f"an age we cannot read: {str(value)[:20]!r}") from error


@dataclass
class Reading:
    """What one record means for the directory, worked out before anything
    is written (so a refused record writes nothing)."""

    hub_location: dict | None = None
    pattern: Pattern | None = None
    review: list[str] = field(default_factory=list)
    unreadable_schedule: bool = False  # a rule we cannot expand: the service is listed, its session kept as it was


def read_record(record: dict) -> Reading:
    reading = Reading()
    at = locations(record)
    schedules = [(loc, s) for loc, items in at for s in items]
    schedules += [(at[0][0] if at else None, s) for s in record.get("schedules") or []]
    schedules = [(loc, s) for loc, s in schedules if isinstance(s, dict)]
    for location, schedule in schedules:
        try:
            read = read_schedule(schedule)
        except ScheduleProblem as problem:
            # A rule hub sessions cannot keep (DAILY, several days, a date in
            # the month): the service is still listed, with its times as the
            # feed gives them, and a person looks at it.
            reading.unreadable_schedule = True
            reading.review.append(f"a schedule we cannot turn into session dates ({problem}): listed, but "
                                  "not offered as a hub session from it")
            continue
        if isinstance(read, FreeTextOnly):
            reading.review.append(f"schedule given only as words: {read.description[:200]}")
        elif reading.pattern is None:
            reading.pattern, reading.hub_location = read, location
        else:
            reading.review.append("more than one schedule: the first is used for the hub session")
    if not schedules and at:
        reading.hub_location = at[0][0]
    _age_months(record.get("minimum_age"), 0)
    _age_months(record.get("maximum_age"), 300)
    return reading


class Importer:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.report = ImportReport()
        self.hubs = Hubs(session)
        self.kinds = {k.key: k for k in session.scalars(select(SessionKind))}
        self.known = {s.id: s for s in session.scalars(select(OrukService))}
        self.sessions_by_oruk = {s.oruk_id: s for s in session.scalars(select(HubSession)) if s.oruk_id}
        self.partners = {p.oruk_id: p for p in session.scalars(select(PartnerService)) if p.oruk_id}
        self.seen: set[str] = set()

    def refuse(self, record_id: str, reason: str) -> None:
        self.report.refused.append({"id": record_id[:200], "reason": reason[:300]})

    def add(self, record) -> None:
        if not isinstance(record, dict):
            return self.refuse("", "a record that is not an object")
        record_id = str(record.get("id") or "").strip()
        if not record_id:
            return self.refuse("", f"a record without an id (name: {str(record.get('name') or '')[:80]!r})")
        if record_id in self.seen:
            return self.refuse(record_id, "the same id twice in the feed: the first is used")
        self.seen.add(record_id)  # even if refused below: its last good version stays, not retired
        if not str(record.get("name") or "").strip():
            return self.refuse(record_id, "a record without a name")
        try:
            reading = read_record(record)
            organization = record.get("organization") or {}
            organization_id = str(organization.get("id") or record.get("organization_id") or "")[:200] or None
            search_text, postcodes = _search_text(record), _postcodes(record)
            term_ids = [str(t["id"]) for t in taxonomy_terms(record)]
            for location, _ in locations(record):
                _hub_fields(location), _hub_hours(location)
        except RecordRefused as problem:
            return self.refuse(record_id, str(problem))
        except ScheduleProblem as problem:
            return self.refuse(record_id, f"location opening hours: {problem}")
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
            # A field of the wrong shape (a string where the standard has an
            # object, say): found before anything is written.
            return self.refuse(record_id, f"a field of the wrong shape ({type(error).__name__})")

        new_print = fingerprint(record)
        stored = self.known.get(record_id)
        last_modified = str(record.get("last_modified") or "")[:40] or None
        if stored is not None and not stored.retired and (
                stored.fingerprint == new_print or (last_modified and stored.last_modified == last_modified)):
            self.report.unchanged += 1
            self._note_review(stored.id, stored.name, stored.needs_review)
            self._partner(record)  # the seed may have set it back from the borough file
            return None

        hub_session = self._hub_session(record, reading)
        fields = dict(
            name=str(record["name"])[:300], organization_id=organization_id, last_modified=last_modified,
            fingerprint=new_print, record=record, search_text=search_text, postcodes=postcodes,
            taxonomy_term_ids=term_ids, needs_review=reading.review,
            retired=False, hub_session_id=hub_session.id if hub_session else None, updated_at=self.now,
        )
        if stored is None:
            self.session.add(OrukService(id=record_id, **fields))
            self.report.added += 1
        else:
            for name, value in fields.items():
                setattr(stored, name, value)
            self.report.updated += 1
        self._partner(record)
        self._note_review(record_id, fields["name"], reading.review)
        return None

    def _note_review(self, record_id: str, name: str, reasons: list[str]) -> None:
        for reason in reasons:
            self.report.to_review.append({"id": record_id, "name": name, "reason": reason})

    def _hub_session(self, record: dict, reading: Reading) -> HubSession | None:
        hub = self.hubs.hub_for(reading.hub_location) if reading.hub_location else None
        existing = self.sessions_by_oruk.get(str(record["id"]))
        if hub is None or reading.pattern is None:
            if existing is not None and reading.unreadable_schedule:
                reading.review.append("its hub session keeps the last times we could read")
                return existing
            if existing is not None:
                existing.retired = True  # no longer a session we can offer
            return None
        kind = _kind(self.kinds, record)
        if kind is None:
            reading.review.append("no session kind the assistant knows: not offered as a hub session")
            return None
        ext = _ext(record)
        if existing is None and ext.get("key"):
            existing = self.session.scalar(select(HubSession).where(HubSession.key == ext["key"]))
        pattern = reading.pattern
        fields = dict(
            title=str(record["name"])[:200], kind_id=kind.id, hub_id=hub.id, freq=pattern.freq,
            weekday=pattern.weekday, week_of_month=pattern.week_of_month, starts_on=pattern.starts_on,
            ends_on=pattern.ends_on, starts=pattern.starts, ends=pattern.ends,
            min_age_months=_age_months(record.get("minimum_age"), 0),
            max_age_months=_age_months(record.get("maximum_age"), 300),
            term_time_only=bool(ext.get("term_time_only", False)),
            school_holidays_only=bool(ext.get("school_holidays_only", False)),
            description=" ".join(str(record.get("description") or "").split()),
            oruk_id=str(record["id"]), retired=False,
        )
        if existing is None:
            key = ext.get("key") or _session_key(record)
            existing = HubSession(key=key, **fields, **{name: ext[name] for name in HUB_OWN_SETTINGS if name in ext})
            self.session.add(existing)
        else:
            for name, value in fields.items():
                if getattr(existing, name) != value:
                    setattr(existing, name, value)
        self.session.flush()
        return existing

    def _partner(self, record: dict) -> None:
        """A partner the answers name takes its number from the feed: the one
        whose `oruk_id` is this record's (its name and about stay the plain
        words in the borough file), or the one the project's extension names
        (its name and about too)."""
        phones = [p for p in record.get("phones") or [] if isinstance(p, dict) and p.get("number")]
        if not phones:
            return
        linked = self.partners.get(str(record["id"]))
        if linked is not None:
            if linked.phone != str(phones[0]["number"]):
                linked.phone = str(phones[0]["number"])
            return
        slug = _ext(record).get("partner")
        if not slug:
            return
        row = self.session.scalar(select(PartnerService).where(PartnerService.slug == slug))
        fields = dict(name=str(record["name"])[:200], phone=str(phones[0]["number"]),
                      about=" ".join(str(record.get("description") or "").split()))
        if row is None:
            self.session.add(PartnerService(slug=slug, **fields))
        else:
            for name, value in fields.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)

    def retire_missing(self) -> None:
        for stored in self.known.values():
            if stored.id not in self.seen and not stored.retired:
                stored.retired, stored.updated_at = True, self.now
                self.report.retired += 1
                hub_session = self.sessions_by_oruk.get(stored.id)
                if hub_session is not None:
                    hub_session.retired = True


def _session_key(record: dict) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", str(record["name"]).lower()).strip("_")[:60]
    return f"oruk_{words}_{hashlib.sha256(str(record['id']).encode()).hexdigest()[:8]}"


def import_services(session: Session, records: list, now: datetime) -> ImportReport:
    """Apply one feed's services to the directory in `session` (flushed, not
    committed: the caller's transaction holds the whole import)."""
    importer = Importer(session, now)
    for record in records:
        importer.add(record)
    importer.report.read_count = len(records)
    if records and len(importer.report.refused) == len(records):
        raise FeedRefused("every record was refused")
    current = sum(1 for stored in importer.known.values() if not stored.retired)
    importer.retire_missing()
    if current >= 10 and importer.report.retired > current * MOST_RETIRED_SHARE:
        raise FeedRefused(f"the feed would retire {importer.report.retired} of {current} services: "
                          "it looks cut short, so nothing was changed")
    session.flush()
    return importer.report


def run_import(session_factory: sessionmaker, text: str, source: str, now: datetime | None = None) -> OrukImport:
    """Import a feed's text in one transaction and record the run (in its own
    transaction, so a refused or failed run is recorded too)."""
    return run_import_from(session_factory, lambda: services_in(text), source, now)


def run_import_from(session_factory: sessionmaker, read, source: str, now: datetime | None = None) -> OrukImport:
    """Import the records `read()` gives (a file's, or a council's API read
    page by page) in one transaction, and record the run."""
    now = now or datetime.now(timezone.utc)
    run = OrukImport(started_at=now, source=source[:500], outcome="imported", problem="", refused=[], to_review=[])
    try:
        records = read()
        with session_factory() as session, session.begin():
            report = import_services(session, records, now)
        run.read_count, run.added, run.updated = report.read_count, report.added, report.updated
        run.unchanged, run.retired = report.unchanged, report.retired
        run.refused, run.to_review = report.refused, report.to_review
    except FeedRefused as problem:
        run.outcome, run.problem = "refused", str(problem)
    except FeedUnreadable as problem:
        run.outcome, run.problem = "failed", f"{problem}: nothing was changed"
    except Exception as error:  # noqa: BLE001 - recorded for staff; the transaction rolled back
        log.exception("directory import failed")
        run.outcome, run.problem = "failed", f"{type(error).__name__}: nothing was changed"
    run.finished_at = datetime.now(timezone.utc)
    with session_factory() as session, session.begin():
        session.add(run)
    return run


def import_file(session_factory: sessionmaker, path: Path, now: datetime | None = None) -> OrukImport:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        text = ""
        log.warning("could not read %s: %s", path.name, type(error).__name__)
    return run_import(session_factory, text, str(path), now)


def main(argv: list[str] | None = None) -> int:
    from api.db import make_engine, make_session_factory
    from api.settings import get_settings

    parser = argparse.ArgumentParser(description="Import an Open Referral UK feed (a JSON file) into the directory.")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    engine = make_engine(get_settings().database_url)
    run = import_file(make_session_factory(engine), args.file)
    engine.dispose()
    log.info("%s: %s read=%d added=%d updated=%d unchanged=%d retired=%d refused=%d to_review=%d %s",
             args.file.name, run.outcome, run.read_count, run.added, run.updated, run.unchanged, run.retired,
             len(run.refused), len(run.to_review), run.problem)
    for item in run.refused:
        log.info("refused %s: %s", item["id"] or "(no id)", item["reason"])
    return 0 if run.outcome == "imported" else 1


if __name__ == "__main__":
    sys.exit(main())
