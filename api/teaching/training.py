""""Teach the assistant": a training run in the background, its quality
gate, and going live.

The staff page starts a run (`start_training`, then `queue_training` puts
`run_training_job` on the rq queue TRAINING_QUEUE). A worker
(`python -m api.teaching.worker`) takes it, never the web process; the
training and the checking themselves run in the Rasa venv, as
subprocesses (`rasa train`, `python -m bot.evaluate_model`). Each stage
writes its progress (stage, percent, time left) to the run's row, which
the page shows.

The new model goes live only if it passes the gate (api/teaching/gate.py)
against the live model, on held-out data neither was trained on. Then it
is kept in MODEL_STORE and marked live: every Rasa server pulls it on its
next poll (GET /internal/model), with no restart.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.clock import as_utc
from api.settings import REPO_ROOT, Settings
from api.staff.audit import record_audit
from api.staff.models import StaffUser
from api.teaching import live_model as live
from api.teaching.export import HELDOUT, additions, files_with_additions, read_originals, write_tree
from api.teaching.gate import judge
from api.teaching.models import TrainingRun

log = logging.getLogger("api.teaching")

TRAINING_QUEUE = "teaching"
WAITING_FOR_A_WORKER = timedelta(minutes=30)  # a queued run no worker took is given up after this too
GAVE_UP = ("The learning stopped without finishing: the computer doing it may have restarted. Nothing changed. "
           "You can choose Teach the assistant again.")
CRISIS_HELDOUT = "data/safety/crisis_examples/heldout.yml"
CHECK_SECONDS = 90  # about how long checking both models takes on 2 cores
EPOCHS = re.compile(rb"Epochs:\s+(\d+)%")
# Stages as the page shows them, with where each starts on the progress bar.
PREPARING, TRAINING, CHECKING = ("Getting the examples ready", 0), ("Learning", 5), ("Checking the new model", 80)


class TrainingRefused(RuntimeError):
    """A run cannot start now (said in plain words)."""


class TrainingFailed(RuntimeError):
    """Training or checking stopped; the message says so in plain words."""


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def longest_run(settings: Settings) -> timedelta:
    """The longest a run can be queued and running before it is given up
    on: rq stops the job at its timeout, and a worker that dies mid-run
    never says so, so its row would say "learning" for ever."""
    return timedelta(seconds=settings.training_timeout_seconds + 2 * CHECK_SECONDS) + WAITING_FOR_A_WORKER


def running(db: Session, settings: Settings, now: datetime) -> TrainingRun | None:
    """The run in progress, if any. A run older than `longest_run` is
    marked stopped here (the caller commits), so teaching can start again."""
    run = db.scalar(select(TrainingRun).where(TrainingRun.status.in_(("queued", "running")))
                    .order_by(TrainingRun.id.desc()))
    if run is None or as_utc(run.started_at) > now - longest_run(settings):
        return run
    log.error("training run %s given up: still %s after %s", run.id, run.status, longest_run(settings))
    run.status, run.stage, run.finished_at, run.seconds_left = "failed", "Stopped", now, None
    run.problem = GAVE_UP
    return None


def training_workers(connection: Redis) -> int:
    """How many training workers (python -m api.teaching.worker) are listening."""
    return len(Worker.all(queue=Queue(TRAINING_QUEUE, connection=connection)))


def recent_runs(db: Session, limit: int = 10) -> list[TrainingRun]:
    return list(db.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))


def start_training(db: Session, staff: StaffUser, settings: Settings, now: datetime) -> TrainingRun:
    """A new run, waiting for a worker. The caller commits, then queues it."""
    if running(db, settings, now):
        raise TrainingRefused("The assistant is already learning. Wait for that to finish first.")
    run = TrainingRun(status="queued", stage="Waiting to start", percent=0.0, started_at=now.astimezone(timezone.utc),
                      started_by_id=staff.id, examples=additions(db).count, gate={}, problem="")
    db.add(run)
    db.flush()
    record_audit(db, staff, "model.training_started", "training_run", run.id, examples=run.examples)
    return run


def queue_training(connection: Redis, run_id: int, settings: Settings) -> None:
    Queue(TRAINING_QUEUE, connection=connection).enqueue(
        run_training_job, run_id, job_timeout=settings.training_timeout_seconds + 2 * CHECK_SECONDS)


# --- the work, in the worker ---

class Progress:
    """Writes a run's stage, percent and time left, at most every `every` seconds."""

    def __init__(self, session_factory: sessionmaker[Session], run_id: int, every: float = 2.0) -> None:
        self.session_factory, self.run_id, self.every, self.last = session_factory, run_id, every, 0.0

    def __call__(self, stage: tuple[str, int], percent: float, seconds_left: int | None, force: bool = False,
                 **values) -> None:
        if not force and time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        with self.session_factory() as db, db.begin():
            run = db.get(TrainingRun, self.run_id)
            run.stage, run.percent, run.seconds_left = stage[0], round(min(99.0, percent), 1), seconds_left
            for name, value in values.items():
                setattr(run, name, value)


def _subprocess_env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}


