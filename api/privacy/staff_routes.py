"""The admin's page for one family's data (a subject access request, or an
erasure): find the family by phone number or reference, see what is held,
download all of it, or erase all of it. Admin only; the phone number is
posted, never put in a URL; every search, download and erasure is in the
audit log, by counts, never by who the family is.
"""

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.clock import get_now
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.privacy.erasure import erase_family, export_family, find_family, forget_family_in_redis
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

router = APIRouter(prefix="/staff/families")
admin = require_staff("admin")


def _summary(export: dict) -> dict[str, int]:
    return {"requests": len(export["requests"]), "bookings": len(export["bookings"]),
            "texts received": len(export["texts_received"]), "texts sent": len(export["texts_sent"]),
            "unanswered messages": len(export["messages_the_assistant_could_not_answer"])}


def _page(request: Request, *, phone: str = "", reference: str = "", summary: dict | None = None,
          notice: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    return render(request, "families.html", {"phone": phone, "reference": reference, "summary": summary,
                                             "notice": notice, "error": error}, status_code=status_code)


@router.get("")
def families_page(request: Request, staff: StaffUser = Depends(admin)) -> HTMLResponse:
    return _page(request)


@router.post("", dependencies=[Depends(check_csrf)])
async def act(request: Request, action: str = Form("find"), phone: str = Form(""), reference: str = Form(""),
              confirm: str = Form(""), db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
              settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(admin),
              now: datetime = Depends(get_now)) -> Response:
    phone, reference = phone.strip()[:40], reference.strip()[:20]
    if not phone and not reference:
        return _page(request, error="Enter a phone number or a reference.", status_code=422)
    family = await run_in_threadpool(find_family, db, settings.pseudonym_key, phone=phone, reference=reference)
    export = await run_in_threadpool(export_family, db, family)
    summary = _summary(export)
    found = any(summary.values())
    if action == "export" and found:
        record_audit(db, staff, "family.exported", "family", None, **summary)
        await run_in_threadpool(db.commit)
        return Response(json.dumps(export, indent=2, ensure_ascii=False), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="family-data-{now:%Y-%m-%d}.json"',
                                 "Cache-Control": "no-store"})
    if action == "erase" and found:
        if confirm != "yes":
            return _page(request, phone=phone, reference=reference, summary=summary, status_code=422,
                         error="Tick the box to say you mean to erase everything held about this family.")

        def erase():
            erased = erase_family(db, family, now, keep_in_use=False)
            record_audit(db, staff, "family.erased", "family", None, by="admin", **erased.removed)
            db.commit()
            return erased
        erased = await run_in_threadpool(erase)
        await forget_family_in_redis(redis, family)
        notice = "Everything held about this family has been erased."
        if erased.kept_stop:
            notice += " They had asked for no texts: that is kept as a code, so they are never texted again."
        return _page(request, notice=notice)
    record_audit(db, staff, "family.searched", "family", None, found=found)
    await run_in_threadpool(db.commit)
    if not found:
        return _page(request, phone=phone, reference=reference, status_code=404,
                     error="Nothing is held about that number or reference.")
    return _page(request, phone=phone, reference=reference, summary=summary)
