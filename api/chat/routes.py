"""`GET /chat` (the page) and `POST /chat/messages` (one message to Rasa)."""

import json
import logging
import secrets
import time
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.chat.service import MAX_MESSAGE_CHARS, chat_reply
from api.clock import get_now
from api.content.service import family_text
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.settings import Settings

COOKIE = "fh_chat"
HERE = Path(__file__).parent
PAGE_KEYS = ["chat_page_title", "chat_intro", "chat_input_label", "chat_send", "assistant_unavailable"]
CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"

log = logging.getLogger("api.chat")
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter()


@router.get("/chat", response_class=HTMLResponse)
def chat_page(request: Request, db: Session = Depends(get_db)) -> HTMLResponse:
    words = {key: family_text(db, key, "web") for key in PAGE_KEYS}
    response = templates.TemplateResponse(request, "chat.html", {"words": words, "max_chars": MAX_MESSAGE_CHARS})
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get("/chat/chat.js")
def chat_script() -> FileResponse:
    return FileResponse(HERE / "static" / "chat.js", media_type="text/javascript")


@router.post("/chat/messages")
async def post_message(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                       settings: Settings = Depends(get_app_settings),
                       now: datetime = Depends(get_now)) -> JSONResponse:
    started = time.monotonic()
    try:
        body = json.loads(await request.body() or b"{}")
        text = body.get("text", "") if isinstance(body, dict) else ""
    except ValueError:
        text = ""
    token = request.cookies.get(COOKIE) or ""
    new_cookie = len(token) < 32
    if new_cookie:
        token = secrets.token_urlsafe(32)

    outcome = await chat_reply(db, redis, settings, token, text if isinstance(text, str) else "", now)
    texts = [family_text(db, outcome.problem, "web")] if outcome.problem else outcome.texts
    response = JSONResponse({"messages": [{"text": t} for t in texts]}, status_code=outcome.status)
    if new_cookie:
        response.set_cookie(COOKIE, token, max_age=settings.conversation_expiry_seconds, httponly=True,
                            samesite="lax", secure=settings.secure_cookies, path="/chat")
    log.info("chat message status=%d outcome=%s replies=%d ms=%d", outcome.status,
             outcome.problem or "answered", len(texts), (time.monotonic() - started) * 1000)
    return response
