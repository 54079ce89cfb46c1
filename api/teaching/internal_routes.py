"""`GET /internal/model`: Rasa's model server protocol, served by the api.

Every Rasa server polls it (`models:` in endpoints.yml, with the bearer
token): it sends the ETag of the model it runs in `If-None-Match`; the
answer is 304 while that is still the live model, else 200 with the live
model (a .tar.gz) and its ETag (the file's sha256). Rasa switches with no
restart and no conversation lost (its trackers are in Redis); while it
loads the new model (Rasa 3.6 does that on its event loop) it answers
nothing, so a turn at that moment waits (docs/contracts.md).
"""

from fastapi import APIRouter, Depends, Header
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from api.db import get_db
from api.deps import get_app_settings
from api.internal.routes import require_actions_token
from api.settings import Settings
from api.teaching.live_model import live_model

router = APIRouter(prefix="/internal", dependencies=[Depends(require_actions_token)])


def _tags(header: str | None) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in (header or "").split(",") if tag.strip()}


@router.get("/model")
def model(if_none_match: str | None = Header(default=None), db: Session = Depends(get_db),
          settings: Settings = Depends(get_app_settings)) -> Response:
    found = live_model(db, settings)
    db.close()  # the file may take a while to send: no session held meanwhile
    if found is None:
        return JSONResponse({"detail": "there is no model yet"}, status_code=404)
    if found.etag in _tags(if_none_match):
        return Response(status_code=304, headers={"ETag": found.etag})
    return FileResponse(found.path, media_type="application/gzip",
                        headers={"ETag": found.etag, "filename": f"{found.etag[:16]}.tar.gz"})
