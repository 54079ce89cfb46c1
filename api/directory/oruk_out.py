"""Open Referral UK out: the directory as the ORUK 3 / HSDS 3 read API
serves it, for the council's website and other tools.

Services are the records as the feed gave them (the project's extension
`x_family_hub` taken out), current ones only (retired services are gone
from here, but kept in the database). Organizations and taxonomy terms are
the ones those services name. Lists are pages in the standard's shape:
`total_items`, `total_pages`, `page_number`, `size` (items per page asked
for), `first_page`, `last_page`, `empty`, `contents`.
"""

import math
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.directory.oruk_import import EXTENSION, taxonomy_terms
from api.directory.oruk_models import OrukService
from api.directory.service import outward_code

HSDS_VERSION = "3.0"
PROFILE = "https://openreferraluk.org"  # the UK profile of HSDS 3
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_of(items: list, page: int, size: int, total: int | None = None) -> dict:
    """A page in the standard's shape. `items` is this page's contents when
    `total` is given, else every item (sliced here)."""
    page, size = max(1, page), max(1, min(size, MAX_PAGE_SIZE))
    if total is None:
        total = len(items)
        items = items[(page - 1) * size: page * size]
    total_pages = math.ceil(total / size)
    return {"total_items": total, "total_pages": total_pages, "page_number": page, "size": size,
            "first_page": page == 1, "last_page": page >= total_pages, "empty": not items, "contents": items}


def _without_extension(value):
    if isinstance(value, dict):
        return {k: _without_extension(v) for k, v in value.items() if k != EXTENSION}
    if isinstance(value, list):
        return [_without_extension(v) for v in value]
    return value


def service_record(row: OrukService) -> dict:
    record = _without_extension(row.record)
    record.setdefault("status", "active")
    record.setdefault("description", "")
    return record


def _current():
    return select(OrukService).where(OrukService.retired.is_(False))


def _matches(row: OrukService, term_id: str, district: str | None) -> bool:
    if term_id and term_id not in (row.taxonomy_term_ids or []):
        return False
    if district and not any(outward_code(code) == district for code in row.postcodes or []):
        return False
    return True


def list_services(session: Session, page: int = 1, size: int = DEFAULT_PAGE_SIZE, text: str = "",
                  taxonomy_term_id: str = "", postcode: str = "") -> dict:
    """`/services`: current services, by name, filtered by words in the
    name, description, organisation or taxonomy terms; by a taxonomy term;
    by postcode (services with a location in the same postcode district)."""
    query = _current()
    for word in text.lower().split()[:10]:
        query = query.where(OrukService.search_text.contains(word, autoescape=True))
    district = outward_code(postcode) if postcode.strip() else None
    if postcode.strip() and district is None:
        return page_of([], page, size)
    page, size = max(1, page), max(1, min(size, MAX_PAGE_SIZE))
    if not taxonomy_term_id and not district:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(OrukService.name, OrukService.id)
                               .offset((page - 1) * size).limit(size))
        return page_of([service_record(r) for r in rows], page, size, total)
    rows = [r for r in session.scalars(query.order_by(OrukService.name, OrukService.id))
            if _matches(r, taxonomy_term_id, district)]
    return page_of([service_record(r) for r in rows], page, size)


def _location_postcodes(location: dict) -> set[str]:
    return {outward_code(str(a.get("postal_code") or "")) for a in location.get("addresses") or []
            if isinstance(a, dict)} - {None}


def _service_at_location(record: dict, item: dict) -> dict:
    """One service at one location, as `/service_at_locations` serves it:
    the link's own fields, the location, and the service in brief."""
    location = item.get("location") if isinstance(item.get("location"), dict) else {}
    organization = record.get("organization") if isinstance(record.get("organization"), dict) else {}
    brief = {"id": str(record["id"]), "name": str(record.get("name") or ""),
             "description": str(record.get("description") or ""), "status": str(record.get("status") or "active")}
    if organization.get("id"):
        brief["organization"] = {"id": str(organization["id"]), "name": str(organization.get("name") or "")}
    found = {k: v for k, v in item.items() if k not in ("location",)}
    found.update(id=str(item.get("id") or f"{record['id']}:{location.get('id', '')}"), service_id=str(record["id"]),
                 location_id=str(location.get("id") or ""), description=str(item.get("description") or ""),
                 service=brief, location=location)
    return found


