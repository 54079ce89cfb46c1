"""Staff routes: login, logout, the staff home and the audit log.

`install_staff(app)` adds these routes, the /staff/assets files, the
security headers and the 303 / 403 answers to an app.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from math import ceil

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.models import utc_now
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.settings import Settings
from api.staff.audit import audit_page, record_audit
from api.staff.auth import (
    HOME_PATH, LOGIN_PATH, LoginRequired, StaffForbidden, check_csrf, current_session, keyed_email_hash,
    login_url, require_staff, safe_next,
)
from api.staff.models import StaffUser, normalise_email
from api.staff.pages import ASSETS_PATH, STATIC_DIR, StaffHeaders, render
from api.staff.passwords import hash_password, needs_rehash, verify_password
from api.staff.sessions import COOKIE, LOGIN_COOKIE, StaffSession, end_session, start_session

log = logging.getLogger("api.staff")
router = APIRouter(prefix="/staff")

AUDIT_PER_PAGE = 50
WRONG_DETAILS = "The email or password is wrong"
LOCKED_OUT = "There have been too many attempts to sign in. Wait 10 minutes, then try again."


@dataclass(frozen=True)
class HomeLink:
    title: str
    href: str
    roles: tuple[str, ...]
    description: str


# What the staff home offers each role. Other packages add their pages here.
HOME_LINKS: list[HomeLink] = [
    HomeLink("Referrals queue", "/staff/queue", ("front_door", "worker", "admin"),
             "Families waiting to hear from a person, most urgent first."),
    HomeLink("Answers", "/staff/content", ("front_door", "worker", "comms", "admin"),
             "Everything the assistant says to families. Comms can change the words and publish them."),
    HomeLink("What we could not answer", "/staff/unanswered", ("front_door", "worker", "comms", "admin"),
             "Questions the assistant could not answer, grouped, with figures for each week."),
    HomeLink("Sessions and registers", "/staff/sessions", ("front_door", "worker", "admin"),
             "Each day's sessions, who has booked, who came. Call off a date."),
    HomeLink("Texts that went wrong", "/staff/sms/failed", ("front_door", "admin"),
             "Texts that did not reach a family, and texts from families the assistant could not answer."),
    HomeLink("SMS simulator", "/staff/sms-simulator", ("front_door", "admin"),
             "Text the assistant as a family would, when no real texts are being sent."),
    HomeLink("Ask the hub to contact a family", "/staff/partner", ("partner",),
             "For schools, GP practices, health visitors and groups: a family who agreed, and the help they want."),
    HomeLink("Reports", "/staff/reports", ("manager", "admin"),
             "Figures for managers: requests, first contact, outcomes, bookings, what we could not answer."),
    HomeLink("What families told us", "/staff/feedback", ("manager", "admin"),
             "Answers to \"Did we help?\", a few days after a request was closed."),
    HomeLink("Find a service", "/staff/directory", ("front_door", "worker", "admin"),
             "Search the council's whole directory by need, age, area, day and words."),
    HomeLink("Directory imports", "/staff/directory/imports", ("front_door", "comms", "manager", "admin"),
             "Each time the council's directory was read: what changed, what was refused, what to look at."),
    HomeLink("Audit log", "/staff/audit", ("admin",), "Who did what, and when."),
    HomeLink("One family's data", "/staff/families", ("admin",),
             "Find one family by phone number or reference: download all we hold about them, or erase it."),
]


def _failures_key(email_hash: str) -> str:
    return f"staff:login-failures:{email_hash}"


def _address_key(settings: Settings, address: str) -> str:
    """Attempts from one address, under a keyed hash (no address kept in Redis)."""
    hashed = hmac.new((settings.pseudonym_key or "staff").encode(), address.encode(), "sha256").hexdigest()
    return f"staff:login-failures:address:{hashed[:32]}"


def _login_page(request: Request, token: str, next_path: str, email: str = "", error: str = "",
                status_code: int = 200) -> Response:
    response = render(request, "staff_login.html",
                      {"login_token": token, "next": next_path, "email": email, "error": error},
                      status_code=status_code)
    settings: Settings = request.app.state.settings
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        path=LOGIN_PATH)
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "", session: StaffSession | None = Depends(current_session)):
    if session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, secrets.token_urlsafe(32), safe_next(next))


@router.post("/login")
async def login(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form(""),
                csrf_token: str = Form(""), db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                settings: Settings = Depends(get_app_settings)):
    cookie_token = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie_token or not hmac.compare_digest(cookie_token.encode(), csrf_token.encode()):
        raise StaffForbidden("csrf")
    email = normalise_email(email)
    next_path = safe_next(next)
    email_hash = keyed_email_hash(settings, email)
    failures_key = _failures_key(email_hash)

    # An attempt is counted before the password is checked (INCR is atomic),
    # so a burst of guesses at once cannot all slip under the limit; per
    # email, and per address so one machine cannot try every account.
    address_key = _address_key(settings, request.client.host if request.client else "")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(failures_key)
        pipe.incr(address_key)
        attempts, address_attempts = await pipe.execute()
    for name, count in ((failures_key, attempts), (address_key, address_attempts)):
        if count == 1:  # the first attempt starts the lockout window
            await redis.expire(name, settings.staff_lockout_seconds)
    if attempts > settings.staff_login_attempts or address_attempts > settings.staff_login_attempts_per_address:
        record_audit(db, None, "login_locked_out", email_hash=email_hash)
        db.commit()
        return _login_page(request, csrf_token, next_path, email, LOCKED_OUT, status_code=429)

    staff = db.scalar(select(StaffUser).where(StaffUser.email == email)) if email else None
    # Password hashing is slow on purpose: off the event loop, so a flood of
    # logins cannot stall chat and texts.
    ok = await run_in_threadpool(verify_password, staff.password_hash if staff else None, password)
    if not ok or staff is None or not staff.active:
        record_audit(db, None, "login_failed", email_hash=email_hash)
        db.commit()
        log.info("staff login failed")
        return _login_page(request, csrf_token, next_path, email, WRONG_DETAILS, status_code=400)

    await redis.delete(failures_key)
    await redis.decr(address_key)  # a right password does not count against the address
    await end_session(redis, request.cookies.get(COOKIE))  # never carry an old session over
    session = await start_session(redis, staff.id, settings.staff_session_idle_seconds)
    if needs_rehash(staff.password_hash):
        staff.password_hash = await run_in_threadpool(hash_password, password)
    staff.last_login_at = utc_now()
    record_audit(db, staff, "login", "staff_user", staff.id)
    db.commit()
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, session.session_id, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        path="/staff", max_age=None)
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request, staff: StaffUser = Depends(require_staff()), db: Session = Depends(get_db),
                 redis: Redis = Depends(get_redis)):
    await end_session(redis, request.cookies.get(COOKIE))
    record_audit(db, staff, "logout", "staff_user", staff.id)
    db.commit()
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response


@router.get("")
def home(request: Request, staff: StaffUser = Depends(require_staff())):
    links = [link for link in HOME_LINKS if staff.role in link.roles]
    return render(request, "staff_home.html", {"links": links}, staff)


@router.get("/audit")
def audit(request: Request, page: int = Query(1, ge=1, le=100000), subject_type: str = "", subject_id: str = "",
          staff: StaffUser = Depends(require_staff("admin")), db: Session = Depends(get_db)):
    subject_type, subject_id = subject_type.strip()[:60], subject_id.strip()[:120]
    events, total = audit_page(db, page, AUDIT_PER_PAGE, subject_type, subject_id)
    pages = max(1, ceil(total / AUDIT_PER_PAGE))
    return render(request, "staff_audit.html", {
        "events": events, "total": total, "page": page, "pages": pages,
        "subject_type": subject_type, "subject_id": subject_id,
    }, staff)


def install_staff(app: FastAPI) -> None:
    """Staff routes, assets, security headers and the 303 / 403 answers."""

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(login_url(error.next_path), status_code=303)

    @app.exception_handler(StaffForbidden)
    async def _forbidden(request: Request, error: StaffForbidden) -> Response:
        log.info("staff 403 on %s %s: %s", request.method, request.url.path, error.reason)
        return render(request, "staff_forbidden.html", {"reason": error.reason}, status_code=403)

    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="staff_assets")
    app.add_middleware(StaffHeaders)
