"""Staff pages for teaching the assistant (comms and admin change; every
staff role reads):

- /staff/content/teach: the questions comms taught, "Teach the
  assistant" with its progress and the quality gate's figures, the live
  model and "Go back to the previous model", and "Download training data"
  (the additions as a diff for the developers);
- /staff/content/topics/new: add a question (a name, 10 or more ways
  families ask it, its answer with the usual checks), with a "Check"
  button that shows how many more ways are wanted and near-duplicates of
  other questions' examples;
- /staff/content/topics/{intent}: one taught question, and more ways to ask it.

Every POST checks the CSRF token; every change is in the audit log.
"""

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from api.clock import get_now
from api.content.plain_language import shipped_rules
from api.db import get_db
from api.deps import get_app_settings
from api.editor.checks import answer_report
from api.editor.routes import summary
from api.referrals.staff_routes import when
from api.settings import REPO_ROOT, Settings
from api.sms.runtime import make_sync_redis
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render
from api.teaching import export, live_model, service, training
from api.teaching.domain import domain_intents

READERS = ("front_door", "worker", "comms", "admin")
EDITORS = ("comms", "admin")
NOTICES = {"added": "The new question is saved, and its answer is live in the editor. Choose Teach the assistant "
                    "so the assistant learns the ways families ask it.",
           "examples": "The new ways of asking are saved. The assistant learns them the next time it is taught.",
           "training": "The assistant has started learning. This page shows how it is going.",
           "back": "The previous model is live again. Every assistant server switches to it within a minute."}

router = APIRouter(prefix="/staff/content")
reader = require_staff(*READERS)
editor = require_staff(*EDITORS)


def _teach_page(request: Request, db: Session, staff: StaffUser, settings: Settings, now: datetime, *,
                notice: str = "", errors: list[str] | None = None, status_code: int = 200) -> HTMLResponse:
    taught = service.taught_examples(db)
    current = training.running(db, settings, now)
    db.commit()  # a run given up on is recorded as stopped
    found = live_model.live_model(db, settings)
    connection = make_sync_redis(settings)
    try:
        workers = training.training_workers(connection)
    except RedisError:
        workers = None  # not known: say nothing
    finally:
        connection.close()
    return render(request, "teach.html", {
        "topics": service.topics(db), "counts": {intent: len(rows) for intent, rows in taught.items()},
        "waiting": export.additions(db).count, "current": current, "runs": training.recent_runs(db),
        "live": found, "can_edit": staff.role in EDITORS, "notice": notice, "errors": errors or [],
        "when": when, "minimum": service.MIN_EXAMPLES, "names": {t.intent: t.name for t in service.topics(db)},
        "no_worker": workers == 0,
    }, staff=staff, status_code=status_code)


@router.get("/teach")
def teach_page(request: Request, done: str = "", db: Session = Depends(get_db),
               settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(reader),
               now: datetime = Depends(get_now)) -> HTMLResponse:
    return _teach_page(request, db, staff, settings, now, notice=NOTICES.get(done, ""))


@router.post("/teach", dependencies=[Depends(check_csrf)])
def teach(request: Request, db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
          staff: StaffUser = Depends(editor), now: datetime = Depends(get_now)) -> Response:
    """Start a training run; a worker does it (never this web process)."""
    try:
        run = training.start_training(db, staff, settings, now)
    except training.TrainingRefused as refused:
        db.rollback()
        return _teach_page(request, db, staff, settings, now, errors=[str(refused)], status_code=409)
    db.commit()
    connection = make_sync_redis(settings)
    try:
        training.queue_training(connection, run.id, settings)
    finally:
        connection.close()
    return RedirectResponse("/staff/content/teach?done=training", status_code=303)


@router.post("/teach/go-back", dependencies=[Depends(check_csrf)])
def go_back(request: Request, db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
            staff: StaffUser = Depends(editor), now: datetime = Depends(get_now)) -> Response:
    try:
        live_model.go_back(db, settings, staff, now)
    except live_model.NoPreviousModel as refused:
        db.rollback()
        return _teach_page(request, db, staff, settings, now, errors=[str(refused)], status_code=409)
    db.commit()
    return RedirectResponse("/staff/content/teach?done=back", status_code=303)


@router.get("/training-data.diff")
def training_data(db: Session = Depends(get_db), staff: StaffUser = Depends(reader),
                  now: datetime = Depends(get_now)) -> Response:
    """What comms taught, as a diff of the repository's training files
    (`git apply` reads it): for the developers, who own data/nlu/."""
    taught = export.additions(db)
    originals = export.read_originals(REPO_ROOT)
    diff = export.training_diff(originals, export.files_with_additions(originals, taught))
    record_audit(db, staff, "topic.training_data_downloaded", "topic", None, examples=taught.count)
    db.commit()
    return Response(diff, media_type="text/x-diff", headers={
        "Content-Disposition": f'attachment; filename="training-data-{now:%Y-%m-%d}.diff"'})


