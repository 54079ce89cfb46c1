"""Finding a service in the whole directory, for front-door staff and
workers looking for what to offer a family (/staff/directory).

It searches every current service read from the directory feed (hub
sessions and other services alike; retired ones are left out) by need (a
taxonomy term), a child's age, area (postcode district), day, part of the
day (morning, afternoon, evening) and words, and says each one the same
way: name, organisation, when, where, phone, ages. Everything comes from
the service's Open Referral UK record.
"""

import calendar
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.directory.ages import AgeRange
from api.directory.oruk_import import locations
from api.directory.oruk_models import OrukService
from api.directory.oruk_schedule import BYDAY, DAYS, FreeTextOnly, ScheduleProblem, read_schedule, read_time
from api.directory.service import outward_code
from api.directory.wording import family_time

MOST_SHOWN = 50
# Parts of the day a worker can ask for: a service is in one when any of
# its times overlaps it.
PARTS_OF_DAY = {"morning": (time(0, 0), time(12, 0)), "afternoon": (time(12, 0), time(17, 0)),
                "evening": (time(17, 0), time(23, 59))}
NTH = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "Last"}


@dataclass(frozen=True)
class FoundService:
    id: str
    name: str
    organisation: str
    when: list[str]
    where: str
    phone: str
    ages: str
    hub_session: bool


@dataclass(frozen=True)
class SearchResult:
    services: list[FoundService]
    total: int  # all that matched; at most MOST_SHOWN are in `services`


def _schedules(record: dict) -> list[dict]:
    """The service's own schedules (not its places' opening hours)."""
    found = [s for _, items in locations(record) for s in items]
    found += list(record.get("schedules") or [])
    return [s for s in found if isinstance(s, dict)]


def _schedule_days(schedule: dict) -> set[int]:
    """The weekdays one schedule runs on, from its rule (DAILY is every
    day), or named in its words."""
    if str(schedule.get("freq") or "").upper() == "DAILY" and not schedule.get("byday"):
        return set(range(7))
    days = set()
    for part in str(schedule.get("byday") or "").upper().split(","):
        match = BYDAY.match(part.strip())
        if match:
            days.add(DAYS.index(match.group("day")))
    if not schedule.get("freq"):
        words = str(schedule.get("description") or "").lower()
        days.update(i for i, name in enumerate(calendar.day_name) if name.lower() in words)
    return days


def _schedule_hours(schedule: dict) -> tuple[time, time] | None:
    try:
        return read_time(schedule.get("opens_at")), read_time(schedule.get("closes_at"))
    except ScheduleProblem:
        return None


def _runs(record: dict, day: int | None, part: str) -> bool:
    """Whether one of its schedules is on `day` and in that part of the
    day (None and "": any). A service that gives no days (or no times) is
    left out when they are asked for."""
    for schedule in _schedules(record):
        if day is not None and day not in _schedule_days(schedule):
            continue
        if part:
            hours, (part_starts, part_ends) = _schedule_hours(schedule), PARTS_OF_DAY[part]
            if hours is None or not (hours[0] < part_ends and hours[1] > part_starts):
                continue
        return True
    return False


def _days_in_words(days: set[int]) -> str:
    names = [calendar.day_name[day] + "s" for day in sorted(days)]
    if len(names) == 7:
        return "Every day"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _when(record: dict) -> list[str]:
    said = []
    for schedule in _schedules(record):
        try:
            pattern = read_schedule(schedule)
        except ScheduleProblem:  # a rule no hub session keeps (several days, daily): said as it is
            days, hours = _schedule_days(schedule), _schedule_hours(schedule)
            if days and hours:
                said.append(f"{_days_in_words(days)}, {family_time(hours[0])} to {family_time(hours[1])}")
            elif schedule.get("description"):
                said.append(" ".join(str(schedule["description"]).split()))
            continue
        if isinstance(pattern, FreeTextOnly):
            said.append(pattern.description)
            continue
        day = calendar.day_name[pattern.weekday]
        hours = f"{family_time(pattern.starts)} to {family_time(pattern.ends)}"
        if pattern.freq == "monthly":
            said.append(f"{NTH.get(pattern.week_of_month, '')} {day} of the month, {hours}".strip())
        elif pattern.freq == "fortnightly":
            said.append(f"Every other {day}, {hours}")
        else:
            said.append(f"{day}s, {hours}")
    return said


