"""Staff pages for drop-in sessions: each day's sessions and their
register, calling off a date, marking who came.

Front door and admin see every hub; a worker sees only their own hub's
sessions (403 for another hub's). Every view and change is written to the
audit log (no personal data in it). Every POST checks the CSRF token.
"""

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.bookings import register
from api.bookings.slots import session_by_key
from api.bookings.wording import age_words
from api.clock import get_now
from api.db import get_db
from api.directory.models import Hub
from api.directory.timetable import local
from api.directory.wording import family_time
from api.staff.audit import record_audit
from api.staff.auth import StaffForbidden, check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

REGISTER_ROLES = ("front_door", "worker", "admin")
NOTICES = {
    "cancelled": "The session is called off for that date. Every booked family has a text in the outbox.",
    "marked": "The register has been updated.",
}

router = APIRouter(prefix="/staff")
staff_member = require_staff(*REGISTER_ROLES)


def _own_hub(staff: StaffUser) -> str | None:
    """The hub a worker is limited to; None for front door and admin."""
    return (staff.hub_slug or "-") if staff.role == "worker" else None


def _check_hub(staff: StaffUser, hub_slug: str) -> None:
    own = _own_hub(staff)
    if own is not None and own != hub_slug:
        raise StaffForbidden("hub")


def _parse_day(value: str, now: datetime) -> date:
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else local(now).date()
    except ValueError:
        return local(now).date()


def _children(booking) -> str:
    """"2 (aged 2 years, 3 years)", or "None" for an adults-only course."""
    if not booking.children:
        return "None"
    ages = ", ".join(age_words(months) for months in booking.child_ages_months or [])
    return f"{booking.children} (aged {ages})" if ages else str(booking.children)


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _sessions_url(day: date, hub: str = "", done: str = "") -> str:
    url = f"/staff/sessions?day={day.isoformat()}"
    if hub:
        url += f"&hub={hub}"
    if done:
        url += f"&done={done}"
    return url


def _page(request: Request, db: Session, staff: StaffUser, day: date, hub: str, now: datetime, *,
          notice: str = "", error: str = "", error_for: str = "", status_code: int = 200) -> HTMLResponse:
    own = _own_hub(staff)
    hubs = list(db.scalars(select(Hub).order_by(Hub.name)))
    hub = own if own else (hub if hub in {h.slug for h in hubs} else "")
    sessions = register.sessions_on(db, day, hub or None)
    shown = sum(len(item.booked) + len(item.waiting) for item in sessions)
    record_audit(db, staff, "session_register.viewed", "session_register", day.isoformat(), hub=hub or "all",
                 sessions=len(sessions), bookings_shown=shown)
    db.commit()
    context = {
        "day": day, "long_date": _long_date(day), "sessions": sessions, "hubs": hubs, "hub": hub, "own_hub": own,
        "previous": _sessions_url(day - timedelta(days=1), "" if own else hub),
        "next": _sessions_url(day + timedelta(days=1), "" if own else hub),
        "today_link": _sessions_url(local(now).date(), "" if own else hub),
        "is_today": day == local(now).date(), "can_mark": day <= local(now).date(),
        "can_cancel": day >= local(now).date(), "attendance": register.ATTENDANCE,
        "time": family_time, "children": _children, "notice": notice, "error": error, "error_for": error_for,
    }
    return render(request, "sessions_day.html", context, staff=staff, status_code=status_code)


@router.get("/sessions")
def sessions_page(request: Request, day: str = "", hub: str = "", done: str = "", db: Session = Depends(get_db),
                  staff: StaffUser = Depends(staff_member), now: datetime = Depends(get_now)) -> Response:
    return _page(request, db, staff, _parse_day(day, now), hub, now, notice=NOTICES.get(done, ""))


@router.post("/sessions/{session_key}/{day}/cancel", dependencies=[Depends(check_csrf)])
async def cancel_date(request: Request, session_key: str, day: str, reason: str = Form(""), hub: str = Form(""),
                      db: Session = Depends(get_db), staff: StaffUser = Depends(staff_member),
                      now: datetime = Depends(get_now)) -> Response:
    hub_session = session_by_key(db, session_key)
    try:
        on_date = date.fromisoformat(day)
    except ValueError:
        on_date = None
    if hub_session is None or on_date is None:
        return render(request, "sessions_not_found.html", {}, staff=staff, status_code=404)
    _check_hub(staff, hub_session.hub.slug)
    occurrence = f"{hub_session.key}@{on_date.isoformat()}"
    try:
        record_audit(db, staff, "session_date.cancelled", "session_date", occurrence)
        texted = await run_in_threadpool(register.cancel_session_date, db, session_key, on_date, reason, now)
    except register.RegisterChangeRefused as refusal:
        db.rollback()
        record_audit(db, staff, "session_date.cancel_refused", "session_date", occurrence)
        db.commit()
        return _page(request, db, staff, on_date, hub, now, error=str(refusal), error_for=occurrence,
                     status_code=409)
    record_audit(db, staff, "session_date.families_texted", "session_date", occurrence, count=texted)
    db.commit()
    return RedirectResponse(_sessions_url(on_date, hub, "cancelled"), status_code=303)


@router.post("/bookings/{reference}/attendance", dependencies=[Depends(check_csrf)])
async def attendance(request: Request, reference: str, status: str = Form(""), hub: str = Form(""),
                     db: Session = Depends(get_db), staff: StaffUser = Depends(staff_member),
                     now: datetime = Depends(get_now)) -> Response:
    booking = register.booking_for_register(db, reference)
    if booking is None:
        return render(request, "sessions_not_found.html", {}, staff=staff, status_code=404)
    _check_hub(staff, booking.session_date.session.hub.slug)
    on_date = booking.session_date.on_date
    try:
        record_audit(db, staff, "booking.attendance_marked", "booking", booking.reference, new_status=status[:20])
        await run_in_threadpool(register.mark_attendance, db, booking, status, now)
    except register.RegisterChangeRefused as refusal:
        db.rollback()
        record_audit(db, staff, "booking.attendance_refused", "booking", booking.reference)
        db.commit()
        return _page(request, db, staff, on_date, hub, now, error=str(refusal), error_for=booking.reference,
                     status_code=409)
    return RedirectResponse(_sessions_url(on_date, hub, "marked") + f"#booking-{booking.reference}",
                            status_code=303)
