"""Open Referral UK read endpoints under /oruk/ (public, read only: the
directory holds no personal data) and the staff page of import runs."""

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import get_db
from api.directory import oruk_out
from api.directory.oruk_models import OrukImport, OrukService
from api.deps import get_app_settings
from api.directory.oruk_feed import FEED_JOB_ID, oruk_feed_job
from api.settings import Settings
from api.sms.runtime import UPKEEP_QUEUE, make_sync_redis
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

IMPORT_PAGE_ROLES = ("front_door", "comms", "manager", "admin")
READ_NOW_ROLES = ("admin",)
NOTICES = {"queued": "The feed will be read in the background in a moment. Reload this page to see the run.",
           "no-feed": "No council feed is set (ORUK_FEED_URL), so there is nothing to read.",
           "not-queued": "The feed could not be queued just now (the background workers are away). Try again soon."}

router = APIRouter()
page_size = Query(oruk_out.DEFAULT_PAGE_SIZE, ge=1, le=oruk_out.MAX_PAGE_SIZE)


@router.get("/oruk/")
def about(request: Request) -> dict:
    """The API's root, as HSDS 3 has it: which version and profile it serves."""
    return {"version": oruk_out.HSDS_VERSION, "profile": oruk_out.PROFILE,
            "openapi_url": str(request.url_for("openapi"))}


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


@router.get("/oruk/organizations/{item_id}")
def organization(item_id: str, db: Session = Depends(get_db)) -> dict:
    return _one(oruk_out.organizations(db), item_id, "organization")


@router.get("/oruk/taxonomies")
def taxonomies(page: int = Query(1, ge=1), per_page: int = page_size, db: Session = Depends(get_db)) -> dict:
    return oruk_out.page_of(oruk_out.taxonomies(db), page, per_page)


@router.get("/oruk/taxonomies/{item_id}")
def taxonomy(item_id: str, db: Session = Depends(get_db)) -> dict:
    return _one(oruk_out.taxonomies(db), item_id, "taxonomy")


@router.get("/oruk/taxonomy_terms")
def taxonomy_terms(page: int = Query(1, ge=1), per_page: int = page_size, db: Session = Depends(get_db)) -> dict:
    return oruk_out.page_of(oruk_out.terms(db), page, per_page)


@router.get("/oruk/taxonomy_terms/{item_id}")
def taxonomy_term(item_id: str, db: Session = Depends(get_db)) -> dict:
    return _one(oruk_out.terms(db), item_id, "taxonomy term")


def _one(items: list[dict], item_id: str, what: str) -> dict:
    for item in items:
        if item["id"] == item_id:
            return item
    raise HTTPException(404, f"no such {what}")


@router.get("/staff/directory/imports")
def import_runs(request: Request, done: str = "", db: Session = Depends(get_db),
                settings: Settings = Depends(get_app_settings),
                staff: StaffUser = Depends(require_staff(*IMPORT_PAGE_ROLES))) -> HTMLResponse:
    """Each directory import: what was read, refused and why, what to look at."""
    runs = list(db.scalars(select(OrukImport).order_by(OrukImport.id.desc()).limit(20)))
    last_good = db.scalar(select(OrukImport).where(OrukImport.outcome == "imported")
                          .order_by(OrukImport.id.desc()).limit(1))
    to_review = list(db.scalars(select(OrukService).where(OrukService.retired.is_(False))
                                .order_by(OrukService.name)))
    to_review = [row for row in to_review if row.needs_review]
    return render(request, "directory_imports.html",
                  {"runs": runs, "last_good": last_good, "to_review": to_review, "notice": NOTICES.get(done, ""),
                   "can_read_now": bool(settings.oruk_feed_url) and staff.role in READ_NOW_ROLES}, staff)


@router.post("/staff/directory/imports/read-now", dependencies=[Depends(check_csrf)])
def read_feed_now(db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
                  staff: StaffUser = Depends(require_staff(*READ_NOW_ROLES))) -> RedirectResponse:
    """Queue a read of the council's feed now: a worker does it (never this
    web request); the run appears on the imports page."""
    if not settings.oruk_feed_url:
        return RedirectResponse("/staff/directory/imports?done=no-feed", status_code=303)
    connection = make_sync_redis(settings)
    try:
        # A fixed job id: pressing twice while it waits queues it once.
        Queue(UPKEEP_QUEUE, connection=connection).enqueue(oruk_feed_job, job_id=FEED_JOB_ID, job_timeout=3600)
    except RedisError:
        return RedirectResponse("/staff/directory/imports?done=not-queued", status_code=303)
    finally:
        connection.close()
    record_audit(db, staff, "directory.feed_read_queued")
    db.commit()
    return RedirectResponse("/staff/directory/imports?done=queued", status_code=303)
