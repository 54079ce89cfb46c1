"""Staff pages for the answers' words in other languages: what each language
has and which words are still drafts (crisis answers first, as they are the
first a speaker should check), and a page to change an answer's words in
one language and say who checked them.

Saving checks the CSRF token, is refused on a hard problem (a crisis number
left out, too many texts), and is in the audit log.
"""

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.content.models import DRAFT, Answer
from api.content.plain_language import cost_note
from api.content.translations import drafts_first, save_translation, translation, translation_problems
from api.db import get_db
from api.deps import get_app_settings
from api.editor import service
from api.editor.routes import EDITORS, editor, reader
from api.languages.service import switched_on
from api.referrals.staff_routes import when
from api.settings import Settings
from api.staff.audit import record_audit
from api.staff.auth import check_csrf
from api.staff.models import StaffUser
from api.staff.pages import render

router = APIRouter(prefix="/staff/content")


def _other_languages(settings: Settings) -> dict:
    return {code: language for code, language in switched_on(settings).items() if code != "en"}


@router.get("/languages")
def languages_page(request: Request, db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings),
                   staff: StaffUser = Depends(reader)) -> HTMLResponse:
    languages = [{"language": language, "rows": drafts_first(db, code)}
                 for code, language in _other_languages(settings).items()]
    return render(request, "content_languages.html", {"languages": languages, "draft": DRAFT, "when": when},
                  staff=staff)


def _page(request: Request, staff: StaffUser, answer: Answer, language, sms: str, web: str, checked_by: str,
          *, notice: str = "", refused: bool = False, status_code: int = 200, row=None) -> HTMLResponse:
    problems = translation_problems(answer, sms, web)
    return render(request, "content_language_editor.html", {
        "answer": answer, "language": language, "sms": sms, "web": web, "checked_by": checked_by,
        "row": row, "draft": DRAFT, "notice": notice, "refused": refused, "when": when,
        "hard": [p for p in problems if p.level == "hard"], "soft": [p for p in problems if p.level == "soft"],
        "errors": [{"text": p.message, "href": f"#{p.where}"} for p in problems if p.level == "hard" and refused],
        "cost": cost_note(sms), "can_edit": staff.role in EDITORS,
    }, staff=staff, status_code=status_code)


def _found(db: Session, settings: Settings, key: str, code: str):
    answer = service.load_answer(db, key)
    language = _other_languages(settings).get(code)
    return (answer, language) if answer is not None and language is not None else (None, None)


@router.get("/answers/{key}/languages/{code}")
def language_page(request: Request, key: str, code: str, done: str = "", db: Session = Depends(get_db),
                  settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(reader)) -> Response:
    answer, language = _found(db, settings, key, code)
    if answer is None:
        return render(request, "content_not_found.html", {}, status_code=404)
    row = translation(db, answer, code)
    return _page(request, staff, answer, language, row.sms_text if row else "", row.web_text if row else "",
                 row.checked_by if row else "", row=row,
                 notice="Your changes are live for families writing in this language." if done else "")


@router.post("/answers/{key}/languages/{code}", dependencies=[Depends(check_csrf)])
def save_language(request: Request, key: str, code: str, sms: str = Form(""), web: str = Form(""),
                  checked_by: str = Form(""), db: Session = Depends(get_db),
                  settings: Settings = Depends(get_app_settings), staff: StaffUser = Depends(editor)) -> Response:
    answer, language = _found(db, settings, key, code)
    if answer is None:
        return render(request, "content_not_found.html", {}, status_code=404)
    sms, web, checked_by = service.tidy(sms), service.tidy(web), " ".join(checked_by.split())[:200]
    if save_translation(db, answer, code, sms, web, checked_by, staff.name):
        db.rollback()
        return _page(request, staff, answer, language, sms, web, checked_by, refused=True, status_code=422,
                     row=translation(db, answer, code))
    record_audit(db, staff, "answer_translation.published", "answer", answer.key, language=code,
                 checked=bool(checked_by))
    db.commit()
    return RedirectResponse(f"/staff/content/answers/{key}/languages/{code}?done=1", status_code=303)
