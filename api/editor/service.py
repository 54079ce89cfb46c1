"""Publishing answers: every version kept, nothing silently overwritten.

The api reads an answer from the database each time a family asks
(`api.content.service.get_answer`), so a published answer is live at once:
no retraining, no restart.

Two people editing one answer: the form carries the version it was loaded
at, and publishing only changes the row if it is still at that version
(one conditional UPDATE, the same on SQLite and PostgreSQL). Otherwise
`StaleEdit` says so and nothing is saved.
"""

import difflib
import re
from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.content.models import Answer, AnswerVersion
from api.content.plain_language import Problem, Rules
from api.editor.checks import answer_report
from api.staff.audit import record_audit
from api.staff.models import StaffUser

MAX_NOTE_CHARS = 500
MAX_TEXT_CHARS = 5000
MAX_BUTTON_CHARS = 40


class StaleEdit(Exception):
    """Someone published this answer after the editor loaded it."""

    def __init__(self, current: Answer) -> None:
        super().__init__(f"answer is now at version {current.version}")
        self.current = current


class PublishRefused(Exception):
    """The answer cannot be published; `problems` (hard checks) or `reason` say why."""

    def __init__(self, reason: str = "", problems: list[Problem] | None = None) -> None:
        super().__init__(reason or "; ".join(p.message for p in problems or []))
        self.reason = reason
        self.problems = problems or []


def tidy(text: str | None) -> str:
    """Text from a form: Windows line ends made plain, no space at either end."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def answers_by_topic(db: Session) -> list[tuple[str, list[Answer]]]:
    rows = db.scalars(select(Answer).order_by(Answer.topic, Answer.title, Answer.key))
    topics: dict[str, list[Answer]] = {}
    for row in rows:
        topics.setdefault(row.topic or "Other", []).append(row)
    return list(topics.items())


def load_answer(db: Session, key: str) -> Answer | None:
    return db.scalar(select(Answer).where(Answer.key == key))


def history(db: Session, answer: Answer) -> list[AnswerVersion]:
    """Every version, newest first."""
    return list(db.scalars(select(AnswerVersion).where(AnswerVersion.answer_id == answer.id)
                           .order_by(AnswerVersion.version.desc())))


def _start_history(db: Session, answer: Answer) -> None:
    """An answer with no history yet (made before history was kept) gets its
    current words as its first version, so a rollback can reach them."""
    if not db.scalar(select(func.count(AnswerVersion.id)).where(AnswerVersion.answer_id == answer.id)):
        db.add(AnswerVersion(answer_id=answer.id, version=answer.version, sms_text=answer.sms_text,
                             web_text=answer.web_text, buttons=list(answer.buttons or []), published_at=answer.updated_at,
                             published_by=answer.updated_by, note="As it was before it was first edited here"))


def retitled_buttons(answer: Answer, titles: list[str] | None) -> list[dict]:
    """The answer's quick replies with new titles (what the family sees).
    What each one sends (its payload) stays: the assistant understands it.
    `titles` None keeps the titles as they are."""
    buttons = [dict(button) for button in answer.buttons or []]
    if titles is None:
        return buttons
    titles = [tidy(title) for title in titles]
    if len(titles) != len(buttons):
        raise PublishRefused(f"This answer has {len(buttons)} buttons; give a title for each.")
    for button, title in zip(buttons, titles):
        if not title or len(title) > MAX_BUTTON_CHARS:
            raise PublishRefused(f"Each button needs a title of 1 to {MAX_BUTTON_CHARS} characters.")
        button["title"] = title
    return buttons


def publish(db: Session, answer: Answer, staff: StaffUser, sms: str, web: str, loaded_version: int,
            note: str, now: datetime, rules: Rules | None = None, action: str = "answer.published",
            button_titles: list[str] | None = None) -> AnswerVersion:
    """Make new words live and keep them as a new version; the caller commits.

    Raises PublishRefused (a hard check fails, or nothing changed) or
    StaleEdit (someone else published since `loaded_version`)."""
    sms, web, note = tidy(sms), tidy(web), tidy(note)[:MAX_NOTE_CHARS]
    if len(sms) > MAX_TEXT_CHARS or len(web) > MAX_TEXT_CHARS:
        raise PublishRefused(f"Each text can be at most {MAX_TEXT_CHARS} characters.")
    if answer.version != loaded_version:
        raise StaleEdit(answer)
    report = answer_report(answer.key, sms, web, answer.placeholders, rules)
    if not report.can_publish:
        raise PublishRefused(problems=report.hard)
    buttons = retitled_buttons(answer, button_titles)
    if (sms, web, buttons) == (answer.sms_text, answer.web_text, list(answer.buttons or [])):
        raise PublishRefused("Nothing has changed, so there is nothing to publish.")

    _start_history(db, answer)
    new_version = loaded_version + 1
    when = now.astimezone(timezone.utc)
    changed = db.execute(
        update(Answer).where(Answer.id == answer.id, Answer.version == loaded_version)
        .values(sms_text=sms, web_text=web, buttons=buttons, version=new_version, updated_at=when,
                updated_by=staff.name[:120])
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        db.rollback()
        current = load_answer(db, answer.key)
        db.refresh(current)
        raise StaleEdit(current)
    version = AnswerVersion(answer_id=answer.id, version=new_version, sms_text=sms, web_text=web, buttons=buttons,
                            published_at=when, published_by=staff.name[:200], staff_id=staff.id, note=note)
    db.add(version)
    record_audit(db, staff, action, "answer", answer.key, version=new_version)
    db.flush()
    db.expire(answer)
    return version


def roll_back(db: Session, answer: Answer, staff: StaffUser, to_version: int, loaded_version: int,
              now: datetime, rules: Rules | None = None) -> AnswerVersion:
    """Publish an old version's words again, as a new version."""
    old = db.scalar(select(AnswerVersion).where(AnswerVersion.answer_id == answer.id,
                                                AnswerVersion.version == to_version))
    if old is None:
        raise PublishRefused(f"There is no version {to_version} of this answer.")
    # A version kept before answers had buttons has none: the titles stay.
    same_buttons = [b["payload"] for b in old.buttons or []] == [b["payload"] for b in answer.buttons or []]
    titles = [b["title"] for b in old.buttons] if old.buttons and same_buttons else None
    return publish(db, answer, staff, old.sms_text, old.web_text, loaded_version,
                   f"Rolled back to version {to_version}", now, rules, action="answer.rolled_back",
                   button_titles=titles)


# --- differences, for a stale edit and the history page ---

_TOKENS = re.compile(r"\s+|\S+\s*")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, text) pieces from `old` to `new`: kind is same, removed or added.
    Compared word by word, so a changed word shows as one swap."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("added", "".join(b[j1:j2])))
    return pieces