def train_model(settings: Settings, tree: Path, out: Path, progress: Callable) -> Path:
    """`rasa train` (Rasa venv) on the files in `tree`; the model file. Reads
    the training's progress bar for the percent and the time left."""
    rasa = settings.repo_file(settings.rasa_command)
    command = [str(rasa), "train", "--domain", str(tree / "domain.yml"),
               "--data", str(tree / "data/nlu"), str(tree / "data/rules.yml"),
               "--config", str(settings.repo_file(settings.training_config)),
               "--out", str(out), "--fixed-model-name", "candidate"]
    started, tail = time.monotonic(), deque(maxlen=40)
    epochs_started = None
    with subprocess.Popen(command, cwd=REPO_ROOT, env=_subprocess_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as process:
        buffer = b""
        while True:
            chunk = process.stdout.read1(4096) if hasattr(process.stdout, "read1") else process.stdout.read(4096)
            if not chunk:
                break
            buffer += chunk
            *pieces, buffer = re.split(rb"[\r\n]", buffer)
            for piece in pieces:
                if piece.strip():
                    tail.append(piece.decode("utf-8", "replace")[:300])
                match = EPOCHS.search(piece)
                if not match:
                    continue
                fraction = int(match.group(1)) / 100
                epochs_started = epochs_started or time.monotonic()
                spent = time.monotonic() - epochs_started
                left = int(spent / fraction * (1 - fraction)) + CHECK_SECONDS if fraction > 0.02 else None
                progress(TRAINING, TRAINING[1] + (CHECKING[1] - TRAINING[1]) * fraction, left)
            if time.monotonic() - started > settings.training_timeout_seconds:
                process.kill()
                raise TrainingFailed("Learning took too long, so it was stopped.")
        process.wait()
    model = out / "candidate.tar.gz"
    if process.returncode != 0 or not model.is_file():
        log.error("rasa train failed (exit %s): %s", process.returncode, "\n".join(tail))
        raise TrainingFailed("Learning stopped with an error. The developers can see why in the worker's log.")
    return model


def evaluate_model(settings: Settings, model: Path, nlu: Path, crisis: Path, out: Path) -> dict:
    """What `model` understands of the held-out messages (bot/evaluate_model.py, Rasa venv)."""
    python = settings.repo_file(settings.rasa_command).parent / "python"
    result = subprocess.run([str(python), "-m", "bot.evaluate_model", str(model), str(nlu), str(crisis), str(out)],
                            cwd=REPO_ROOT, env=_subprocess_env(), capture_output=True, text=True,
                            timeout=settings.training_timeout_seconds)
    if result.returncode != 0:
        log.error("checking a model failed: %s", result.stderr[-3000:])
        raise TrainingFailed("Checking the new model stopped with an error. The developers can see why in the "
                             "worker's log.")
    return json.loads(out.read_text(encoding="utf-8"))


def train_and_check(run_id: int, settings: Settings, session_factory: sessionmaker[Session],
                    trainer: Callable = train_model, evaluator: Callable = evaluate_model,
                    clock: Callable[[], datetime] = wall_clock) -> TrainingRun:
    """Do one run from start to finish; its row says how it went."""
    progress = Progress(session_factory, run_id)
    store = live.store_path(settings)
    work = store / "runs" / str(run_id)
    with session_factory() as db:
        run = db.get(TrainingRun, run_id)
        if run.status != "queued":  # given up on before a worker took it
            return run
    try:
        progress(PREPARING, 1, None, force=True, status="running")
        with session_factory() as db:
            taught = additions(db)
            live_now = live.live_model(db, settings)
        if live_now is None:
            raise TrainingFailed("There is no live model to compare the new one with.")
        shutil.rmtree(work, ignore_errors=True)
        write_tree(files_with_additions(read_originals(REPO_ROOT), taught), work)
        progress(TRAINING, TRAINING[1], None, force=True, examples=taught.count)
        candidate = trainer(settings, work, work, progress)

        progress(CHECKING, CHECKING[1], CHECK_SECONDS, force=True)
        nlu, crisis = work / HELDOUT, REPO_ROOT / CRISIS_HELDOUT
        new = evaluator(settings, candidate, nlu, crisis, work / "new.json")
        progress(CHECKING, 90, CHECK_SECONDS // 2, force=True)
        old = evaluator(settings, live_now.path, nlu, crisis, work / "live.json")
        result = judge(new, old)
        with session_factory() as db, db.begin():
            run = db.get(TrainingRun, run_id)
            run.gate, run.finished_at, run.percent, run.seconds_left = result.as_dict(), clock(), 100.0, 0
            if result.passed:
                sha = live.sha256_of(candidate)
                shutil.move(str(candidate), store / f"{sha}.tar.gz")
                run.model_file, run.status, run.stage = f"{sha}.tar.gz", "live", "Live"
                live.make_live(db, run, clock())
            else:
                run.status, run.stage = "not_live", "Did not pass the checks"
                run.problem = " ".join(c.words for c in result.checks if not c.passed)
    except (TrainingFailed, subprocess.TimeoutExpired, OSError, ValueError) as error:
        words = str(error) if isinstance(error, TrainingFailed) else "Learning stopped with an error."
        log.error("training run %s failed: %s", run_id, type(error).__name__)
        with session_factory() as db, db.begin():
            run = db.get(TrainingRun, run_id)
            run.status, run.stage, run.problem, run.finished_at, run.seconds_left = (
                "failed", "Stopped", words, clock(), None)
    finally:
        for leftover in ("new.json", "live.json", "candidate.tar.gz"):
            (work / leftover).unlink(missing_ok=True)
    with session_factory() as db:
        return db.get(TrainingRun, run_id)


def run_training_job(run_id: int) -> str:  # pragma: no cover - process wiring around train_and_check
    """The rq job: one training run, in the worker process."""
    from api.crypto import use_key
    from api.db import make_engine, make_session_factory
    from api.settings import get_settings

    settings = get_settings()
    use_key(settings.data_encryption_key)  # examples from families are encrypted at rest
    engine = make_engine(settings.database_url)
    try:
        return train_and_check(run_id, settings, make_session_factory(engine)).status
    finally:
        engine.dispose()
