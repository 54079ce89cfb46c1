"""Staff pages for referrals: the live queue and one referral's page.

Front door and admin see every hub; a worker sees only their own hub's
referrals (403 for another hub's page). Every page view and every change
is written to the audit log. Every POST checks the CSRF token.
"""

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import get_now
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.directory.models import Hub
from api.directory.timetable import local
from api.languages.service import language_name
from api.referrals import endings, safeguarding, service
from api.referrals.family_record import family_record
from api.referrals.live import publish_referral_changed, queue_events
from api.referrals.models import STATUSES, Referral
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import StaffForbidden, check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

HERE = Path(__file__).parent
QUEUE_ROLES = ("front_door", "worker", "admin")
STATUS_FILTERS = ("open", *STATUSES, "all")
NOTICES = {
    "claimed": "You have claimed this referral.",
    "status": "The status has been changed.",
    "note": "Your note has been saved.",
    "reassigned": "The referral has been given to another worker.",
    "text": "Your text is in the outbox, ready to send.",
    "closed": "The request is closed. The closing text is in the outbox, ready to send.",
    "closed_no_text": "The request is closed. No closing text was sent: texts are not safe for this family.",
    "escalated": "The safeguarding record has been saved. It cannot be changed or removed.",
    "service": "The service has been added to this request's record.",
}

router = APIRouter(prefix="/staff")
staff_member = require_staff(*QUEUE_ROLES)
front_door_or_admin = require_staff("front_door", "admin")


# --- helpers ---

def when(moment: datetime | None) -> str:
    """"Tuesday 1 June 2027, 10:00am" in London time."""
    if moment is None:
        return ""
    moment = local(moment)
    hour = moment.hour % 12 or 12
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def _own_hub(staff: StaffUser) -> str | None:
    """The hub a worker is limited to; None for front door and admin."""
    return staff.hub_slug or "-" if staff.role == "worker" else None


def _queue_context(db: Session, staff: StaffUser, hub: str, status: str) -> dict:
    status = status if status in STATUS_FILTERS else "open"
    own = _own_hub(staff)
    hub = own if own else hub
    hubs = list(db.scalars(select(Hub).order_by(Hub.name)))
    if hub and hub not in {h.slug for h in hubs}:
        hub = "-" if own else ""
    referrals = service.queue(db, hub_slug=hub or None, status=status)
    staff_names = _staff_names(db, {r.claimed_by_id for r in referrals})
    return {"referrals": referrals, "hubs": hubs, "hub": hub, "status": status, "statuses": STATUS_FILTERS,
            "own_hub": own, "staff_names": staff_names, "when": when}


def _staff_names(db: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {s.id: s.name for s in db.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))}


def _referral_for(db: Session, staff: StaffUser, reference: str) -> Referral | None:
    referral = service.load_referral(db, reference)
    if referral is not None and not service.can_see(staff, referral):
        raise StaffForbidden("hub")
    return referral


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "referral_not_found.html", {}, status_code=404)


def _page(request: Request, db: Session, staff: StaffUser, referral: Referral, *, error: str = "",
          notice: str = "", status_code: int = 200) -> HTMLResponse:
    record = family_record(db, referral)
    # Every view of a family record is audited (counts only, never words).
    record_audit(db, staff, "family_record.viewed", "referral", referral.reference, **record.counts)
    db.commit()
    names = _staff_names(db, {e.staff_id for e in referral.events} | {referral.claimed_by_id}
                         | {r.claimed_by_id for r in record.earlier} | {e.staff_id for e in referral.escalations})
    context = {
        "record": record, "can_see": lambda other: service.can_see(staff, other),
        "referral": referral, "events": referral.events, "staff_names": names, "when": when,
        # Closing has its own form, with how it ended.
        "next_statuses": sorted(service.NEXT_STATUSES.get(referral.status, set()) - {"closed"}),
        "can_close": referral.status in endings.CLOSABLE, "outcomes": endings.OUTCOMES,
        "guidance": safeguarding.guidance_for(referral.topics), "reminder": safeguarding.reminder_for(referral),
        "passed_to": safeguarding.passed_to_choices(),
        "can_reassign": staff.role in ("front_door", "admin") and referral.is_open,
        "workers": service.workers_for_reassign(db) if staff.role in ("front_door", "admin") else [],
        "error": error, "notice": notice,
        "language": "" if referral.language == "en" else language_name(referral.language),
    }
    return render(request, "referral.html", context, staff=staff, status_code=status_code)


