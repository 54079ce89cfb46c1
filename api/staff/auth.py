"""Who is signed in, and may they do this? FastAPI dependencies for staff routes.

    staff: StaffUser = Depends(require_staff("front_door", "admin"))
    @router.post(..., dependencies=[Depends(check_csrf)])
"""

import hashlib
import hmac
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.settings import Settings
from api.staff.models import ROLES, StaffUser
from api.staff.sessions import COOKIE, StaffSession, load_session

LOGIN_PATH = "/staff/login"
HOME_PATH = "/staff"


class LoginRequired(Exception):
    """Not signed in: answered with a 303 to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class StaffForbidden(Exception):
    """Signed in, but this is not for them (or the CSRF token is wrong): a 403 page."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """A local staff path to go to after login; anything else becomes the staff home.

    Refuses other hosts ("//evil", "https://evil", "/\\evil") and paths
    outside /staff, so the login page is never an open redirect.
    """
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return HOME_PATH
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return HOME_PATH
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME_PATH
    if parts.path != HOME_PATH and not parts.path.startswith(HOME_PATH + "/"):
        return HOME_PATH
    if parts.path.startswith(LOGIN_PATH):
        return HOME_PATH
    return value


async def current_session(request: Request, redis: Redis = Depends(get_redis),
                          settings: Settings = Depends(get_app_settings)) -> StaffSession | None:
    """The signed-in staff session, or None. Also kept on `request.state`."""
    if not hasattr(request.state, "staff_session"):
        request.state.staff_session = await load_session(
            redis, request.cookies.get(COOKIE), settings.staff_session_idle_seconds)
    return request.state.staff_session


def require_staff(*roles: str):
    """A dependency giving the signed-in `StaffUser` with one of `roles` (any role if none)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown staff roles: {sorted(unknown)}")

    def dependency(request: Request, session: StaffSession | None = Depends(current_session),
                   db: Session = Depends(get_db)) -> StaffUser:
        staff = db.get(StaffUser, session.staff_id) if session else None
        if staff is None or not staff.active:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path if request.method == "GET" else HOME_PATH)
        if roles and staff.role not in roles:
            raise StaffForbidden("role")
        request.state.staff = staff
        return staff

    return dependency


async def check_csrf(request: Request, session: StaffSession | None = Depends(current_session)) -> None:
    """403 unless the form field `csrf_token` (or header X-CSRF-Token) is this session's token."""
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        given = form.get("csrf_token")
    if session is None or not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), session.csrf_token.encode()):
        raise StaffForbidden("csrf")


def keyed_email_hash(settings: Settings, email: str) -> str:
    """A keyed hash of an email, for lockout counters and the audit log (never the email)."""
    key = (settings.pseudonym_key or "staff-login").encode()
    return hmac.new(key, b"staff-email:" + email.encode(), hashlib.sha256).hexdigest()[:32]
