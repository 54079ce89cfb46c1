"""Teaching the assistant a new question with no developer: comms add a
question (its name, ways families ask, its answer), messages from "what we
could not answer" become examples, the additions are exported as the
training files and a diff for the developers, a training run is queued for
the worker, and the model Rasa pulls is served with an ETag and can be
rolled back. Nothing here trains a model (see tests/nlu/test_teaching_run.py)."""

import html
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import delete, select

from api.content.models import Answer, AnswerVersion
from api.settings import REPO_ROOT
from api.teaching import export
from api.teaching.gate import judge, macro_f1
from api.teaching.models import TaughtExample, TaughtTopic, TrainingRun
from api.teaching.training import GAVE_UP, TRAINING_QUEUE, train_and_check, train_model
from api.unanswered.models import UnansweredGroup, UnansweredMessage
from tests.api.conftest import AUTH, REDIS_TEST_DB, make_settings
from tests.api.content_editor_helpers import NOW, audits, signed_in  # noqa: F401 - fixtures
from tests.api.referral_helpers import TEST_DATA_KEY, encryption_key  # noqa: F401 - fixtures

WAYS = ["do you have a toy library", "can we borrow toys from the hub", "is there a toy library near me",
        "can i borrow toys for my toddler", "where can i borrow toys", "toy library opening",
        "do u lend toys out", "can my kids borrow toys", "borrowing toys for a baby", "toy lending at the hub",
        "can we take toys home to play with"]
SMS = "Yes. Our hubs lend toys for free. Ask at the front desk, and bring them back in two weeks."
WEB = "Yes. Our hubs lend toys for free. Ask at the front desk. You can keep them for two weeks, then bring them back."


@pytest.fixture(autouse=True)
def nothing_taught(session_factory):
    def clear():
        with session_factory() as session, session.begin():
            session.execute(delete(TaughtExample))
            session.execute(delete(TaughtTopic))
            session.execute(delete(TrainingRun))
            session.execute(delete(UnansweredMessage))
            session.execute(delete(UnansweredGroup))
            ids = list(session.scalars(select(Answer.id).where(Answer.key.startswith("taught_"))))
            session.execute(delete(AnswerVersion).where(AnswerVersion.answer_id.in_(ids)))
            session.execute(delete(Answer).where(Answer.id.in_(ids)))
    clear()
    yield
    clear()


@pytest.fixture
def baseline_model(tmp_path) -> Path:
    path = tmp_path / "current.tar.gz"
    path.write_bytes(b"the model trained from the repository")
    return path


@pytest.fixture
def comms(signed_in, make_client, baseline_model, tmp_path):
    """A comms member signed in, with a model store and a repository model of the test's own."""
    client, token = signed_in("comms")
    client.app.state.settings.model_store = tmp_path / "store"
    client.app.state.settings.model_path = baseline_model
    return client, token


def add_question(client, token, ways=WAYS, name="Toy library", sms=SMS, web=WEB):
    return client.post("/staff/content/topics", data={
        "name": name, "examples": "\n".join(ways), "sms": sms, "web": web, "csrf_token": token},
        follow_redirects=False)


# --- adding a question ---

def test_the_form_says_how_many_more_ways_it_wants_and_shows_near_duplicates(comms):
    client, token = comms
    page = client.post("/staff/content/topics/check", data={
        "name": "Toy library", "examples": "do you have a toy library\n- baby wont sleep\ncan we borrow toys",
        "sms": SMS, "web": WEB, "csrf_token": token})
    assert page.status_code == 200
    assert "3 ways of asking." in page.text and "Add 7 more: the assistant needs at least 10." in page.text
    # "baby wont sleep" is already how families ask about sleep (data/nlu/parenting.yml)
    assert '"baby wont sleep" is the same as "baby wont sleep" (sleep)' in html.unescape(page.text)
    assert "This answer can be published." in page.text  # the answer's usual checks
    with_enough = client.post("/staff/content/topics/check", data={
        "name": "Toy library", "examples": "\n".join(WAYS), "sms": SMS, "web": WEB, "csrf_token": token})
    assert "11 ways of asking. That is enough to learn from." in with_enough.text
    assert "near-duplicates" not in with_enough.text