def list_service_at_locations(session: Session, page: int = 1, size: int = DEFAULT_PAGE_SIZE, text: str = "",
                              taxonomy_term_id: str = "", postcode: str = "") -> dict:
    """`/service_at_locations`: each current service at each of its
    locations, by service name, with the same filters as `/services`
    (postcode: that location is in the same postcode district)."""
    district = outward_code(postcode) if postcode.strip() else None
    if postcode.strip() and district is None:
        return page_of([], page, size)
    query = _current()
    for word in text.lower().split()[:10]:
        query = query.where(OrukService.search_text.contains(word, autoescape=True))
    found = []
    for row in session.scalars(query.order_by(OrukService.name, OrukService.id)):
        if not _matches(row, taxonomy_term_id, None):
            continue
        record = _without_extension(row.record)
        for item in record.get("service_at_locations") or []:
            if not isinstance(item, dict) or not isinstance(item.get("location"), dict):
                continue
            if district and district not in _location_postcodes(item["location"]):
                continue
            found.append(_service_at_location(record, item))
    return page_of(found, page, size)


def one_service_at_location(session: Session, item_id: str) -> dict | None:
    """`/service_at_locations/{id}`: None if unknown or its service is retired."""
    for row in session.scalars(_current().order_by(OrukService.id)):
        record = _without_extension(row.record)
        for item in record.get("service_at_locations") or []:
            if isinstance(item, dict) and isinstance(item.get("location"), dict) and str(item.get("id")) == item_id:
                return _service_at_location(record, item)
    return None


def one_service(session: Session, service_id: str) -> dict | None:
    row = session.scalar(_current().where(OrukService.id == service_id))
    return service_record(row) if row else None


def _current_records(session: Session) -> Iterable[dict]:
    for record in session.scalars(select(OrukService.record).where(OrukService.retired.is_(False))
                                  .order_by(OrukService.id)):
        yield _without_extension(record)


def organizations(session: Session) -> list[dict]:
    found: dict[str, dict] = {}
    for record in _current_records(session):
        organization = record.get("organization")
        if isinstance(organization, dict) and organization.get("id"):
            found.setdefault(str(organization["id"]), {
                "id": str(organization["id"]), "name": str(organization.get("name") or ""),
                "description": str(organization.get("description") or ""),
                **{k: v for k, v in organization.items() if k not in ("id", "name", "description")}})
    return sorted(found.values(), key=lambda o: (o["name"], o["id"]))


def terms(session: Session) -> list[dict]:
    found: dict[str, dict] = {}
    for record in _current_records(session):
        for term in taxonomy_terms(record):
            found.setdefault(str(term["id"]), {
                "id": str(term["id"]), "name": str(term.get("name") or ""),
                "description": str(term.get("description") or term.get("name") or ""),
                **{k: v for k, v in term.items() if k not in ("id", "name", "description", "taxonomy_detail")}})
    return sorted(found.values(), key=lambda t: (t["name"], t["id"]))


def taxonomies(session: Session) -> list[dict]:
    found: dict[str, dict] = {}
    for record in _current_records(session):
        for term in taxonomy_terms(record):
            detail = term.get("taxonomy_detail")
            if isinstance(detail, dict) and detail.get("id"):
                found.setdefault(str(detail["id"]), {
                    "id": str(detail["id"]), "name": str(detail.get("name") or ""),
                    "description": str(detail.get("description") or ""), "uri": str(detail.get("uri") or ""),
                    "version": str(detail.get("version") or "")})
    return sorted(found.values(), key=lambda t: (t["name"], t["id"]))
