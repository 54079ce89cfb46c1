"""`/internal/bookings...`: the action server books drop-in sessions
(bearer token; see docs/contracts.md "Drop-in booking").

Every answer carries `{"messages": [{"text"}]}` in family words, errors
included. Service functions run off the event loop.
"""

import json
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.bookings import service
from api.bookings.checks import BookingProblem, family_key
from api.clock import get_now
from api.content.service import render
from api.crypto import EncryptionKeyMissing
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.directory.service import front_door
from api.internal.routes import require_actions_token
from api.limits import AddressBookings
from api.settings import Settings

router = APIRouter(prefix="/internal/bookings", dependencies=[Depends(require_actions_token)])
Channel = Literal["web", "sms"]


def _answer(texts: list[str], status_code: int = 200, **extra) -> JSONResponse:
    return JSONResponse({**extra, "messages": [{"text": text} for text in texts]}, status_code=status_code)


def _problem(db: Session, problem: BookingProblem, channel: str) -> JSONResponse:
    db.rollback()
    extra: dict = {"detail": problem.detail}
    if isinstance(problem, service.BookingFull):
        extra.update(full=True, options=[choice.as_dict() for choice in problem.choices])
    return _answer(service.problem_texts(db, problem, channel), problem.status, **extra)


async def _run(db: Session, channel: str, function, *args) -> tuple[object, JSONResponse | None]:
    """Run a service function; turn a BookingProblem into its answer, and a
    missing encryption key into a 503 with kind words."""
    try:
        return await run_in_threadpool(function, *args), None
    except BookingProblem as problem:
        return None, _problem(db, problem, channel)
    except EncryptionKeyMissing:
        db.rollback()
        text = render(db, "booking_went_wrong", channel, phone=front_door(db).phone)
        return None, _answer([text], 503, detail="the api has no DATA_ENCRYPTION_KEY, so it cannot keep personal data")


async def _posted(request: Request, db: Session, channel: str) -> tuple[dict, str, JSONResponse | None]:
    """The posted JSON object and the channel (the body's wins over the
    query's); for anything but a JSON object, the kind 422 to send instead."""
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        text = render(db, "booking_went_wrong", channel, phone=front_door(db).phone)
        return {}, channel, _answer([text], 422, detail="body: send a JSON object")
    value = body.get("channel")
    return body, value if value in ("web", "sms") else channel, None


class OptionsIn(BaseModel):
    """What the family asked for, in their words (raw entity text): in the
    body, never the query string (access logs)."""

    model_config = ConfigDict(extra="ignore")

    channel: Channel = "web"
    day: str = Field(default="", max_length=200)
    hub: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=200)
    age: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=200)


@router.post("/options")
async def options(body: OptionsIn, db: Session = Depends(get_db),
                  now: datetime = Depends(get_now)) -> JSONResponse:
    """A numbered list of matching upcoming sessions: 3 on SMS, 5 on web."""
    channel = body.channel
    result, problem = await _run(db, channel, lambda: service.booking_options(
        db, day=body.day, hub=body.hub, kind=body.kind, age=body.age, postcode=body.postcode, now=now,
        channel=channel))
    if problem:
        return problem
    choices, texts = result
    return _answer(texts, options=[choice.as_dict() for choice in choices])


@router.get("/needs")
async def needs(occurrence: str = "", channel: Channel = "web", db: Session = Depends(get_db),
                now: datetime = Depends(get_now), settings: Settings = Depends(get_app_settings)) -> JSONResponse:
    """What booking an occurrence needs; 404 if it is unknown or past."""
    result, problem = await _run(db, channel, service.booking_needs, db, occurrence, now, channel,
                                 service.BookingLimits.from_settings(settings))
    if problem:
        return problem
    return _answer(result.texts, **result.as_dict())


@router.post("/check")
async def check(request: Request, channel: Channel = "web", db: Session = Depends(get_db),
                now: datetime = Depends(get_now)) -> JSONResponse:
    """200 `{"ok": true}` or 422 `{"messages"}` saying what does not fit."""
    body, channel, bad = await _posted(request, db, channel)
    if bad:
        return bad
    _result, problem = await _run(db, channel, service.check_booking, db, body, now)
    if problem:
        return problem
    return _answer([], ok=True)


