"""The web chat: the page, its form and JSON routes, and the widget.

- `GET /chat` the page (`?embed=1`: inside the widget's iframe).
- `POST /chat` the same page as a plain form, for browsers without
  JavaScript: 303 back to `/chat` after an answer (so a reload never sends
  twice); the page again, with what was typed, when it went wrong.
- `POST /chat/messages` JSON, used by the page's script (and allowed sites).
- `POST /chat/forget` "Leave quickly" and "Clear this chat".
- `GET /chat/widget.js`, `GET /chat/demo-host` the widget for council sites.

Cross-site requests. The chat has no login, so the risk is another site
making a family's browser post into their chat (or clear it). Two guards:
the cookie is SameSite=Lax (so another site's form or script does not
carry it), and every POST with an `Origin` header must come from this site
or a site in WIDGET_ALLOWED_ORIGINS, else 403 (`Origin: null`, from
sandboxed or privacy-stripped pages, counts as another site; so the page's
referrer policy is `same-origin`, not `no-referrer`, which would make the
browser send `null` on our own form posts). Browsers always send `Origin`
on cross-site POSTs; a request without one is not from a browser and cannot
carry a family's cookie. No token is needed: nothing is behind a login, and
a page without JavaScript still works.

The cookie. Inside the widget the page is in an iframe on the council's
site, where browsers send only `SameSite=None; Secure` cookies. So when
SECURE_COOKIES is on (https) and there are widget sites, the cookie is
`SameSite=None; Secure; Partitioned` (Partitioned: browsers that block
third-party cookies keep one cookie per council site instead); the Origin
check above is then what stops other sites. Otherwise it is `Lax` (plain
http cannot have `None` cookies; `127.0.0.1` on two ports is one site).
"""

import gzip
import hashlib
import json
import logging
import secrets
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.chat import transcript
from api.chat.links import Part, link_parts
from api.chat.service import (MAX_MESSAGE_CHARS, TALK_TO_PERSON, ChatOutcome, chat_reply, forget_chat,
                              page_chat)
from api.chat.words import WIDGET_KEYS, chat_words
from api.clock import get_now
from api.content.service import family_text
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.languages.service import switched_on
from api.settings import Settings

COOKIE = "fh_chat"
HERE = Path(__file__).parent
STATIC = HERE / "static"
NOTICES = {"ended": "web_chat_earlier_ended", "cleared": "web_chat_cleared"}

log = logging.getLogger("api.chat")
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter()


# --- static files: small, versioned by content, gzipped once ---