async def _after_change(request: Request, redis: Redis, settings: Settings, referral: Referral,
                        done: str) -> RedirectResponse:
    await publish_referral_changed(redis, settings, referral.reference, referral.hub.slug, referral.status)
    return RedirectResponse(f"/staff/referrals/{referral.reference}?done={done}", status_code=303)


# --- the queue ---

@router.get("/queue")
def queue_page(request: Request, hub: str = "", status: str = "open", db: Session = Depends(get_db),
               staff: StaffUser = Depends(staff_member)) -> HTMLResponse:
    context = _queue_context(db, staff, hub, status)
    record_audit(db, staff, "referral_queue.viewed", "referral_queue", None, hub=context["hub"] or "all",
                 status=context["status"], shown=len(context["referrals"]))
    db.commit()
    query = f"hub={context['hub']}&status={context['status']}"
    return render(request, "referral_queue.html", {**context, "query": query}, staff=staff)


@router.get("/queue/table")
def queue_table(request: Request, hub: str = "", status: str = "open", db: Session = Depends(get_db),
                staff: StaffUser = Depends(staff_member)) -> HTMLResponse:
    """Just the table, for the page's script to swap in after a live update."""
    context = _queue_context(db, staff, hub, status)
    record_audit(db, staff, "referral_queue.viewed", "referral_queue", None, hub=context["hub"] or "all",
                 status=context["status"], shown=len(context["referrals"]), live=True)
    db.commit()
    return render(request, "referral_queue_table.html", context, staff=staff)