@router.post("")
async def create(request: Request, channel: Channel = "web", idempotency_key: str | None = Header(default=None),
                 db: Session = Depends(get_db), now: datetime = Depends(get_now),
                 settings: Settings = Depends(get_app_settings), redis: Redis = Depends(get_redis)) -> JSONResponse:
    """201 (200 for a repeated Idempotency-Key) `{"reference", "status", "messages"}`;
    409 `{"full": true, "options", "messages"}`; 422 `{"messages"}`; 429 over a limit."""
    body, channel, bad = await _posted(request, db, channel)
    if bad:
        return bad
    address = AddressBookings(redis, family_key(str(body.get("conversation_id") or "")), now.date().isoformat())
    try:
        from_address = await address.count()
    except RedisError:  # Redis away: the other limits still hold
        from_address = 0
    result, problem = await _run(db, channel, service.create_booking, db, body, idempotency_key or "", now,
                                 service.BookingLimits.from_settings(settings), from_address)
    if problem:
        return problem
    if result.created:
        try:
            await address.add_one()
        except RedisError:
            pass
    booking = result.booking
    return _answer(result.texts, 201 if result.created else 200, reference=booking.reference,
                   status=booking.status)


@router.get("/mine")
async def mine(conversation_id: str = "", channel: Channel = "web", db: Session = Depends(get_db),
               now: datetime = Depends(get_now)) -> JSONResponse:
    result, problem = await _run(db, channel, service.my_bookings, db, conversation_id, now, channel)
    if problem:
        return problem
    return _answer(result.texts, bookings=[service.booking_choice(b) for b in result.bookings])


@router.post("/find")
async def find(request: Request, channel: Channel = "web", db: Session = Depends(get_db),
               now: datetime = Depends(get_now)) -> JSONResponse:
    """The family's upcoming bookings matching a booking number in `text`, or `day`, or all."""
    body, channel, bad = await _posted(request, db, channel)
    if bad:
        return bad
    result, problem = await _run(db, channel, service.find_bookings, db, str(body.get("conversation_id") or ""),
                                 str(body.get("text") or ""), str(body.get("day") or ""), now, channel)
    if problem:
        return problem
    return _answer(result.texts, bookings=[service.booking_choice(b) for b in result.bookings])


@router.post("/{reference}/cancel")
async def cancel(reference: str, request: Request, channel: Channel = "web", db: Session = Depends(get_db),
                 now: datetime = Depends(get_now)) -> JSONResponse:
    """`{"cancelled": true, "messages"}`; 404 unless it is this family's upcoming booking."""
    body, channel, bad = await _posted(request, db, channel)
    if bad:
        return bad
    texts, problem = await _run(db, channel, service.cancel_booking, db, reference,
                                str(body.get("conversation_id") or ""), now, channel)
    if problem:
        return problem
    return _answer(texts, cancelled=True)


@router.get("/{reference}/move-options")
async def move_options(reference: str, conversation_id: str = "", channel: Channel = "web",
                       db: Session = Depends(get_db), now: datetime = Depends(get_now)) -> JSONResponse:
    result, problem = await _run(db, channel, service.move_choices, db, reference, conversation_id, now, channel)
    if problem:
        return problem
    choices, texts = result
    return _answer(texts, options=[choice.as_dict() for choice in choices])


@router.post("/{reference}/move")
async def move(reference: str, request: Request, channel: Channel = "web",
               idempotency_key: str | None = Header(default=None), db: Session = Depends(get_db),
               now: datetime = Depends(get_now)) -> JSONResponse:
    """`{"reference", "messages"}`; 409 full / 422 / 404 as for the others."""
    body, channel, bad = await _posted(request, db, channel)
    if bad:
        return bad
    result, problem = await _run(db, channel, service.move_booking, db, reference,
                                 str(body.get("conversation_id") or ""), str(body.get("occurrence") or ""),
                                 idempotency_key or "", now, channel)
    if problem:
        return problem
    booking, texts = result
    return _answer(texts, reference=booking.reference)
