"""Staff pages for texts.

- `/staff/sms-simulator`: with no Twilio set up (a laptop, a training
  site), a person texts the assistant as a family would, by SMS or
  WhatsApp (a voice note too), from one of Ofcom's drama numbers, and
  sees every text back. Each message goes
  through exactly the path a real text takes after the signature check
  (`receive_text`, the job queue, the worker, the one sender).
- `/staff/sms/failed`: texts that did not reach a family (with Twilio's
  reason) and families' texts that were never answered. A failed text can
  be sent again.

Front door and admin only. Every view and every change is audited.
"""

import secrets
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.crypto import EncryptionKeyMissing, cipher, normalise_phone, phone_hash
from api.db import get_db
from api.deps import get_redis
from api.referrals.staff_routes import when
from api.sms.inbound import MAX_BODY_CHARS, receive_text
from api.sms.records import is_drama_number, problem_texts, retry_text, thread, unanswered_texts
from api.sms.routes import get_sms_runtime
from api.sms.runtime import SmsRuntime, wall_clock
from api.sms.whatsapp import SMS, WHATSAPP, address
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render

HERE = Path(__file__).parent
THREAD_SECONDS = 86400
VOICE_NOTE_TYPE = "audio/ogg"  # what WhatsApp voice notes arrive as
router = APIRouter(prefix="/staff")
front_door_or_admin = require_staff("front_door", "admin")


# --- the simulator ---

def _thread_key(token: str) -> str:
    return f"sms:simulator:{token}"


async def _thread_number(redis: Redis, token: str) -> str | None:
    """The simulated number behind a thread token (never in the URL itself)."""
    if not token or len(token) > 64:
        return None
    stored = await redis.get(_thread_key(token))
    try:  # kept encrypted: no Redis key holds a readable phone number
        return cipher().decrypt(stored) if stored else None
    except EncryptionKeyMissing:
        return None


def _simulator(request: Request, rt: SmsRuntime, db: Session, number: str | None, token: str, *, error: str = "",
               text: str = "", channel: str = SMS, status_code: int = 200) -> HTMLResponse:
    lines = thread(db, phone_hash(number)) if number else []
    return render(request, "sms_simulator.html", {
        "twilio_on": rt.settings.twilio_configured,
        "number": f"0{number[3:7]} {number[7:]}" if number else f"07700 900{secrets.randbelow(1000):03d}",
        "token": token if number else "", "lines": lines, "when": when, "error": error, "text": text,
        "max_chars": MAX_BODY_CHARS, "whatsapp": channel == WHATSAPP}, status_code=status_code)


@router.get("/sms-simulator")
async def simulator_page(request: Request, thread_token: str = "", channel: str = SMS, db: Session = Depends(get_db),
                         redis: Redis = Depends(get_redis), rt: SmsRuntime = Depends(get_sms_runtime),
                         staff: StaffUser = Depends(front_door_or_admin)) -> HTMLResponse:
    number = await _thread_number(redis, thread_token)

    def page() -> HTMLResponse:
        record_audit(db, staff, "sms_simulator.viewed", "sms_simulator", phone_hash(number)[:12] if number else None)
        db.commit()
        return _simulator(request, rt, db, number, thread_token, channel=channel)

    return await run_in_threadpool(page)


@router.get("/sms-simulator/thread")
async def simulator_thread(request: Request, thread_token: str = "", db: Session = Depends(get_db),
                           redis: Redis = Depends(get_redis),
                           staff: StaffUser = Depends(front_door_or_admin)) -> HTMLResponse:
    """The conversation alone, fetched again every few seconds by simulator.js."""
    number = await _thread_number(redis, thread_token)
    lines = await run_in_threadpool(thread, db, phone_hash(number)) if number else []
    return render(request, "sms_simulator_thread.html", {"lines": lines, "when": when})


@router.get("/sms-simulator/simulator.js")
def simulator_script() -> FileResponse:
    return FileResponse(HERE / "static" / "simulator.js", media_type="text/javascript")


@router.post("/sms-simulator", dependencies=[Depends(check_csrf)])
async def simulator_send(request: Request, number: str = Form(""), text: str = Form(""),
                         channel: str = Form(SMS), voice_note: str = Form(""),
                         thread_token: str = Form(""), db: Session = Depends(get_db),
                         redis: Redis = Depends(get_redis), rt: SmsRuntime = Depends(get_sms_runtime),
                         staff: StaffUser = Depends(front_door_or_admin)) -> Response:
    """One family message; with `voice_note` set, a voice note on WhatsApp
    (no words, as the assistant would receive it)."""
    current = await _thread_number(redis, thread_token)
    voice = bool(voice_note)  # voice notes come by WhatsApp
    channel = WHATSAPP if voice or channel == WHATSAPP else SMS

    def refuse(error: str, status_code: int = 422, keep_text: bool = True) -> HTMLResponse:
        return _simulator(request, rt, db, current, thread_token, error=error, text=text if keep_text else "",
                          channel=channel, status_code=status_code)

    if rt.settings.twilio_configured:
        return await run_in_threadpool(refuse, "The simulator is off: this site sends real texts through Twilio.",
                                       409, False)
    if not is_drama_number(number):
        return await run_in_threadpool(refuse, "Use a made-up number from 07700 900000 to 07700 900999.")
    if not voice and not text.strip():
        return await run_in_threadpool(refuse, "Write the family's text before sending it.", 422, False)
    if len(text) > MAX_BODY_CHARS:
        return await run_in_threadpool(refuse, f"A text can be at most {MAX_BODY_CHARS} characters.")
    number = normalise_phone(number)
    if current != number:
        thread_token = secrets.token_urlsafe(16)
    await redis.set(_thread_key(thread_token), cipher().encrypt(number), ex=THREAD_SECONDS)

    def send() -> None:
        received = receive_text(db, rt, "SM" + secrets.token_hex(16), address(channel, number), "" if voice else text,
                                1 if voice else 0, "simulator", VOICE_NOTE_TYPE if voice else "")
        record_audit(db, staff, "sms_simulator.sent", "sms_inbound", received.inbound_id, outcome=received.outcome,
                     channel=channel)
        db.commit()

    await run_in_threadpool(send)
    return RedirectResponse(f"/staff/sms-simulator?thread_token={thread_token}&channel={channel}#conversation",
                            status_code=303)


# --- texts that went wrong ---

NOTICES = {"retried": "The text is in the queue to send again.",
           "not_retried": "That text cannot be sent again (the family may have texted STOP)."}


@router.get("/sms/failed")
def failed_page(request: Request, done: str = "", db: Session = Depends(get_db),
                staff: StaffUser = Depends(front_door_or_admin)) -> HTMLResponse:
    texts, unanswered = problem_texts(db), unanswered_texts(db)
    record_audit(db, staff, "sms_failed.viewed", "sms_failed", None, texts=len(texts), unanswered=len(unanswered))
    db.commit()
    return render(request, "sms_failed.html", {"texts": texts, "unanswered": unanswered, "when": when,
                                               "notice": NOTICES.get(done, "")})


@router.post("/sms/failed/{outbox_id}/retry", dependencies=[Depends(check_csrf)])
def failed_retry(outbox_id: int, db: Session = Depends(get_db),
                 staff: StaffUser = Depends(front_door_or_admin)) -> Response:
    retried = retry_text(db, outbox_id, wall_clock())
    record_audit(db, staff, "sms_text.retried" if retried else "sms_text.retry_refused", "outbox_message", outbox_id)
    db.commit()
    return RedirectResponse(f"/staff/sms/failed?done={'retried' if retried else 'not_retried'}", status_code=303)
