"""`/internal/referrals...`: the action server hands a family to a worker
(bearer token, see docs/contracts.md "Staff side")."""

from datetime import datetime

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.clock import get_now
from api.crypto import EncryptionKeyMissing
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.internal.contract import messages, problem, read_body
from api.internal.routes import require_actions_token
from api.referrals import service
from api.referrals.live import publish_referral_changed
from api.referrals.schemas import FamilyMessageIn, UrgentIn, WithdrawIn
from api.settings import Settings

router = APIRouter(prefix="/internal/referrals", dependencies=[Depends(require_actions_token)])


def _messages(texts: list[str], status_code: int = 200, **extra) -> JSONResponse:
    return JSONResponse({**extra, "messages": messages(texts)}, status_code=status_code)


async def _run(service_function, *args) -> tuple[object, JSONResponse | None]:
    """Run a service function off the event loop; turn its refusals into
    the route's answer: 422 for bad input, 503 with no encryption key."""
    try:
        return await run_in_threadpool(service_function, *args), None
    except service.ReferralInvalid as error:
        return None, problem(422, str(error))
    except EncryptionKeyMissing:
        return None, problem(503, "the api has no DATA_ENCRYPTION_KEY, so it cannot keep personal data")


@router.post("")
async def create(request: Request, idempotency_key: str | None = Header(default=None),
                 db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                 settings: Settings = Depends(get_app_settings), now: datetime = Depends(get_now)) -> JSONResponse:
    """201 (200 for a repeated Idempotency-Key) `{"referral_id", "messages"}`;
    422 `{"detail"}` for bad input; 503 when no encryption key is set."""
    body, refused = await read_body(request, service.ReferralIn)
    if refused:
        return refused
    result, refused = await _run(service.create_referral, db, body, idempotency_key or "", now)
    if refused:
        return refused
    referral = result.referral
    if result.created:
        await publish_referral_changed(redis, settings, referral.reference, referral.hub.slug, referral.status)
    return _messages(result.messages, 201 if result.created else 200, referral_id=referral.reference)


@router.post("/withdraw")
async def withdraw(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                   settings: Settings = Depends(get_app_settings), now: datetime = Depends(get_now)) -> JSONResponse:
    """200 `{"withdrawn": bool, "messages"}`: the family changed their mind."""
    body, refused = await read_body(request, WithdrawIn)
    if refused:
        return refused
    result, refused = await _run(service.withdraw_referral, db, body.conversation_id, body.reason, now, body.channel)
    if refused:
        return refused
    referral, texts = result
    if referral is not None:
        await publish_referral_changed(redis, settings, referral.reference, referral.hub.slug, referral.status)
    return _messages(texts, withdrawn=referral is not None)


@router.post("/messages")
async def family_message(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                         settings: Settings = Depends(get_app_settings),
                         now: datetime = Depends(get_now)) -> JSONResponse:
    """200 `{"attached": bool, "messages"}`; no open referral: attached false, no messages."""
    body, refused = await read_body(request, FamilyMessageIn)
    if refused:
        return refused
    result, refused = await _run(service.add_family_message, db, body.conversation_id, body.text, now, body.channel)
    if refused:
        return refused
    referral, texts = result
    if referral is not None:
        await publish_referral_changed(redis, settings, referral.reference, referral.hub.slug, referral.status)
    return _messages(texts, attached=referral is not None)


@router.post("/urgent")
async def urgent(request: Request, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                 settings: Settings = Depends(get_app_settings), now: datetime = Depends(get_now)) -> JSONResponse:
    """200 `{"urgent": bool}`: a crisis after the handover makes the family's
    open request urgent; false when they have no open request."""
    body, refused = await read_body(request, UrgentIn)
    if refused:
        return refused
    referral, refused = await _run(service.mark_urgent_after_crisis, db, body.conversation_id, now)
    if refused:
        return refused
    if referral is not None:
        await publish_referral_changed(redis, settings, referral.reference, referral.hub.slug, referral.status)
    return JSONResponse({"urgent": referral is not None})
