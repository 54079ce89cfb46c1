"""Answers in the other languages families write in.

Each language's words are in `data/content/languages/<code>.yml`, seeded
into `answer_translations` beside the English answer they translate. A
family whose conversation is in that language (api/languages/) is answered
in it wherever there are words for it, and in English where there are none
yet. Comms edit them in the content editor, where a draft not yet checked
by a speaker is shown as one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.models import Answer, AnswerTranslation, utc_now
from api.content.plain_language import Problem, check_translation

ENGLISH = "en"


@dataclass(frozen=True)
class ShippedTranslation:
    key: str
    language: str
    sms_text: str
    web_text: str
    checked_by: str = ""


def load_shipped_translations(languages_dir: Path) -> list[ShippedTranslation]:
    """Every answer in `languages_dir/<code>.yml`."""
    shipped: dict[tuple[str, str], ShippedTranslation] = {}
    for path in sorted(languages_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data.get("language") or "")
        if language != path.stem:
            raise ValueError(f"{path.name}: language must be {path.stem!r}, the file's name")
        for item in data.get("answers") or []:
            key = item["key"]
            if (key, language) in shipped:
                raise ValueError(f"{path.name}: answer key {key!r} appears twice")
            sms = str(item.get("sms", item.get("text", ""))).strip()
            web = str(item.get("web", item.get("text", sms))).strip()
            if not sms or not web:
                raise ValueError(f"{path.name}: answer {key!r} needs text (or sms and web)")
            shipped[key, language] = ShippedTranslation(key, language, sms, web,
                                                        str(item.get("checked_by") or "").strip())
    return list(shipped.values())


def _hash(sms_text: str, web_text: str, checked_by: str) -> str:
    return hashlib.sha256(json.dumps([sms_text, web_text, checked_by]).encode()).hexdigest()


def seed_translations(session: Session, shipped: list[ShippedTranslation]) -> int:
    """Add new translations and update ones comms have not edited; how many
    changed. A translation of an answer that does not exist is refused."""
    answers = {row.key: row for row in session.scalars(select(Answer))}
    changed = 0
    for item in shipped:
        answer = answers.get(item.key)
        if answer is None:
            raise ValueError(f"{item.language}: no English answer {item.key!r} to translate")
        new_hash = _hash(item.sms_text, item.web_text, item.checked_by)
        row = translation(session, answer, item.language)
        if row is None:
            session.add(AnswerTranslation(answer=answer, language=item.language, sms_text=item.sms_text,
                                          web_text=item.web_text, checked_by=item.checked_by,
                                          source_hash=new_hash, updated_at=utc_now(), updated_by="seed"))
            changed += 1
        elif _hash(row.sms_text, row.web_text, row.checked_by) == row.source_hash != new_hash:
            row.sms_text, row.web_text, row.checked_by = item.sms_text, item.web_text, item.checked_by
            row.source_hash, row.updated_at, row.updated_by = new_hash, utc_now(), "seed"
            changed += 1
    session.flush()
    return changed


def translated_text(session: Session, answer: Answer, channel: str, language: str | None) -> str | None:
    """The answer's words in `language` for a channel, or None (English, or none yet)."""
    row = translation(session, answer, language) if language and language != ENGLISH else None
    if row is None:
        return None
    return row.sms_text if channel == "sms" else row.web_text


def translation(session: Session, answer: Answer, language: str) -> AnswerTranslation | None:
    return session.scalar(select(AnswerTranslation).where(AnswerTranslation.answer_id == answer.id,
                                                          AnswerTranslation.language == language))


def translation_problems(answer: Answer, sms: str, web: str) -> list[Problem]:
    """What the editor shows for words in another language (hard ones block saving)."""
    return check_translation(sms, web, key=answer.key, placeholders=answer.placeholders)


def save_translation(session: Session, answer: Answer, language: str, sms: str, web: str, checked_by: str,
                     saved_by: str) -> list[Problem]:
    """Publish an answer's words in `language`, with who checked them ("" for a
    draft). Nothing is saved while there is a hard problem; those are returned."""
    hard = [problem for problem in translation_problems(answer, sms, web) if problem.level == "hard"]
    if hard:
        return hard
    row = translation(session, answer, language) or AnswerTranslation(answer=answer, language=language,
                                                                        source_hash="")
    row.sms_text, row.web_text, row.checked_by = sms, web, checked_by
    row.updated_at, row.updated_by = utc_now(), saved_by
    session.add(row)
    session.flush()
    return []


def drafts_first(session: Session, language: str) -> list[AnswerTranslation]:
    """A language's words, the drafts first and, among them, crisis answers
    first: they are the first a speaker should check."""
    rows = session.scalars(select(AnswerTranslation).where(AnswerTranslation.language == language))
    return sorted(rows, key=lambda row: (bool(row.checked_by), not row.answer.key.startswith("crisis_"),
                                         row.answer.key))
