"""Staff pages for partners (schools, GP practices, health visitors,
voluntary groups): ask the hub to contact a family, and see the requests
they made (only theirs). Partners have no access to the queue. Every view
and request is audited; every POST checks the CSRF token.
"""

import secrets
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import get_now
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.directory.models import Hub
from api.referrals import partners
from api.referrals.live import publish_referral_changed
from api.referrals.staff_routes import when
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

router = APIRouter(prefix="/staff/partner")
partner_only = require_staff("partner")
STATUS_WORDS = {"new": "Waiting for a worker", "claimed": "A worker has it", "contacted": "The family has been contacted",
                "closed": "Closed", "declined": "Declined", "withdrawn": "The family said no"}


def _form_page(request: Request, db: Session, form: dict, errors: dict, status_code: int = 200) -> HTMLResponse:
    hubs = list(db.scalars(select(Hub).order_by(Hub.name)))
    return render(request, "partner_request.html", {
        "form": form, "errors": errors, "hubs": hubs, "idempotency_key": form.get("idempotency_key")
        or secrets.token_hex(16)}, status_code=status_code)


@router.get("")
def my_requests(request: Request, done: str = "", db: Session = Depends(get_db),
                staff: StaffUser = Depends(partner_only)) -> HTMLResponse:
    rows = partners.partner_requests(db, staff)
    record_audit(db, staff, "partner_requests.viewed", "partner_requests", None, shown=len(rows))
    db.commit()
    return render(request, "partner_requests.html", {"rows": rows, "when": when, "status_words": STATUS_WORDS,
                                                     "done": done == "sent"}, staff=staff)


@router.get("/new")
def new_request(request: Request, db: Session = Depends(get_db),
                staff: StaffUser = Depends(partner_only)) -> HTMLResponse:
    return _form_page(request, db, {}, {})


@router.post("/new", dependencies=[Depends(check_csrf)])
async def send_request(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                       settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(partner_only),
                       now: datetime = Depends(get_now)) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    try:
        made = await run_in_threadpool(partners.create_partner_request, db, staff, form,
                                       form.get("idempotency_key", ""), now, settings.pseudonym_key)
    except partners.PartnerRequestInvalid as invalid:
        db.rollback()
        record_audit(db, staff, "partner_request.refused", "partner_requests", None, fields=sorted(invalid.errors))
        db.commit()
        return _form_page(request, db, form, invalid.errors, status_code=422)
    record_audit(db, staff, "partner_request.made", "referral", made.referral.reference, texted=made.texted)
    db.commit()
    if made.created:
        await publish_referral_changed(redis, settings, made.referral.reference, made.referral.hub.slug,
                                       made.referral.status)
    return RedirectResponse("/staff/partner?done=sent", status_code=303)