def test_comms_add_a_question_and_the_assistant_can_answer_it_with_no_code(comms, make_client, session_factory):
    client, token = comms
    response = add_question(client, token)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/content/topics/taught_toy_library?done=added"
    page = client.get(response.headers["location"]).text
    assert "Toy library" in page and "Ways families ask it (11)" in page and "can we borrow toys from the hub" in page
    # The answer is live at once: the generic answer action asks for the intent's own key.
    answered = client.get("/internal/answers/taught_toy_library?channel=sms", headers=AUTH)
    assert answered.json() == {"messages": [{"text": SMS}]}
    assert "Toy library" in client.get("/staff/content").text  # in the editor, with versions
    assert audits(session_factory, "topic.added", "taught_toy_library")[0].detail == {"examples": 11}
    teach = client.get("/staff/content/teach").text
    assert "Toy library" in teach and "11 ways of asking taught here so far." in teach


@pytest.mark.parametrize("ways, sms, name, says", [
    (WAYS[:9], SMS, "Toy library", "Add 1 more way families ask this."),
    (WAYS[:10] + ["baby wont sleep"], SMS, "Toy library",
     '"baby wont sleep" is already a way of asking another question (sleep).'),
    (WAYS, "Yes. Our hubs lend toys for free \u2013 ask at the desk.", "Toy library", "a character that phones treat as special"),
    (WAYS, SMS, "Sleep", "There is already a question with that name."),
])
def test_a_question_that_is_not_ready_is_not_added(comms, session_factory, ways, sms, name, says):
    client, token = comms
    if name == "Sleep":  # a taught question may not take a shipped question's place
        add_question(client, token, name="Sleep", ways=[w + " please" for w in WAYS])
    response = add_question(client, token, ways=ways, sms=sms, name="Toy library" if name != "Sleep" else "sleep")
    assert response.status_code == 422
    assert says in html.unescape(response.text)
    assert response.text.count('value="') >= 2 and "can we borrow toys from the hub" in response.text  # kept
    with session_factory() as session:
        assert session.scalar(select(TaughtTopic).where(TaughtTopic.intent == "taught_toy_library")) is None


def test_more_ways_can_be_added_to_a_taught_question(comms, session_factory):
    client, token = comms
    add_question(client, token)
    response = client.post("/staff/content/topics/taught_toy_library/examples", data={
        "examples": "any toys to borrow\ncan we borrow toys from the hub", "csrf_token": token},
        follow_redirects=False)
    assert response.status_code == 303
    assert "Ways families ask it (12)" in client.get("/staff/content/topics/taught_toy_library").text


def test_only_comms_and_admins_can_teach(signed_in):
    worker, token = signed_in("worker")
    assert worker.get("/staff/content/teach").status_code == 200  # every role can read
    assert add_question(worker, token).status_code == 403
    assert worker.post("/staff/content/teach", data={"csrf_token": token}).status_code == 403


# --- examples from "what we could not answer" ---

def report(client, said):
    body = {"conversation_id": "f00d-1", "channel": "web", "text": said, "intent": "out_of_scope",
            "confidence": 0.4, "reason": "fallback", "entities": []}
    assert client.post("/internal/unanswered", json=body, headers=AUTH).status_code == 201


def test_marking_a_group_answered_teaches_its_messages_and_putting_it_back_untaches_them(comms, session_factory,
                                                                                        make_client):
    client, token = comms
    add_question(client, token)
    family = make_client(now=NOW, data_encryption_key=TEST_DATA_KEY)
    report(family, "my name is Jo and do you lend out toys")
    report(family, "do you lend out toys at all")
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    page = client.get("/staff/unanswered").text
    assert 'value="taught_toy_library"' in page  # a taught question's answer can be chosen
    client.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "answered", "answer_key": "taught_toy_library", "csrf_token": token})
    with session_factory() as session:
        taught = [(e.text, e.source) for e in session.scalars(
            select(TaughtExample).where(TaughtExample.group_id == group_id).order_by(TaughtExample.id))]
    assert taught == [("my name is Sam and do you lend out toys", "unanswered"), ("do you lend out toys at all", "unanswered")]
    assert "Ways families ask it (13)" in client.get("/staff/content/topics/taught_toy_library").text
    client.post(f"/staff/unanswered/groups/{group_id}", data={"status": "open", "csrf_token": token})
    assert "Ways families ask it (11)" in client.get("/staff/content/topics/taught_toy_library").text


