"""`/internal/privacy/delete-my-data`: the action server passes on a
family's confirmed "delete my data" (bearer token, see docs/contracts.md).
The family is told what was deleted, and what was kept and why."""

from datetime import datetime

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from sqlalchemy.orm import Session

from api.clock import get_now
from api.content.service import family_text
from api.crypto import EncryptionKeyMissing
from api.db import get_db
from api.deps import get_app_settings, get_redis
from api.internal.routes import require_actions_token
from api.privacy.erasure import Erasure, erase_family, find_family, mark_pending
from api.settings import Settings
from api.staff.audit import record_audit

router = APIRouter(prefix="/internal/privacy", dependencies=[Depends(require_actions_token)])


class DeleteMyData(BaseModel):
    conversation_id: str = Field(min_length=3, max_length=200)
    channel: str = "web"


def what_the_family_is_told(db: Session, erased: Erasure, channel: str) -> list[str]:
    channel = "sms" if channel == "sms" else "web"
    keys = ["delete_my_data_done"]
    if erased.kept_open_requests:
        keys.append("delete_my_data_kept_request")
    if erased.kept_bookings:
        keys.append("delete_my_data_kept_booking")
    if erased.kept_stop:
        keys.append("delete_my_data_kept_stop")
    return [family_text(db, key, channel) for key in keys]


@router.post("/delete-my-data")
async def delete_my_data(body: DeleteMyData, db: Session = Depends(get_db), redis: Redis = Depends(get_redis),
                         settings: Settings = Depends(get_app_settings),
                         now: datetime = Depends(get_now)) -> JSONResponse:
    """200 `{"messages"}`: the family's conversation data is erased (an open
    request and bookings still to come are kept, and they are told so)."""
    def erase():
        family = find_family(db, settings.pseudonym_key, conversation_id=body.conversation_id)
        erased = erase_family(db, family, now, keep_in_use=True)
        record_audit(db, None, "family.erased", "family", None, by="family", channel=body.channel[:10],
                     **erased.removed)
        db.commit()
        return family, erased

    try:
        family, erased = await run_in_threadpool(erase)
    except EncryptionKeyMissing:
        return JSONResponse({"detail": "the api has no DATA_ENCRYPTION_KEY"}, status_code=503)
    await mark_pending(redis, family, now)  # the rest goes once this turn is over
    texts = await run_in_threadpool(what_the_family_is_told, db, erased, body.channel)
    return JSONResponse({"messages": [{"text": text} for text in texts]})