class Asset:
    def __init__(self, name: str, media_type: str) -> None:
        self.body = (STATIC / name).read_bytes()
        self.gzipped = gzip.compress(self.body, 9, mtime=0)
        self.media_type = media_type
        self.url = f"/chat/{name}?v={hashlib.sha256(self.body).hexdigest()[:12]}"

    def response(self, request: Request, body: bytes | None = None, max_age: int = 31536000) -> Response:
        raw = self.body if body is None else body
        headers = {"Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding",
                   "X-Content-Type-Options": "nosniff"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            raw = self.gzipped if body is None else gzip.compress(body, 9, mtime=0)
        return Response(raw, media_type=self.media_type, headers=headers)


CHAT_JS = Asset("chat.js", "text/javascript")
CHAT_CSS = Asset("chat.css", "text/css")
WIDGET_JS = Asset("widget.js", "text/javascript")


@router.get("/chat/chat.js")
def chat_script(request: Request) -> Response:
    return CHAT_JS.response(request)


@router.get("/chat/chat.css")
def chat_styles(request: Request) -> Response:
    return CHAT_CSS.response(request)


# --- helpers ---

def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def from_foreign_site(request: Request, settings: Settings) -> bool:
    """True when a browser sent this from a site other than ours or an allowed widget site."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    origin = origin.strip().rstrip("/").lower()
    if origin in settings.widget_origins or origin == origin_of(settings.public_base_url):
        return False
    # Our own host, as the browser asked for it (a proxy in front may pass
    # it on as X-Forwarded-Host; a page cannot set that header for a visitor).
    ours = {request.headers.get("host", "").lower(), request.headers.get("x-forwarded-host", "").lower()}
    return urlsplit(origin).netloc not in ours - {""}


def client_address(request: Request) -> str:
    """Where a browser with no chat cookie yet posts from (the per-address
    limit counts only those: a family already chatting is limited by their
    browser, so families behind one proxy or wifi do not hold each other up)."""
    return request.client.host if request.client else ""


def cors_headers(request: Request, settings: Settings) -> dict[str, str]:
    """Let an allowed widget site read the answer (with the family's cookie)."""
    origin = (request.headers.get("origin") or "").strip().rstrip("/").lower()
    headers = {"Vary": "Origin"}
    if origin and origin in settings.widget_origins:
        headers.update({"Access-Control-Allow-Origin": request.headers["origin"],
                        "Access-Control-Allow-Credentials": "true"})
    return headers


def cookie_token(request: Request) -> tuple[str, bool]:
    """The family's chat cookie, or a new one (True) if they have none."""
    token = request.cookies.get(COOKIE) or ""
    if len(token) < 32:
        return secrets.token_urlsafe(32), True
    return token, False


def set_chat_cookie(response: Response, token: str, settings: Settings) -> None:
    """See the module docstring for why SameSite is None only with https and widget sites."""
    parts = [f"{COOKIE}={token}", f"Max-Age={settings.conversation_expiry_seconds}", "Path=/chat", "HttpOnly"]
    if settings.secure_cookies:
        parts.append("Secure")
    parts.append("SameSite=None; Partitioned" if settings.secure_cookies and settings.widget_origins
                 else "SameSite=Lax")
    response.headers.append("set-cookie", "; ".join(parts))


def page_headers(settings: Settings, embed: bool) -> dict[str, str]:
    ancestors = " ".join(["'self'", *settings.widget_origins]) if embed else "'none'"
    leave = origin_of(settings.leave_quickly_url)
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
           f"form-action 'self' {leave}; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}")
    return {"Content-Security-Policy": csp, "Cache-Control": "no-store", "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff"}


def chat_path(embed: bool, notice: str = "") -> str:
    query = "&".join(part for part in ("embed=1" if embed else "", f"notice={notice}" if notice else "") if part)
    return "/chat" + (f"?{query}" if query else "")


def page_entries(entries: list[transcript.Entry]) -> list[dict]:
    """Entries as the template draws them: the assistant's words cut into
    text and links, quick replies only on the assistant's latest turn, and
    `#latest` on the family's last message (where the page opens after a
    form post)."""
    last_family = max((i for i, e in enumerate(entries) if e.who == "family"), default=-1)
    return [{
        "who": entry.who,
        "parts": link_parts(entry.text) if entry.who == "assistant" else [Part(entry.text)],
        "latest": index == last_family,
        "buttons": entry.buttons if index > last_family else [],
    } for index, entry in enumerate(entries)]


def render_page(request: Request, db: Session, settings: Settings, embed: bool, entries: list[transcript.Entry],
                notice: str = "", problem: str = "", typed: str = "", status: int = 200,
                language: str = "en") -> HTMLResponse:
    words = chat_words(db)
    script_words = {key: words[key] for key in (
        "assistant_unavailable", "web_chat_you", "web_chat_assistant", "web_chat_choices", "web_chat_cleared",
        "web_chat_earlier_ended", "web_chat_not_sent", "web_chat_new_tab", "web_chat_talk_to_person")}
    context = {
        "words": words, "script_words": script_words, "entries": page_entries(entries), "embed": embed,
        "notice": words[NOTICES[notice]] if notice in NOTICES else "", "problem": problem, "typed": typed,
        "max_chars": MAX_MESSAGE_CHARS, "talk_to_person": TALK_TO_PERSON, "css_url": CHAT_CSS.url,
        "js_url": CHAT_JS.url, "leave_url": settings.leave_quickly_url,
        "quiet_seconds": min(settings.conversation_quiet_seconds, settings.web_chat_shown_seconds),
        # The language menu: each language by its own name; choosing one
        # sends that name, as if the family had typed it.
        "languages": [(code, language.own_name) for code, language in switched_on(settings).items()],
        "language": language,
        "shown_hint": words["web_chat_shown_for"].replace(
            "{minutes}", str(max(1, min(settings.conversation_quiet_seconds, settings.web_chat_shown_seconds) // 60))),
    }
    return templates.TemplateResponse(request, "chat.html", context, status_code=status,
                                      headers=page_headers(settings, embed))


def log_turn(outcome: ChatOutcome, route: str, started: float) -> None:
    """One line per message: never the family's words."""
    log.info("chat message status=%d outcome=%s replies=%d ms=%d via=%s", outcome.status,
             outcome.problem or "answered", 1 if outcome.problem else len(outcome.replies),
             (time.monotonic() - started) * 1000, route)


# --- the page ---

@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request, embed: str = "", notice: str = "", db: Session = Depends(get_db),
                    redis: Redis = Depends(get_redis),
                    settings: Settings = Depends(get_app_settings)) -> HTMLResponse:
    token = request.cookies.get(COOKIE) or ""
    chat = await page_chat(redis, settings, token)
    return render_page(request, db, settings, embed == "1", chat.entries,
                       notice="ended" if chat.earlier_ended else notice, language=chat.language)


@router.post("/chat")
async def chat_form(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                    settings: Settings = Depends(get_app_settings),
                    now: datetime = Depends(get_now)) -> Response:
    """The page without JavaScript: `text` (the box) or `choice` (a quick reply)."""
    if from_foreign_site(request, settings):
        return Response("This form can only be sent from the chat page.", status_code=403)
    started = time.monotonic()
    form = await request.form()
    text, choice = str(form.get("text") or ""), str(form.get("choice") or "")
    embed = form.get("embed") == "1"
    token, new_cookie = cookie_token(request)
    outcome = await chat_reply(db, redis, settings, token, choice or text, now, quick_reply=bool(choice),
                               address=client_address(request) if new_cookie else "")
    if outcome.status == 200:
        target = chat_path(embed, "ended" if outcome.earlier_ended else "") + "#latest"
        response: Response = RedirectResponse(target, status_code=303)
    else:
        chat = await page_chat(redis, settings, token)
        response = render_page(request, db, settings, embed, chat.entries,
                               notice="ended" if outcome.earlier_ended else "",
                               problem=family_text(db, outcome.problem or "assistant_unavailable", "web"),
                               typed=text, status=outcome.status, language=chat.language)
    if new_cookie:
        set_chat_cookie(response, token, settings)
    log_turn(outcome, "form", started)
    return response


# --- JSON, for the page's script and allowed sites ---

@router.options("/chat/messages")
@router.options("/chat/forget")
def preflight(request: Request, settings: Settings = Depends(get_app_settings)) -> Response:
    headers = cors_headers(request, settings)
    if "Access-Control-Allow-Origin" not in headers:
        return Response(status_code=403, headers=headers)
    headers.update({"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600"})
    return Response(status_code=204, headers=headers)


@router.post("/chat/messages")
async def post_message(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                       settings: Settings = Depends(get_app_settings),
                       now: datetime = Depends(get_now)) -> JSONResponse:
    """`{"text", "quick_reply"?}` -> `{"messages": [{"text", "buttons"?}], "earlier_ended"?: true}`."""
    if from_foreign_site(request, settings):
        return JSONResponse({"detail": "This site may not use the chat."}, status_code=403,
                            headers={"Vary": "Origin"})
    started = time.monotonic()
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    text = body.get("text", "")
    token, new_cookie = cookie_token(request)
    outcome = await chat_reply(db, redis, settings, token, text if isinstance(text, str) else "", now,
                               quick_reply=body.get("quick_reply") is True,
                               address=client_address(request) if new_cookie else "")
    messages = ([{"text": family_text(db, outcome.problem, "web")}] if outcome.problem
                else [reply.as_json() for reply in outcome.replies])
    content: dict = {"messages": messages}
    if outcome.earlier_ended:
        content["earlier_ended"] = True
    response = JSONResponse(content, status_code=outcome.status,
                            headers={"Cache-Control": "no-store", **cors_headers(request, settings)})
    if new_cookie:
        set_chat_cookie(response, token, settings)
    log_turn(outcome, "json", started)
    return response


@router.post("/chat/forget")
async def forget(request: Request, redis: Redis = Depends(get_redis),
                 settings: Settings = Depends(get_app_settings)) -> Response:
    """Leave quickly (`then=leave`: 303 to LEAVE_QUICKLY_URL), clear the chat
    (`then=clear`: 303 to the page), or, from the script, 204. The kept
    chat and the Rasa episode go, and the browser gets a new cookie."""
    if from_foreign_site(request, settings):
        return Response(status_code=403, headers={"Vary": "Origin"})
    form = await request.form()
    then, embed = form.get("then"), form.get("embed") == "1"
    token = request.cookies.get(COOKIE) or ""
    try:
        await forget_chat(redis, settings, token)
    except RedisError as error:  # the new cookie below still cuts the link
        log.warning("could not forget a web chat: %s", type(error).__name__)
    if then == "leave":
        response: Response = RedirectResponse(settings.leave_quickly_url, status_code=303)
    elif then == "clear":
        response = RedirectResponse(chat_path(embed, "cleared"), status_code=303)
    else:
        response = Response(status_code=204, headers=cors_headers(request, settings))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    set_chat_cookie(response, secrets.token_urlsafe(32), settings)
    log.info("chat forgotten then=%s", then if then in ("leave", "clear") else "script")
    return response


# --- the widget for council sites ---

@router.get("/chat/widget.js")
def widget_script(request: Request, db: Session = Depends(get_db),
                  settings: Settings = Depends(get_app_settings)) -> Response:
    """The widget with its words and settings filled in. Cached for 5 minutes
    only, so changed words reach council sites soon."""
    config = {"words": chat_words(db, WIDGET_KEYS), "leaveUrl": settings.leave_quickly_url}
    # "<" escaped so the config can never close a script element.
    filled = WIDGET_JS.body.replace(b"/*CONFIG*/null", json.dumps(config).replace("<", "\\u003c").encode())
    response = WIDGET_JS.response(request, filled, max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a plain script: any site may load it
    return response


@router.get("/chat/demo-host", response_class=HTMLResponse)
def demo_host(request: Request) -> HTMLResponse:
    """A made-up council page with the widget, as a council would add it."""
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; frame-src 'self'; img-src 'self'; "
           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    return templates.TemplateResponse(request, "demo_host.html", {"widget_url": "/chat/widget.js"},
                                      headers={"Content-Security-Policy": csp})
