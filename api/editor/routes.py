"""Staff pages for the answers: read (every staff role), edit, check,
preview, publish and roll back (comms and admin only), and download.

Every POST checks the CSRF token. Publishing and rolling back are in the
audit log. Hard checks block publishing here on the server, whatever the
page's script said: among them, a crisis answer without every number
data/safety/crisis_numbers.yml says it must give.
"""

import json
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.clock import get_now
from api.content.models import Answer
from api.content.plain_language import shipped_rules
from api.db import get_db
from api.deps import get_app_settings
from api.editor import service
from api.editor.checks import AnswerReport, answer_report
from api.editor.export import export_zip
from api.languages.service import load_languages
from api.referrals.staff_routes import when
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import check_csrf, require_staff
from api.staff.models import StaffUser
from api.staff.pages import environment, render

HERE = Path(__file__).parent
READERS = ("front_door", "worker", "comms", "admin")
EDITORS = ("comms", "admin")
NOTICES = {"published": "Your changes are live. The next family who asks gets the new words.",
           "rolled_back": "The old version is live again, as a new version."}

router = APIRouter(prefix="/staff/content")
reader = require_staff(*READERS)
editor = require_staff(*EDITORS)


def summary(report: AnswerReport) -> str:
    """One line for the status above the checks (read out by screen readers)."""
    hard, soft = len(report.hard), len(report.soft)
    if hard:
        line = f"{hard} problem{'' if hard == 1 else 's'} must be fixed before publishing"
    else:
        line = "This answer can be published"
    if soft:
        line += f", and {soft} thing{'' if soft == 1 else 's'} worth checking"
    return line + "."


def _editor_page(request: Request, staff: StaffUser, answer: Answer, *, sms: str | None = None,
                 web: str | None = None, note: str = "", version: int | None = None, notice: str = "",
                 errors: list[dict] | None = None, error_title: str = "There is a problem",
                 field_errors: dict | None = None, stale: dict | None = None, status_code: int = 200,
                 button_titles: list[str] | None = None) -> HTMLResponse:
    sms = answer.sms_text if sms is None else sms
    web = answer.web_text if web is None else web
    buttons = [dict(b) for b in answer.buttons or []]
    for button, title in zip(buttons, button_titles or []):
        button["title"] = title
    report = answer_report(answer.key, sms, web, answer.placeholders)
    return render(request, "content_editor.html", {
        "answer": answer, "sms": sms, "web": web, "note": note,
        "version": answer.version if version is None else version, "report": report, "summary": summary(report),
        "can_edit": staff.role in EDITORS, "placeholders": answer.placeholders or {}, "notice": notice,
        "buttons": buttons,
        "errors": errors or [], "error_title": error_title, "field_errors": field_errors or {}, "stale": stale,
        "when": when, "min_reading_ease": f"{shipped_rules().min_reading_ease:g}",
        "required_numbers": shipped_rules().crisis_numbers.required(answer.key),
        "language_names": {code: language.name for code, language in load_languages().items()},
    }, staff=staff, status_code=status_code)


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "content_not_found.html", {}, status_code=404)


@router.get("")
def answer_list(request: Request, db: Session = Depends(get_db),
                staff: StaffUser = Depends(reader)) -> HTMLResponse:
    topics = service.answers_by_topic(db)
    reports = {a.key: answer_report(a.key, a.sms_text, a.web_text, a.placeholders) for _, rows in topics for a in rows}
    return render(request, "content_list.html", {"topics": topics, "reports": reports, "when": when,
                                                 "can_edit": staff.role in EDITORS}, staff=staff)


@router.get("/editor.js")
def editor_script() -> FileResponse:
    return FileResponse(HERE / "static" / "editor.js", media_type="text/javascript")


@router.get("/editor.css")
def editor_styles() -> FileResponse:
    return FileResponse(HERE / "static" / "editor.css", media_type="text/css")


@router.get("/export")
def export(db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
           staff: StaffUser = Depends(reader), now: datetime = Depends(get_now)) -> Response:
    """Every answer as live now, one data/content/ YAML file per topic, zipped."""
    data = export_zip(db, settings.data_path / "content", now)
    record_audit(db, staff, "answers.exported", "answer", None)
    db.commit()
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="answers-{now:%Y-%m-%d}.zip"'})


@router.post("/check", dependencies=[Depends(check_csrf)])
async def check(request: Request, db: Session = Depends(get_db),
                staff: StaffUser = Depends(editor)) -> JSONResponse:
    """The checks for words as typed: JSON for the editor's script. Saves nothing."""
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("key", "sms", "web")):
        return JSONResponse({"detail": "send {key, sms, web} as strings"}, status_code=422)
    if max(len(body["sms"]), len(body["web"])) > service.MAX_TEXT_CHARS:
        return JSONResponse({"detail": f"each text can be at most {service.MAX_TEXT_CHARS} characters"},
                            status_code=422)
    answer = service.load_answer(db, body["key"])
    if answer is None:
        return JSONResponse({"detail": "no answer with that key"}, status_code=404)
    report = await run_in_threadpool(answer_report, answer.key, body["sms"], body["web"], answer.placeholders)
    html = environment.get_template("content_checks.html").render(
        report=report, min_reading_ease=f"{shipped_rules().min_reading_ease:g}")
    return JSONResponse({**report.as_dict(), "summary": summary(report), "checks_html": html})


@router.get("/answers/{key}")
def answer_page(request: Request, key: str, done: str = "", db: Session = Depends(get_db),
                staff: StaffUser = Depends(reader)) -> HTMLResponse:
    answer = service.load_answer(db, key)
    if answer is None:
        return _not_found(request)
    return _editor_page(request, staff, answer, notice=NOTICES.get(done, ""))