# --- adding a question ---

def _topic_form(request: Request, db: Session, settings: Settings, staff: StaffUser, *, name: str = "",
                examples: str = "", sms: str = "", web: str = "", errors: list[dict] | None = None,
                status_code: int = 200, checked: bool = False) -> HTMLResponse:
    intent = service.intent_name(name) if name else ""
    typed = service.read_examples(examples)
    duplicates = service.near_duplicates(typed, service.known_examples(db, settings.data_path), intent)
    report = answer_report(intent or "new_question", sms, web, {}) if (sms or web) else None
    return render(request, "topic_new.html", {
        "name": name, "examples": examples, "sms": sms, "web": web, "count": len(typed),
        "more": service.more_wanted(len(typed)), "minimum": service.MIN_EXAMPLES, "duplicates": duplicates,
        "question_name": service.question_name, "report": report, "summary": summary(report) if report else "",
        "errors": errors or [], "checked": checked, "min_reading_ease": f"{shipped_rules().min_reading_ease:g}",
    }, staff=staff, status_code=status_code)


@router.get("/topics/new")
def new_topic(request: Request, db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
              staff: StaffUser = Depends(editor)) -> HTMLResponse:
    return _topic_form(request, db, settings, staff)


@router.post("/topics/check", dependencies=[Depends(check_csrf)])
def check_topic(request: Request, name: str = Form(""), examples: str = Form(""), sms: str = Form(""),
                web: str = Form(""), db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
                staff: StaffUser = Depends(editor)) -> HTMLResponse:
    """The form again with how many more ways are wanted, near-duplicates
    and the answer's checks. Saves nothing."""
    return _topic_form(request, db, settings, staff, name=name, examples=examples, sms=service.tidy(sms),
                       web=service.tidy(web), checked=True)


@router.post("/topics", dependencies=[Depends(check_csrf)])
def add_topic(request: Request, name: str = Form(""), examples: str = Form(""), sms: str = Form(""),
              web: str = Form(""), db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
              staff: StaffUser = Depends(editor), now: datetime = Depends(get_now)) -> Response:
    try:
        topic = service.add_topic(db, settings.data_path, staff, name, examples, sms, web, now,
                                  domain_intents(REPO_ROOT / "domain.yml"))
    except service.TopicRefused as refused:
        db.rollback()
        errors = [{"text": r, "href": ""} for r in refused.reasons]
        errors += [{"text": p.message, "href": f"#{p.where}"} for p in refused.problems]
        return _topic_form(request, db, settings, staff, name=name, examples=examples, sms=service.tidy(sms),
                           web=service.tidy(web), errors=errors, status_code=422, checked=True)
    db.commit()
    return RedirectResponse(f"/staff/content/topics/{topic.intent}?done=added", status_code=303)


@router.get("/topics/{intent}")
def topic_page(request: Request, intent: str, done: str = "", db: Session = Depends(get_db),
               staff: StaffUser = Depends(reader)) -> HTMLResponse:
    return _topic_page(request, db, staff, intent, notice=NOTICES.get(done, ""))


def _topic_page(request: Request, db: Session, staff: StaffUser, intent: str, *, notice: str = "",
                errors: list[str] | None = None, typed: str = "", status_code: int = 200) -> HTMLResponse:
    topic = service.topic_for_intent(db, intent)
    if topic is None:
        return render(request, "content_not_found.html", {}, status_code=404)
    return render(request, "topic.html", {
        "topic": topic, "examples": service.taught_examples(db).get(intent, []), "can_edit": staff.role in EDITORS,
        "notice": notice, "errors": errors or [], "typed": typed, "when": when,
    }, staff=staff, status_code=status_code)


@router.post("/topics/{intent}/examples", dependencies=[Depends(check_csrf)])
def more_examples(request: Request, intent: str, examples: str = Form(""), db: Session = Depends(get_db),
                  settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(editor),
                  now: datetime = Depends(get_now)) -> Response:
    if service.topic_for_intent(db, intent) is None:
        return render(request, "content_not_found.html", {}, status_code=404)
    try:
        service.add_examples(db, settings.data_path, staff, intent, examples, now)
    except service.TopicRefused as refused:
        db.rollback()
        return _topic_page(request, db, staff, intent, errors=refused.reasons, typed=examples, status_code=422)
    db.commit()
    return RedirectResponse(f"/staff/content/topics/{intent}?done=examples", status_code=303)
