"""A model that goes live reaches the running Rasa server with no restart
and no conversation dropped (Rasa pulls it from the api, endpoints.yml
`models:`), and "Go back to the previous model" takes it back the same way.

The "new" model is the trained one packed again (other bytes, so another
ETag; the same answers), so the other conversation tests are not changed."""
import gzip
import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from api.db import make_engine, make_session_factory
from api.teaching.live_model import make_live
from api.teaching.models import TrainingRun
from tests.support.stack import MODEL
from tests.support.staff import csrf_token, logged_in


def rasa_model_file(stack) -> str:
    """The model Rasa runs ("" while it is busy loading one: Rasa 3.6 loads
    a pulled model on its event loop, so it answers nothing meanwhile)."""
    try:
        response = httpx.get(f"{stack.rasa_url}/status", params={"token": stack.env["RASA_TOKEN"]}, timeout=10)
    except httpx.TimeoutException:
        return ""
    assert response.status_code == 200, response.text
    return Path(response.json()["model_file"]).name


def wait_for_model(stack, name: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    running = rasa_model_file(stack)
    while running != name:
        assert time.monotonic() < deadline, f"Rasa still runs {running or 'nothing it will say'}, not {name}"
        time.sleep(1)
        running = rasa_model_file(stack)


def test_a_model_going_live_and_back_reaches_rasa_without_a_restart(stack, chat):
    rasa_process = stack.processes["rasa"]
    repository_model = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    wait_for_model(stack, f"{repository_model[:16]}.tar.gz")  # pulled from the api at start
    assert chat.say("hi")

    packed_again = gzip.compress(gzip.decompress(MODEL.read_bytes()), mtime=1)
    sha = hashlib.sha256(packed_again).hexdigest()
    store = Path(stack.env["MODEL_STORE"])
    store.mkdir(parents=True, exist_ok=True)
    (store / f"{sha}.tar.gz").write_bytes(packed_again)
    engine = make_engine(stack.env["DATABASE_URL"])
    with make_session_factory(engine)() as db, db.begin():
        run = TrainingRun(status="live", stage="Live", percent=100.0, started_at=datetime.now(timezone.utc),
                          examples=0, model_file=f"{sha}.tar.gz", gate={"passed": True})
        db.add(run)
        db.flush()
        make_live(db, run, datetime.now(timezone.utc))
    engine.dispose()

    wait_for_model(stack, f"{sha[:16]}.tar.gz")
    assert chat.say("what time is riverside open today")  # the same conversation goes on
    comms = logged_in(stack.api_url, "comms@fernbridge.example", stack.env["DEMO_STAFF_PASSWORD"])
    page = comms.get("/staff/content/teach")
    response = comms.post("/staff/content/teach/go-back", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code in (200, 303) and "The previous model is live again" in comms.get(
        "/staff/content/teach?done=back").text
    wait_for_model(stack, f"{repository_model[:16]}.tar.gz")
    assert chat.say("thanks")
    assert rasa_process.poll() is None and stack.processes["rasa"] is rasa_process  # never restarted
