"""Open Referral UK read endpoints under /oruk/ (public, read only: the
directory holds no personal data) and the staff page of import runs."""

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import get_db
from api.directory import oruk_out
from api.directory.oruk_models import OrukImport, OrukService
from api.staff.auth import require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

IMPORT_PAGE_ROLES = ("front_door", "comms", "manager", "admin")

router = APIRouter()
page_size = Query(oruk_out.DEFAULT_PAGE_SIZE, ge=1, le=oruk_out.MAX_PAGE_SIZE)


@router.get("/oruk/services")
def services(page: int = Query(1, ge=1), per_page: int = page_size, text: str = Query("", max_length=200),
             taxonomy_term_id: str = Query("", max_length=200), postcode: str = Query("", max_length=10),
             db: Session = Depends(get_db)) -> dict:
    return oruk_out.list_services(db, page, per_page, text, taxonomy_term_id, postcode)


@router.get("/oruk/services/{service_id}")
def service(service_id: str, db: Session = Depends(get_db)) -> dict:
    record = oruk_out.one_service(db, service_id)
    if record is None:
        raise HTTPException(404, "no such service")
    return record


@router.get("/oruk/service_at_locations")
def service_at_locations(page: int = Query(1, ge=1), per_page: int = page_size,
                         text: str = Query("", max_length=200), taxonomy_term_id: str = Query("", max_length=200),
                         postcode: str = Query("", max_length=10), db: Session = Depends(get_db)) -> dict:
    return oruk_out.list_service_at_locations(db, page, per_page, text, taxonomy_term_id, postcode)


@router.get("/oruk/service_at_locations/{item_id}")
def service_at_location(item_id: str, db: Session = Depends(get_db)) -> dict:
    found = oruk_out.one_service_at_location(db, item_id)
    if found is None:
        raise HTTPException(404, "no such service at location")
    return found


@router.get("/oruk/organizations")
def organizations(page: int = Query(1, ge=1), per_page: int = page_size, db: Session = Depends(get_db)) -> dict:
    return oruk_out.page_of(oruk_out.organizations(db), page, per_page)


@router.get("/oruk/taxonomies")
def taxonomies(page: int = Query(1, ge=1), per_page: int = page_size, db: Session = Depends(get_db)) -> dict:
    return oruk_out.page_of(oruk_out.taxonomies(db), page, per_page)


@router.get("/oruk/taxonomy_terms")
def taxonomy_terms(page: int = Query(1, ge=1), per_page: int = page_size, db: Session = Depends(get_db)) -> dict:
    return oruk_out.page_of(oruk_out.terms(db), page, per_page)


@router.get("/staff/directory/imports")
def import_runs(request: Request, db: Session = Depends(get_db),
                staff: StaffUser = Depends(require_staff(*IMPORT_PAGE_ROLES))) -> HTMLResponse:
    """Each directory import: what was read, refused and why, what to look at."""
    runs = list(db.scalars(select(OrukImport).order_by(OrukImport.id.desc()).limit(20)))
    last_good = db.scalar(select(OrukImport).where(OrukImport.outcome == "imported")
                          .order_by(OrukImport.id.desc()).limit(1))
    to_review = list(db.scalars(select(OrukService).where(OrukService.retired.is_(False))
                                .order_by(OrukService.name)))
    to_review = [row for row in to_review if row.needs_review]
    return render(request, "directory_imports.html",
                  {"runs": runs, "last_good": last_good, "to_review": to_review}, staff)
