"""Which model every Rasa server runs, and going back to the one before.

Rasa pulls its model from the api (`models:` in endpoints.yml): it sends
the ETag of the model it has, and gets the live model only when that has
changed (api/teaching/internal_routes.py). The live model is the newest
training run marked live, else MODEL_PATH (trained from the repository by
`make run`). Trained models are kept in MODEL_STORE by their sha256, so
"Go back to the previous model" needs no training.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.models import StaffUser
from api.teaching.models import TrainingRun


class NoPreviousModel(LookupError):
    """There is no model before the live one to go back to."""


@dataclass(frozen=True)
class LiveModel:
    path: Path
    etag: str
    run: TrainingRun | None  # None: the model trained from the repository


@lru_cache(maxsize=16)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    """The file's sha256 (worked out once per version of the file)."""
    stat = path.stat()
    return _sha256(str(path), stat.st_mtime_ns, stat.st_size)


def store_path(settings: Settings) -> Path:
    return settings.repo_file(settings.model_store)


def live_run(db: Session) -> TrainingRun | None:
    return db.scalar(select(TrainingRun).where(TrainingRun.is_live.is_(True)).order_by(TrainingRun.id.desc()))


def live_model(db: Session, settings: Settings) -> LiveModel | None:
    """The model Rasa should run now; None when there is none at all."""
    run = live_run(db)
    path = store_path(settings) / run.model_file if run else settings.repo_file(settings.model_path)
    if not path.is_file():
        return None
    return LiveModel(path, sha256_of(path), run)


def make_live(db: Session, run: TrainingRun, now: datetime) -> None:
    """`run`'s model is the live one from now on; the one it replaces is
    where "Go back" goes. The caller commits."""
    current = live_run(db)
    db.execute(update(TrainingRun).where(TrainingRun.is_live.is_(True)).values(is_live=False)
               .execution_options(synchronize_session=False))
    run.replaced_run_id = current.id if current else None
    run.is_live = True
    run.went_live_at = now.astimezone(timezone.utc)
    db.flush()


def go_back(db: Session, settings: Settings, staff: StaffUser, now: datetime) -> TrainingRun | None:
    """Put the model the live one replaced live again; the model now live
    (None: the one trained from the repository). Audited. The caller commits."""
    current = live_run(db)
    if current is None:
        raise NoPreviousModel("The live model is the one the developers trained. There is none before it.")
    before = db.get(TrainingRun, current.replaced_run_id) if current.replaced_run_id else None
    if before is not None and not (store_path(settings) / before.model_file).is_file():
        raise NoPreviousModel("The previous model's file is no longer kept.")
    current.is_live = False
    if before is not None:
        before.is_live = True
    record_audit(db, staff, "model.rolled_back", "training_run", current.id,
                 now_live=before.id if before else "repository")
    db.flush()
    return before
