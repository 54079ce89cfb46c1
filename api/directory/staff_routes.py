"""The directory search page for front-door staff and workers: find a
service to offer a family, and (from an open request) add it to the
request's record (the form posts to /staff/referrals/{reference}/services)."""

import calendar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.db import get_db
from api.directory import oruk_out
from api.directory.ages import parse_age
from api.directory.search import MOST_SHOWN, PARTS_OF_DAY, SearchResult, find_services
from api.directory.service import outward_code
from api.referrals import service as referrals
from api.staff.audit import record_audit
from api.staff.auth import StaffForbidden, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

SEARCH_ROLES = ("front_door", "worker", "admin")
DAY_CHOICES = [name.lower() for name in calendar.day_name]

router = APIRouter(prefix="/staff")


@router.get("/directory")
def directory_search(request: Request, need: str = Query("", max_length=200), age: str = Query("", max_length=40),
                     area: str = Query("", max_length=10), day: str = Query("", max_length=10),
                     time: str = Query("", max_length=10),
                     text: str = Query("", max_length=200), for_request: str = Query("", alias="for", max_length=16),
                     db: Session = Depends(get_db),
                     staff: StaffUser = Depends(require_staff(*SEARCH_ROLES))) -> HTMLResponse:
    errors = []
    age_range = parse_age(age) if age.strip() else None
    if age.strip() and age_range is None:
        errors.append({"text": "Enter a child's age like 3, 18 months or baby", "href": "#age"})
    if area.strip() and outward_code(area) is None:
        errors.append({"text": "Enter a postcode area like FB3, or a whole postcode", "href": "#area"})
    day = day if day in DAY_CHOICES else ""
    time = time if time in PARTS_OF_DAY else ""
    referral = None
    if for_request:
        referral = referrals.load_referral(db, for_request)
        if referral is not None and not referrals.can_see(staff, referral):
            raise StaffForbidden("hub")
    result = SearchResult([], 0)
    if not errors:
        result = find_services(db, need=need, age=age_range, area=area, day=DAY_CHOICES.index(day) if day else None,
                               part_of_day=time, text=text)
    if referral is not None:
        # Looking for a service for this request: a use of it, audited (counts only, never the words).
        record_audit(db, staff, "referral.directory_searched", "referral", referral.reference, found=result.total)
        db.commit()
    context = {"terms": oruk_out.terms(db), "days": DAY_CHOICES, "times": list(PARTS_OF_DAY), "result": result,
               "most_shown": MOST_SHOWN, "errors": errors,
               "referral": referral if referral is not None and referral.is_open else None,
               "asked": {"need": need, "age": age, "area": area, "day": day, "time": time, "text": text,
                         "for": for_request}}
    return render(request, "directory_search.html", context, staff, status_code=400 if errors else 200)