def test_erasing_a_family_removes_what_their_messages_taught(comms, session_factory, make_client):
    from api.unanswered.service import erase_conversations

    client, token = comms
    family = make_client(now=NOW, data_encryption_key=TEST_DATA_KEY)
    for said, conversation in (("what time does riverside shut tonight", "aaaa-1"),
                               ("what time does riverside shut on friday", "bbbb-1")):
        body = {"conversation_id": conversation, "channel": "web", "text": said, "intent": "opening_hours",
                "confidence": 0.4, "reason": "low_confidence", "entities": []}
        assert family.post("/internal/unanswered", json=body, headers=AUTH).status_code == 201
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    client.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "answered", "answer_key": "hours_open", "csrf_token": token})
    with session_factory() as session, session.begin():
        erase_conversations(session, "aaaa")
    with session_factory() as session:
        assert [e.text for e in session.scalars(select(TaughtExample))] == ["what time does riverside shut on friday"]


def test_a_group_answered_by_a_shipped_answer_teaches_that_question(comms, session_factory, make_client):
    client, token = comms
    family = make_client(now=NOW, data_encryption_key=TEST_DATA_KEY)
    report(family, "what time does riverside shut tonight")
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    client.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "answered", "answer_key": "hours_open", "csrf_token": token})
    with session_factory() as session:
        assert [(e.intent, e.text) for e in session.scalars(select(TaughtExample))] == [
            ("opening_hours", "what time does riverside shut tonight")]


# --- the training files and the developers' diff ---

