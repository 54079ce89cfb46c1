"""Staff page rendering with the GOV.UK Frontend layout (`staff_base.html`).

Templates are found in every `api/*/templates/` folder, so `api/referrals/`
can keep its own pages beside its code and extend `staff_base.html`.
"""

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.staff.models import StaffUser

API_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS_PATH = "/staff/assets"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


def template_folders() -> list[str]:
    return [str(path) for path in sorted(API_DIR.glob("*/templates")) if path.is_dir()]


environment = Environment(loader=FileSystemLoader(template_folders()),
                          autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
environment.globals["assets"] = ASSETS_PATH


def render(request: Request, template: str, context: dict | None = None, staff: StaffUser | None = None,
           status_code: int = 200) -> HTMLResponse:
    """A staff page: `template` with `context`, the signed-in `staff` and the CSRF token.

    `staff` defaults to the user `require_staff` found for this request.
    Every form that POSTs must include
    `<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`.
    """
    staff = staff or getattr(request.state, "staff", None)
    session = getattr(request.state, "staff_session", None)
    values = {"request": request, "staff": staff, "csrf_token": session.csrf_token if session else "",
              "current_path": request.url.path}
    values.update(context or {})
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


class StaffHeaders:
    """ASGI middleware: security headers on every /staff response (pages,
    redirects, assets); `Cache-Control: no-store` on all but the assets."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != "/staff" and not path.startswith("/staff/"):
            await self.app(scope, receive, send)
            return
        headers = SECURITY_HEADERS if path.startswith(ASSETS_PATH + "/") else PAGE_HEADERS

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()
                         if k.lower().encode() not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