def _titles(answer: Answer, button_title: list[str]) -> list[str] | None:
    """The quick replies' titles as typed; None (keep them) when the answer
    has none or the form sent none."""
    return [service.tidy(t) for t in button_title] if answer.buttons and button_title else None


@router.post("/answers/{key}/preview", dependencies=[Depends(check_csrf)])
def preview(request: Request, key: str, sms: str = Form(""), web: str = Form(""), note: str = Form(""),
            version: int = Form(0), button_title: list[str] = Form([]), db: Session = Depends(get_db),
            staff: StaffUser = Depends(editor)) -> HTMLResponse:
    """The page again with the checks and previews for the words typed; saves nothing."""
    answer = service.load_answer(db, key)
    if answer is None:
        return _not_found(request)
    return _editor_page(request, staff, answer, sms=service.tidy(sms), web=service.tidy(web), note=note,
                        version=version, button_titles=_titles(answer, button_title))


def _problem_errors(problems) -> tuple[list[dict], dict]:
    errors = [{"text": p.message, "href": f"#{p.where}"} for p in problems]
    fields: dict[str, str] = {}
    for problem in problems:
        fields.setdefault(problem.where, problem.message)
    return errors, fields


@router.post("/answers/{key}/publish", dependencies=[Depends(check_csrf)])
def publish(request: Request, key: str, sms: str = Form(""), web: str = Form(""), note: str = Form(""),
            version: int = Form(0), button_title: list[str] = Form([]), db: Session = Depends(get_db),
            staff: StaffUser = Depends(editor), now: datetime = Depends(get_now)) -> Response:
    answer = service.load_answer(db, key)
    if answer is None:
        return _not_found(request)
    titles = _titles(answer, button_title)
    try:
        service.publish(db, answer, staff, sms, web, version, note, now, button_titles=titles)
    except service.StaleEdit as stale:
        return _stale_page(request, db, staff, stale.current, sms, web, note)
    except service.PublishRefused as refused:
        db.rollback()
        errors, fields = _problem_errors(refused.problems)
        return _editor_page(request, staff, answer, sms=service.tidy(sms), web=service.tidy(web), note=note,
                            version=version, errors=errors or [{"text": refused.reason, "href": ""}],
                            error_title="This answer cannot be published yet", field_errors=fields,
                            status_code=422, button_titles=titles)
    db.commit()
    return RedirectResponse(f"/staff/content/answers/{key}?done=published", status_code=303)


def _stale_page(request: Request, db: Session, staff: StaffUser, current: Answer, sms: str, web: str,
                note: str) -> HTMLResponse:
    """Someone else published first: show what changed, keep their words, save nothing."""
    db.rollback()
    record_audit(db, staff, "answer.publish_stale", "answer", current.key, live_version=current.version)
    db.commit()
    sms, web = service.tidy(sms), service.tidy(web)
    stale = {"version": current.version, "by": current.updated_by,
             "diffs": {"sms": service.word_diff(current.sms_text, sms),
                       "web": service.word_diff(current.web_text, web)}}
    errors = [{"text": f"{current.updated_by} published version {current.version} of this answer while you were "
                       "editing. Your words have not been saved.", "href": "#stale"}]
    return _editor_page(request, staff, current, sms=sms, web=web, note=note, version=current.version,
                        errors=errors, error_title="This answer changed while you were editing", stale=stale,
                        status_code=409)


@router.get("/answers/{key}/history")
def history_page(request: Request, key: str, db: Session = Depends(get_db),
                 staff: StaffUser = Depends(reader)) -> HTMLResponse:
    answer = service.load_answer(db, key)
    if answer is None:
        return _not_found(request)
    return _history(request, db, staff, answer)


def _history(request: Request, db: Session, staff: StaffUser, answer: Answer, error: list[str] | None = None,
             status_code: int = 200) -> HTMLResponse:
    versions = service.history(db, answer)
    items = []
    for newer, older in zip(versions, versions[1:] + [None]):
        before = older or newer  # the first version is shown as it was, not as all new
        items.append({"version": newer, "diffs": {
            "sms": service.word_diff(before.sms_text, newer.sms_text),
            "web": service.word_diff(before.web_text, newer.web_text)}})
    return render(request, "content_history.html", {"answer": answer, "versions": items, "when": when,
                                                    "can_edit": staff.role in EDITORS, "error": error},
                  staff=staff, status_code=status_code)


@router.post("/answers/{key}/rollback", dependencies=[Depends(check_csrf)])
def roll_back(request: Request, key: str, to_version: int = Form(0), version: int = Form(0),
              db: Session = Depends(get_db), staff: StaffUser = Depends(editor),
              now: datetime = Depends(get_now)) -> Response:
    answer = service.load_answer(db, key)
    if answer is None:
        return _not_found(request)
    try:
        service.roll_back(db, answer, staff, to_version, version, now)
    except service.StaleEdit as stale:
        db.rollback()
        return _history(request, db, staff, stale.current, status_code=409, error=[
            f"{stale.current.updated_by} published version {stale.current.version} after you opened this page. "
            "Check the versions again, then roll back if you still want to."])
    except service.PublishRefused as refused:
        db.rollback()
        return _history(request, db, staff, answer, status_code=422,
                        error=[p.message for p in refused.problems] or [refused.reason])
    db.commit()
    return RedirectResponse(f"/staff/content/answers/{key}?done=rolled_back", status_code=303)
