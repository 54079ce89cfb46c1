"""`POST /internal/unanswered`: the action server reports a message the
assistant could not answer (bearer token, see docs/contracts.md).

Messages older than CONVERSATION_EXPIRY_SECONDS are forgotten as new ones
arrive, like the rest of the api's copies of conversations."""

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.clock import get_now
from api.crypto import EncryptionKeyMissing
from api.db import get_db
from api.deps import get_app_settings
from api.internal.contract import problem, read_body
from api.internal.routes import require_actions_token
from api.settings import Settings
from api.unanswered import service

router = APIRouter(prefix="/internal", dependencies=[Depends(require_actions_token)])


def _store(db: Session, report: service.Report, now: datetime, keep_seconds: int) -> int:
    message = service.record_unanswered(db, report, now)
    service.forget_before(db, now - timedelta(seconds=keep_seconds))
    db.commit()
    return message.group_id


@router.post("/unanswered")
async def report_unanswered(request: Request, db: Session = Depends(get_db),
                            settings: Settings = Depends(get_app_settings),
                            now: datetime = Depends(get_now)) -> JSONResponse:
    """201 `{"stored": true, "group_id"}`; 422 `{"detail", "messages"}` for bad input;
    503 when there is no encryption key (the words are never kept in plain text)."""
    report, refused = await read_body(request, service.Report)
    if refused:
        return refused
    try:
        group_id = await run_in_threadpool(_store, db, report, now, settings.conversation_expiry_seconds)
    except EncryptionKeyMissing:
        db.rollback()
        return problem(503, "the api has no DATA_ENCRYPTION_KEY, so it cannot keep the message")
    return JSONResponse({"stored": True, "group_id": group_id}, status_code=201)
