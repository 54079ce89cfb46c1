"""The "what we could not answer" staff page: groups of messages the
assistant could not answer (masked), the weekly figures, and, for comms and
admin, marking a group as answered by an existing answer or as a new topic
for the developers. Every staff role can read; views, marks and downloads
are in the audit log.
"""

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.clock import get_now
from api.content.models import Answer
from api.db import get_db
from api.deps import get_app_settings
from api.referrals.staff_routes import when
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import render
from api.teaching import service as teaching
from api.unanswered import service
from api.unanswered.models import UnansweredGroup
from api.unanswered.training import intent_for_answer, training_examples, training_yaml
from api.unanswered.weekly import recent_weeks

READERS = ("front_door", "worker", "comms", "admin")
EDITORS = ("comms", "admin")
EXAMPLES_SHOWN = 5
REASON_NAMES = {"fallback": "not understood", "out_of_scope": "not something it answers",
                "low_confidence": "answered, but unsure"}
NOTICES = {"answered": "The group is marked as answered. Its messages are now ways of asking that question: "
                       "the assistant learns them the next time someone chooses Teach the assistant.",
           "new_topic": "The group is marked as a new topic for the developers.",
           "open": "The group is back on the list."}

router = APIRouter(prefix="/staff/unanswered")
reader = require_staff(*READERS)
editor = require_staff(*EDITORS)


def _choosable_answers(db: Session, settings: Settings) -> list[Answer]:
    """Answers a group can be marked as answered by: ones that answer an
    intent, shipped or taught in the editor."""
    rows = db.scalars(select(Answer).order_by(Answer.title))
    taught = {t.intent for t in teaching.topics(db)}
    return [a for a in rows if a.key in taught or intent_for_answer(settings.data_path, a.key)]


def _page(request: Request, db: Session, staff: StaffUser, settings: Settings, now: datetime, *,
          notice: str = "", error: str = "", error_group: int | None = None, status_code: int = 200) -> HTMLResponse:
    open_groups = service.groups(db, "open")
    done_groups = service.groups(db, "answered") + service.groups(db, "new_topic")
    answers = _choosable_answers(db, settings)
    titles = {a.key: a.title for a in answers}
    record_audit(db, staff, "unanswered.viewed", "unanswered", None, shown=len(open_groups) + len(done_groups))
    db.commit()
    return render(request, "unanswered.html", {
        "weeks": recent_weeks(db, now), "open_groups": open_groups, "done_groups": done_groups,
        "answers": answers, "titles": titles, "can_edit": staff.role in EDITORS, "when": when,
        "examples_shown": EXAMPLES_SHOWN, "reason_names": REASON_NAMES, "notice": notice, "error": error,
        "error_group": error_group,
    }, staff=staff, status_code=status_code)


@router.get("")
def unanswered_page(request: Request, done: str = "", db: Session = Depends(get_db),
                    settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(reader),
                    now: datetime = Depends(get_now)) -> HTMLResponse:
    return _page(request, db, staff, settings, now, notice=NOTICES.get(done, ""))


@router.get("/training-examples.yml")
def training_download(db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
                      staff: StaffUser = Depends(reader), now: datetime = Depends(get_now)) -> Response:
    """Messages of groups marked answered, as Rasa NLU training examples."""
    examples = training_examples(db, settings.data_path)
    record_audit(db, staff, "unanswered.training_exported", "unanswered", None,
                 examples=sum(len(v) for v in examples.values()))
    db.commit()
    return Response(training_yaml(examples, now), media_type="application/x-yaml", headers={
        "Content-Disposition": f'attachment; filename="training-examples-{now:%Y-%m-%d}.yml"'})


@router.post("/groups/{group_id}", dependencies=[Depends(check_csrf)])
def mark(request: Request, group_id: int, status: str = Form(""), answer_key: str = Form(""),
         note: str = Form(""), db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
         staff: StaffUser = Depends(editor), now: datetime = Depends(get_now)) -> Response:
    group = db.get(UnansweredGroup, group_id)
    if group is None:
        return _page(request, db, staff, settings, now, error="That group of messages is no longer here.",
                     status_code=404)
    intent = teaching.intent_of_answer(db, settings.data_path, answer_key) if answer_key else None
    if status == "answered" and not intent:
        answer_key = ""  # not an answer that can be chosen
    try:
        service.mark_group(db, group, staff, status, now, answer_key or None, note)
    except service.MarkRefused as refused:
        db.rollback()
        return _page(request, db, staff, settings, now, error=str(refused), error_group=group_id,
                     status_code=422)
    # Marked answered: its messages become ways of asking that question
    # (taught at the next training run); marked otherwise, they are not.
    taught = teaching.teach_from_group(db, group, intent, staff, now) if status == "answered" else 0
    if status != "answered":
        teaching.forget_group(db, group)
    record_audit(db, staff, f"unanswered.marked_{status}", "unanswered_group", group.id,
                 answer_key=group.answer_key or "", examples_taught=taught)
    db.commit()
    return RedirectResponse(f"/staff/unanswered?done={status}", status_code=303)