@router.get("/queue/events")
async def queue_event_stream(request: Request, redis: Redis = Depends(get_redis),
                             settings: Settings = Depends(get_app_settings),
                             staff: StaffUser = Depends(staff_member)) -> StreamingResponse:
    """Server-sent events: one `referral` event whenever a referral changes."""
    return StreamingResponse(queue_events(redis, settings, _own_hub(staff), request.is_disconnected),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/queue/queue.js")
def queue_script() -> FileResponse:
    return FileResponse(HERE / "static" / "queue.js", media_type="text/javascript")


# --- one referral ---

@router.get("/referrals/{reference}")
def referral_page(request: Request, reference: str, done: str = "", db: Session = Depends(get_db),
                  staff: StaffUser = Depends(staff_member)) -> Response:
    referral = _referral_for(db, staff, reference)
    if referral is None:
        return _not_found(request)
    record_audit(db, staff, "referral.viewed", "referral", referral.reference)
    db.commit()
    return _page(request, db, staff, referral, notice=NOTICES.get(done, ""))


@router.post("/referrals/{reference}/claim", dependencies=[Depends(check_csrf)])
async def claim(request: Request, reference: str, db: Session = Depends(get_db),
                redis: Redis = Depends(get_redis), settings: Settings = Depends(get_app_settings),
                staff: StaffUser = Depends(staff_member), now: datetime = Depends(get_now)) -> Response:
    referral = _referral_for(db, staff, reference)
    if referral is None:
        return _not_found(request)
    record_audit(db, staff, "referral.claimed", "referral", referral.reference)
    result = await run_in_threadpool(service.claim_referral, db, referral, staff, now)
    if not result.won:
        record_audit(db, staff, "referral.claim_refused", "referral", referral.reference, status=result.status)
        db.commit()
        holder = _staff_names(db, {result.holder_id}).get(result.holder_id)
        message = (f"{holder} has already claimed this referral." if holder
                   else f"This referral is {result.status}, so it cannot be claimed.")
        return _page(request, db, staff, service.load_referral(db, reference), error=message, status_code=409)
    return await _after_change(request, redis, settings, referral, "claimed")


async def _change(request: Request, db: Session, redis: Redis, settings: Settings, staff: StaffUser,
                  reference: str, action: str, done: str, change, **detail) -> Response:
    """Audit, make one change through the service, publish; or show the refusal."""
    referral = _referral_for(db, staff, reference)
    if referral is None:
        return _not_found(request)
    record_audit(db, staff, action, "referral", referral.reference, **detail)
    try:
        await run_in_threadpool(change, referral)
    except (service.ReferralChangeRefused, endings.EndingRefused, safeguarding.EscalationRefused) as refusal:
        db.rollback()
        record_audit(db, staff, f"{action}_refused", "referral", referral.reference, **detail)
        db.commit()
        return _page(request, db, staff, service.load_referral(db, reference), error=str(refusal), status_code=409)
    return await _after_change(request, redis, settings, referral, done)


@router.post("/referrals/{reference}/status", dependencies=[Depends(check_csrf)])
async def change_status(request: Request, reference: str, status: str = Form(""), reason: str = Form(""),
                        db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                        settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(staff_member),
                        now: datetime = Depends(get_now)) -> Response:
    return await _change(request, db, redis, settings, staff, reference, "referral.status_changed", "status",
                         lambda r: service.change_status(db, r, staff, status, reason, now),
                         new_status=status[:20])


@router.post("/referrals/{reference}/notes", dependencies=[Depends(check_csrf)])
async def add_note(request: Request, reference: str, note: str = Form(""), db: Session = Depends(get_db),
                   redis: Redis = Depends(get_redis), settings: Settings = Depends(get_app_settings),
                   staff: StaffUser = Depends(staff_member), now: datetime = Depends(get_now)) -> Response:
    return await _change(request, db, redis, settings, staff, reference, "referral.note_added", "note",
                         lambda r: service.add_note(db, r, staff, note, now))


@router.post("/referrals/{reference}/services", dependencies=[Depends(check_csrf)])
async def add_service(request: Request, reference: str, service_id: str = Form(""), db: Session = Depends(get_db),
                      redis: Redis = Depends(get_redis), settings: Settings = Depends(get_app_settings),
                      staff: StaffUser = Depends(staff_member), now: datetime = Depends(get_now)) -> Response:
    """A service chosen on the directory search page, added to the request's record."""
    return await _change(request, db, redis, settings, staff, reference, "referral.service_added", "service",
                         lambda r: service.add_directory_service(db, r, staff, service_id, now))


@router.post("/referrals/{reference}/reassign", dependencies=[Depends(check_csrf)])
async def reassign(request: Request, reference: str, worker_id: int = Form(0), db: Session = Depends(get_db),
                   redis: Redis = Depends(get_redis), settings: Settings = Depends(get_app_settings),
                   staff: StaffUser = Depends(front_door_or_admin), now: datetime = Depends(get_now)) -> Response:
    return await _change(request, db, redis, settings, staff, reference, "referral.reassigned", "reassigned",
                         lambda r: service.reassign(db, r, staff, worker_id, now), worker_id=worker_id)


@router.post("/referrals/{reference}/texts", dependencies=[Depends(check_csrf)])
async def send_text(request: Request, reference: str, message: str = Form(""), db: Session = Depends(get_db),
                    redis: Redis = Depends(get_redis), settings: Settings = Depends(get_app_settings),
                    staff: StaffUser = Depends(staff_member), now: datetime = Depends(get_now)) -> Response:
    return await _change(request, db, redis, settings, staff, reference, "referral.text_sent", "text",
                         lambda r: service.send_text(db, r, staff, message, now))


@router.post("/referrals/{reference}/close", dependencies=[Depends(check_csrf)])
async def close(request: Request, reference: str, outcome: str = Form(""), passed_to: str = Form(""),
                notes: str = Form(""), db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(staff_member),
                now: datetime = Depends(get_now)) -> Response:
    """A planned ending: how it ended, notes, and the family's closing text."""
    texted = []
    response = await _change(request, db, redis, settings, staff, reference, "referral.closed", "closed",
                             lambda r: texted.append(endings.close_with_outcome(db, r, staff, outcome, passed_to,
                                                                                notes, now)),
                             outcome=outcome[:30])
    if texted and not texted[0] and isinstance(response, RedirectResponse):
        return RedirectResponse(f"/staff/referrals/{reference}?done=closed_no_text", status_code=303)
    return response


@router.post("/referrals/{reference}/escalations", dependencies=[Depends(check_csrf)])
async def escalate(request: Request, reference: str, passed_to: str = Form(""), reason: str = Form(""),
                   passed_at: str = Form(""), db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                   settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(staff_member),
                   now: datetime = Depends(get_now)) -> Response:
    """Record that the request was passed on for safeguarding (never undone)."""
    return await _change(request, db, redis, settings, staff, reference, "referral.escalated", "escalated",
                         lambda r: safeguarding.record_escalation(db, r, staff, passed_to, reason, passed_at, now),
                         passed_to=passed_to[:40])
