"""Twilio's webhooks: `POST /sms/inbound` (a family's text or WhatsApp
message) and `POST /sms/status` (a delivery report). Both refuse, with
403, anything not signed by Twilio for PUBLIC_BASE_URL. Neither waits for
the assistant: a text is stored and queued, and Twilio gets empty TwiML
back.
"""

import logging

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.db import get_db
from api.settings import Settings
from api.sms.inbound import receive_text
from api.sms.jobs import install_outbox_dispatch
from api.sms.runtime import SmsRuntime, make_sync_redis, use_runtime
from api.sms.sender import record_status
from api.sms.signature import SIGNATURE_HEADER, signature_problem

log = logging.getLogger("api.sms")
router = APIRouter()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def get_sms_runtime(request: Request) -> SmsRuntime:
    return request.app.state.sms


async def _signed_form(request: Request, settings: Settings):
    """The posted form if Twilio signed it, else None (and a log line
    without anything from the request)."""
    # The signature is looked at before the body is read: no form is parsed
    # for a request that cannot be Twilio's.
    if not (settings.twilio_auth_token and settings.public_base_url) or not request.headers.get(SIGNATURE_HEADER):
        log.warning("sms webhook refused: %s (path %s)", "missing_signature" if settings.twilio_auth_token
                    else "twilio_not_set_up", request.url.path)
        return None
    form = await request.form()
    problem = signature_problem(settings.twilio_auth_token, settings.public_base_url, request.url.path,
                                request.url.query, form, request.headers)
    if problem:
        log.warning("sms webhook refused: %s (path %s)", problem, request.url.path)
        return None
    return form


def _count(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@router.post("/sms/inbound")
async def inbound(request: Request, db: Session = Depends(get_db),
                  rt: SmsRuntime = Depends(get_sms_runtime)) -> Response:
    form = await _signed_form(request, rt.settings)
    if form is None:
        return Response("Forbidden", status_code=403, media_type="text/plain")
    await run_in_threadpool(receive_text, db, rt, str(form.get("MessageSid") or ""), str(form.get("From") or ""),
                            str(form.get("Body") or ""), _count(form.get("NumMedia")), "twilio",
                            str(form.get("MediaContentType0") or ""))
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/sms/status")
async def status(request: Request, db: Session = Depends(get_db),
                 rt: SmsRuntime = Depends(get_sms_runtime)) -> Response:
    form = await _signed_form(request, rt.settings)
    if form is None:
        return Response("Forbidden", status_code=403, media_type="text/plain")
    sid, reported = str(form.get("MessageSid") or ""), str(form.get("MessageStatus") or "")
    if sid:
        known = await run_in_threadpool(record_status, db, sid, reported, str(form.get("ErrorCode") or "") or None)
        if not known:
            log.info("sms delivery report for a text we do not know")
    return Response(status_code=204)


def install_sms(app: FastAPI) -> None:
    """The SMS runtime (shared with jobs run in this process), outbox
    dispatch, the webhooks and the staff pages."""
    from api.sms.staff_routes import router as staff_router

    settings = app.state.settings
    app.state.sms = SmsRuntime(settings, app.state.session_factory, make_sync_redis(settings))
    use_runtime(app.state.sms)
    install_outbox_dispatch()
    app.include_router(router)
    app.include_router(staff_router)
