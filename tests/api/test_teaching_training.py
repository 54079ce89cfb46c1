"""The one test that trains a real model: comms teach a new question, the
worker's job trains in the Rasa venv (fewer epochs than config.yml, the
same code path), checks the new model against the live one on held-out
data, and the result is what the page and Rasa see.

Slow (a few minutes on 2 cores), so it runs once, on SQLite only."""

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from api.crypto import use_key
from api.db import make_engine, make_session_factory
from api.settings import REPO_ROOT
from api.staff.models import StaffUser
from api.teaching import live_model, service
from api.teaching.models import TaughtExample, TrainingRun
from api.teaching.training import train_and_check
from tests.api.conftest import make_settings, migrate
from tests.api.content_editor_helpers import NOW
from tests.api.referral_helpers import TEST_DATA_KEY
from tests.api.test_teaching import SMS, WAYS, WEB

MODEL = REPO_ROOT / "models" / "current.tar.gz"
RASA = REPO_ROOT / ".venvs" / "rasa" / "bin" / "rasa"
FAST_CONFIG = Path(__file__).with_name("teaching_fast_config.yml")
MORE_WAYS = ["toy library please", "do you have toys we can borrow", "can i loan toys for my son",
             "lending library for toys", "borrow a toy for the weekend"]

pytestmark = pytest.mark.skipif(not MODEL.exists() or not RASA.exists(),
                                reason="no trained model or Rasa venv: run `make test`")


def test_a_taught_question_is_learned_checked_by_the_gate_and_goes_live_only_if_it_passes(tmp_path):
    use_key(TEST_DATA_KEY)  # as the worker does: examples are encrypted at rest
    url = f"sqlite:///{tmp_path / 'teach.db'}"
    migrate(url)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    settings = make_settings(url, model_store=tmp_path / "store", model_path=MODEL, training_config=FAST_CONFIG)
    with session_factory() as db, db.begin():
        staff = StaffUser(email=f"comms-{secrets.token_hex(4)}@fernbridge.example", name="Test comms", role="comms",
                          password_hash="x")
        db.add(staff)
        db.flush()
        service.add_topic(db, settings.data_path, staff, "Toy library", "\n".join(WAYS + MORE_WAYS), SMS, WEB, NOW,
                          {"sleep"})
        db.add(TrainingRun(status="queued", stage="Waiting to start", started_at=NOW, examples=16))
    with session_factory() as db:
        run_id = db.scalar(select(TrainingRun.id))
        heldout = [t for i, t in enumerate(r.text for r in db.scalars(select(TaughtExample).order_by(TaughtExample.id)))
                   if i % 5 == 4]

    run = train_and_check(run_id, settings, session_factory)

    assert run.status in ("live", "not_live"), run.problem
    gate = run.gate
    print(f"\nquality gate: new macro F1 {gate['new_f1']}, live {gate['live_f1']}, passed {gate['passed']}, "
          f"taught {gate['taught']}, {run.problem}")
    # The new question was learned from the ways comms typed, and understood
    # in ways of asking it never saw.
    right, asked = gate["taught"]["taught_toy_library"]
    assert asked == len(heldout) == 3 and right >= 2
    assert gate["new_f1"] > 0.85 and gate["live_f1"] > 0.85
    checks = {c["name"]: c for c in gate["checks"]}
    assert set(checks) == {"understanding", "crisis", "false_alarms"}
    # The gate's own rule decides, and only a model that passes is what Rasa pulls.
    assert gate["passed"] == (gate["new_f1"] >= gate["live_f1"] - 0.01 and checks["crisis"]["passed"]
                              and checks["false_alarms"]["passed"])
    with session_factory() as db:
        served = live_model.live_model(db, settings)
    if gate["passed"]:
        assert run.is_live and served.path == tmp_path / "store" / run.model_file
    else:
        assert not run.is_live and served.path == MODEL and run.problem
    engine.dispose()