def test_the_additions_go_where_the_developers_would_put_them_and_the_diff_applies(comms, session_factory,
                                                                                    tmp_path):
    client, token = comms
    add_question(client, token)
    with session_factory() as session, session.begin():
        session.add(TaughtExample(intent="sleep", text="my little one wakes at 4 every day", source="comms",
                                  added_at=NOW))
    with session_factory() as session:
        taught = export.additions(session)
    originals = export.read_originals(REPO_ROOT)
    files = export.files_with_additions(originals, taught)

    # Every fifth way of asking is kept out of training, for the quality gate.
    assert taught.heldout == {"taught_toy_library": ["where can i borrow toys", "toy lending at the hub"]}
    taught_nlu = yaml.safe_load(files["data/nlu/taught.yml"])["nlu"]
    assert [b["intent"] for b in taught_nlu] == ["taught_toy_library"]
    assert "- toy lending at the hub" not in files["data/nlu/taught.yml"]
    assert len(taught_nlu[0]["examples"].splitlines()) == 9
    parenting = yaml.safe_load(files["data/nlu/parenting.yml"])["nlu"]
    sleep = next(b for b in parenting if b.get("intent") == "sleep")["examples"].splitlines()
    assert "- my little one wakes at 4 every day" in sleep and "- baby wont sleep" in sleep
    assert files["data/nlu/parenting.yml"].startswith(originals["data/nlu/parenting.yml"].split("- intent: sleep")[0])
    assert "taught_toy_library" in yaml.safe_load(files["domain.yml"])["intents"]
    rule = next(r for r in yaml.safe_load(files["data/rules.yml"])["rules"] if r["rule"] == "answer taught_toy_library")
    assert rule["steps"] == [{"intent": "taught_toy_library"}, {"action": "action_answer"}]
    heldout = yaml.safe_load(files["tests/nlu/heldout.yml"])["nlu"]
    assert {"intent": "taught_toy_library",
            "examples": "- where can i borrow toys\n- toy lending at the hub\n"} in heldout

    download = client.get("/staff/content/training-data.diff")
    assert download.status_code == 200
    assert 'filename="training-data-2026-11-25.diff"' in download.headers["content-disposition"]
    copy = tmp_path / "repo"
    for path, text in originals.items():
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text(text, encoding="utf-8")
    (copy / "change.diff").write_text(download.text, encoding="utf-8")
    applied = subprocess.run(["git", "apply", "change.diff"], cwd=copy, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    for path, text in files.items():
        assert (copy / path).read_text(encoding="utf-8") == text, path
    assert audits(session_factory, "topic.training_data_downloaded")


def test_with_nothing_taught_the_training_files_are_the_repository_s():
    originals = export.read_originals(REPO_ROOT)
    assert export.files_with_additions(originals, export.Additions()) == originals


# --- the quality gate ---

def evaluation(nlu_right=10, nlu_wrong=0, crises=(True, True), ordinary=(False, False)):
    nlu = [[f"q{i}", "sleep", "sleep"] for i in range(nlu_right)]
    nlu += [[f"w{i}", "sleep", "behaviour"] for i in range(nlu_wrong)]
    nlu += [["hi", "greet", "greet"]]
    crisis = [[f"crisis {i}", "self_harm", found] for i, found in enumerate(crises)]
    crisis += [[f"ordinary {i}", "none", found] for i, found in enumerate(ordinary)]
    return {"nlu": nlu, "crisis": crisis}


def test_macro_f1_is_the_mean_of_each_question_s_f1():
    rows = [["a", "x", "x"], ["b", "x", "y"], ["c", "y", "y"]]
    # x: precision 1, recall 0.5 -> 0.667; y: precision 0.5, recall 1 -> 0.667
    assert macro_f1(rows) == pytest.approx(2 / 3)


def test_the_gate_passes_a_model_as_good_as_the_live_one_and_counts_what_it_learned():
    new = evaluation()
    new["nlu"] += [["toys to borrow", "taught_toy_library", "taught_toy_library"],
                   ["lend toys", "taught_toy_library", "whats_on"]]
    live = evaluation()
    live["nlu"] += [["toys to borrow", "taught_toy_library", "whats_on"], ["lend toys", "taught_toy_library", "whats_on"]]
    result = judge(new, live)
    assert result.passed and [c.passed for c in result.checks] == [True, True, True]
    assert "None is missed." in result.checks[1].words
    assert result.taught == {"taught_toy_library": [1, 2]}


def test_the_gate_fails_a_model_that_understands_less_and_says_what_it_got_wrong():
    result = judge(evaluation(nlu_right=8, nlu_wrong=2), evaluation())
    assert not result.passed and result.new_f1 < result.live_f1 - 0.01
    assert "worse by more than 0.01, so it cannot go live" in result.checks[0].words
    assert '"w0": should be sleep, it thought behaviour' in result.checks[0].examples


def test_the_gate_fails_a_model_that_misses_a_crisis_the_live_one_finds():
    result = judge(evaluation(crises=(True, False)), evaluation(crises=(True, True)))
    assert not result.passed and not result.checks[1].passed
    assert "finds 1 of the 2 crisis messages" in result.checks[1].words and result.checks[1].examples == ['"crisis 1"']


def test_the_gate_fails_only_new_false_alarms():
    assert judge(evaluation(ordinary=(True, False)), evaluation(ordinary=(True, False))).passed
    result = judge(evaluation(ordinary=(True, True)), evaluation(ordinary=(True, False)))
    assert not result.passed and result.checks[2].examples == ['"ordinary 1"']


# --- training runs: queued for the worker, progress, going live ---

def test_teach_queues_one_run_for_the_worker_and_refuses_a_second(comms, session_factory):
    client, token = comms
    queue = Queue(TRAINING_QUEUE, connection=Redis(host="127.0.0.1", port=6379, db=REDIS_TEST_DB))
    queue.empty()
    response = client.post("/staff/content/teach", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "The assistant has started learning." in page and "Waiting to start" in page and "0% done" in page
    with session_factory() as session:
        run = session.scalar(select(TrainingRun))
    assert run.status == "queued"
    assert [job.args for job in queue.get_jobs()] == [(run.id,)]
    again = client.post("/staff/content/teach", data={"csrf_token": token})
    assert again.status_code == 409 and "already learning" in again.text
    assert len(queue.get_jobs()) == 1
    assert audits(session_factory, "model.training_started", str(run.id))
    queue.empty()


def test_progress_shows_stage_percent_and_time_left(comms, session_factory):
    client, _ = comms
    with session_factory() as session, session.begin():
        session.add(TrainingRun(status="running", stage="Learning", percent=42.5, seconds_left=150,
                                started_at=NOW, examples=3))
    page = client.get("/staff/content/teach").text
    assert "Learning</strong>: 42% done." in page and "About 3 minutes left." in page
    assert 'http-equiv="refresh"' in page and 'id="teach"' not in page


def test_a_run_whose_worker_died_is_given_up_and_teaching_can_start_again(comms, session_factory):
    client, token = comms
    queue = Queue(TRAINING_QUEUE, connection=Redis(host="127.0.0.1", port=6379, db=REDIS_TEST_DB))
    queue.empty()
    with session_factory() as session, session.begin():
        session.add(TrainingRun(status="running", stage="Learning", percent=42.5, seconds_left=150,
                                started_at=NOW - timedelta(hours=3), examples=3))
    page = html.unescape(client.get("/staff/content/teach").text)
    assert "42% done" not in page and 'id="teach"' in page
    assert "The learning stopped without finishing" in page and "You can choose Teach the assistant again." in page
    response = client.post("/staff/content/teach", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and len(queue.get_jobs()) == 1
    queue.empty()


def test_a_run_given_up_on_is_not_started_late_by_a_worker(session_factory, database_url, tmp_path):
    with session_factory() as session, session.begin():
        run = TrainingRun(status="failed", stage="Stopped", started_at=NOW, examples=0, problem=GAVE_UP)
        session.add(run)
    trained = []
    settings = make_settings(database_url, model_store=tmp_path / "store")
    after = train_and_check(run.id, settings, session_factory, trainer=lambda *args: trained.append(args))
    assert (after.status, after.problem, trained) == ("failed", GAVE_UP, [])


def test_the_page_says_when_no_training_worker_is_listening(comms):
    client, _ = comms
    warning = "The part that does the learning is not running"
    assert warning in client.get("/staff/content/teach").text
    worker = Worker([TRAINING_QUEUE], connection=Redis(host="127.0.0.1", port=6379, db=REDIS_TEST_DB),
                    name="test-training-worker")
    worker.register_birth()
    try:
        assert warning not in client.get("/staff/content/teach").text
    finally:
        worker.register_death()


def fake_rasa(tmp_path: Path) -> Path:
    """A stand-in for the Rasa venv's `rasa` command: prints a progress bar
    as `rasa train` does, and writes the model file where it was told."""
    script = tmp_path / "rasa"
    script.write_text("#!/bin/sh\n"
                      'out=""; while [ $# -gt 0 ]; do [ "$1" = "--out" ] && out="$2"; shift; done\n'
                      "printf 'Epochs:  10%%|#  | 10/100\\r'\nsleep 0.3\n"
                      "printf 'Epochs:  50%%|#  | 50/100\\r'\nsleep 0.3\n"
                      'printf "a new model" > "$out/candidate.tar.gz"\n')
    script.chmod(0o755)
    return script


def test_training_progress_is_read_from_rasa_s_progress_bar(tmp_path, database_url):
    settings = make_settings(database_url, rasa_command=fake_rasa(tmp_path))
    seen = []
    model = train_model(settings, tmp_path, tmp_path, lambda stage, percent, left: seen.append((stage[0], percent)))
    assert model.read_bytes() == b"a new model"
    assert seen == [("Learning", 12.5), ("Learning", 42.5)]


def run_with(session_factory, settings, new_eval, live_eval):
    with session_factory() as session, session.begin():
        run = TrainingRun(status="queued", stage="Waiting to start", started_at=NOW, examples=0)
        session.add(run)
    evaluations = {"new.json": new_eval, "live.json": live_eval}
    return train_and_check(run.id, settings, session_factory,
                           evaluator=lambda s, model, nlu, crisis, out: evaluations[out.name],
                           clock=lambda: NOW + timedelta(minutes=3))


def test_a_model_that_passes_the_gate_goes_live_and_rasa_pulls_it(comms, session_factory, database_url, tmp_path,
                                                                  baseline_model):
    client, token = comms
    settings = make_settings(database_url, rasa_command=fake_rasa(tmp_path), model_store=tmp_path / "store",
                             model_path=baseline_model)
    first = client.get("/internal/model", headers=AUTH)
    assert first.status_code == 200 and first.content == b"the model trained from the repository"
    etag = first.headers["etag"]
    assert client.get("/internal/model", headers={**AUTH, "If-None-Match": etag}).status_code == 304
    assert client.get("/internal/model").status_code == 401

    add_question(client, token)
    learned = evaluation()
    learned["nlu"] += [["where can i borrow toys", "taught_toy_library", "taught_toy_library"]]
    run = run_with(session_factory, settings, learned, evaluation())
    assert run.status == "live" and run.is_live and run.gate["passed"] and run.percent == 100
    pulled = client.get("/internal/model", headers={**AUTH, "If-None-Match": etag})
    assert pulled.status_code == 200 and pulled.content == b"a new model" and pulled.headers["etag"] != etag
    page = client.get("/staff/content/teach").text
    assert "Passed the checks and went live" in page and "Live now" in page and "None is missed." in page
    assert ('New question "Toy library": the new model understood 1 of 1 ways of asking it that it never saw.'
            in html.unescape(page))

    response = client.post("/staff/content/teach/go-back", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/internal/model", headers=AUTH).content == b"the model trained from the repository"
    assert audits(session_factory, "model.rolled_back", str(run.id))
    nothing_before = client.post("/staff/content/teach/go-back", data={"csrf_token": token})
    assert nothing_before.status_code == 409 and "There is none before it." in nothing_before.text


def test_going_back_twice_goes_back_through_the_models_in_the_order_they_went_live(comms, session_factory,
                                                                                  database_url, tmp_path,
                                                                                  baseline_model):
    client, token = comms
    settings = make_settings(database_url, rasa_command=fake_rasa(tmp_path), model_store=tmp_path / "store",
                             model_path=baseline_model)
    first = run_with(session_factory, settings, evaluation(), evaluation())
    first_model = client.get("/internal/model", headers=AUTH).content
    (tmp_path / "rasa").write_text((tmp_path / "rasa").read_text().replace("a new model", "a newer model"))
    second = run_with(session_factory, settings, evaluation(), evaluation())
    assert client.get("/internal/model", headers=AUTH).content == b"a newer model"
    client.post("/staff/content/teach/go-back", data={"csrf_token": token})
    assert client.get("/internal/model", headers=AUTH).content == first_model == b"a new model"
    client.post("/staff/content/teach/go-back", data={"csrf_token": token})
    assert client.get("/internal/model", headers=AUTH).content == b"the model trained from the repository"
    assert second.id != first.id


def test_a_model_that_fails_the_gate_does_not_go_live_and_the_page_says_why(comms, session_factory, database_url,
                                                                           tmp_path, baseline_model):
    client, _ = comms
    settings = make_settings(database_url, rasa_command=fake_rasa(tmp_path), model_store=tmp_path / "store",
                             model_path=baseline_model)
    run = run_with(session_factory, settings, evaluation(crises=(True, False)), evaluation())
    assert run.status == "not_live" and not run.is_live
    assert "It misses 1, so it cannot go live." in run.problem
    assert client.get("/internal/model", headers=AUTH).content == b"the model trained from the repository"
    page = client.get("/staff/content/teach").text
    assert "Did not pass the checks, so it did not go live" in page and '"crisis 1"' in html.unescape(page)
    assert not list((tmp_path / "store").glob("*.tar.gz"))  # a failed model is not kept


def test_a_training_that_breaks_is_shown_as_stopped(comms, session_factory, database_url, tmp_path, baseline_model):
    client, _ = comms
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "rasa").write_text("#!/bin/sh\necho 'Traceback: something broke' >&2\nexit 1\n")
    (broken / "rasa").chmod(0o755)
    settings = make_settings(database_url, rasa_command=broken / "rasa", model_store=tmp_path / "store",
                             model_path=baseline_model)
    run = run_with(session_factory, settings, evaluation(), evaluation())
    assert run.status == "failed" and "Learning stopped with an error." in run.problem
    assert "Traceback" not in client.get("/staff/content/teach").text