def _where(record: dict) -> str:
    for location, _ in locations(record):
        address = next((a for a in location.get("addresses") or [] if isinstance(a, dict)), {})
        parts = [location.get("name"), address.get("address_1"), address.get("postal_code")]
        return ", ".join(str(p) for p in parts if p)
    areas = [str(a.get("name")) for a in record.get("service_areas") or [] if isinstance(a, dict) and a.get("name")]
    return f"Covers {', '.join(areas)}" if areas else ""


def _phone(record: dict) -> str:
    organisation = record.get("organization") if isinstance(record.get("organization"), dict) else {}
    places = [location for location, _ in locations(record)]
    for holder in [record, *places, organisation]:
        for phone in holder.get("phones") or []:
            if isinstance(phone, dict) and phone.get("number"):
                return str(phone["number"])
    return ""


def _years(value) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def _ages(record: dict) -> str:
    low, high = _years(record.get("minimum_age")), _years(record.get("maximum_age"))
    if not low and high is None:
        return "All ages"
    if high is None:
        return f"From {low:g} years"
    return f"Up to {high:g} years" if not low else f"{low:g} to {high:g} years"


def _age_fits(record: dict, age: AgeRange) -> bool:
    low, high = _years(record.get("minimum_age")), _years(record.get("maximum_age"))
    return age.overlaps(round((low or 0) * 12), round(high * 12) if high is not None else 10_000)


def _in_area(row: OrukService, district: str) -> bool:
    if any(outward_code(code) == district for code in row.postcodes or []):
        return True
    for area in row.record.get("service_areas") or []:
        if isinstance(area, dict):
            words = f"{area.get('name') or ''} {area.get('description') or ''}".upper().replace(",", " ").split()
            if district in words:
                return True
    return False


def described(row: OrukService) -> FoundService:
    record = row.record
    organisation = record.get("organization") if isinstance(record.get("organization"), dict) else {}
    return FoundService(id=row.id, name=row.name, organisation=str(organisation.get("name") or ""),
                        when=_when(record), where=_where(record), phone=_phone(record), ages=_ages(record),
                        hub_session=row.hub_session_id is not None)


def find_services(session: Session, *, need: str = "", age: AgeRange | None = None, area: str = "",
                  day: int | None = None, part_of_day: str = "", text: str = "") -> SearchResult:
    """Current services, by name, that meet every filter given: `need` a
    taxonomy term id; `age` overlaps the service's ages (none given: all
    ages); `area` a postcode or district where it has a place or that its
    service areas name; `day` (0 Monday) and `part_of_day` (a key of
    PARTS_OF_DAY) when one of its schedules runs (services with no days or
    times given are left out); every word of `text` in its name,
    description, organisation or terms."""
    query = select(OrukService).where(OrukService.retired.is_(False))
    for word in text.lower().split()[:10]:
        query = query.where(OrukService.search_text.contains(word, autoescape=True))
    district = outward_code(area) if area.strip() else None
    if area.strip() and district is None:
        return SearchResult([], 0)
    found = []
    for row in session.scalars(query.order_by(OrukService.name, OrukService.id)):
        if need and need not in (row.taxonomy_term_ids or []):
            continue
        if age is not None and not _age_fits(row.record, age):
            continue
        if district and not _in_area(row, district):
            continue
        if (day is not None or part_of_day) and not _runs(row.record, day, part_of_day):
            continue
        found.append(row)
    return SearchResult([described(row) for row in found[:MOST_SHOWN]], len(found))


def one_service(session: Session, service_id: str) -> FoundService | None:
    """A current service, described; None if unknown or retired."""
    row = session.get(OrukService, service_id)
    return described(row) if row is not None and not row.retired else None
