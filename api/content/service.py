"""Reading answers, filling templates, and seeding answers from YAML."""

import hashlib
import json
import logging
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.models import Answer, AnswerVersion, utc_now
from api.content.translations import translated_text

CHANNELS = ("web", "sms")

logger = logging.getLogger(__name__)


class AnswerNotFound(LookupError):
    """No answer with this key."""


def _words_for(session: Session, answer: Answer, channel: str, language: str | None) -> str:
    """The answer's text for a channel, in `language` when there are words for it."""
    return translated_text(session, answer, channel, language) or (
        answer.sms_text if channel == "sms" else answer.web_text)


def get_answer(session: Session, key: str, channel: str, language: str | None = None) -> str:
    """The answer's text for a channel ("sms" or "web"), as stored now: in
    the family's `language` when comms have words for it, else in English."""
    answer = session.scalar(select(Answer).where(Answer.key == key))
    if answer is None:
        raise AnswerNotFound(key)
    return _words_for(session, answer, channel, language)


def response_message(session: Session, key: str, channel: str, values: dict[str, object] | None = None,
                     language: str | None = None) -> dict:
    """An answer as one message with its quick replies: `{"text", "buttons"}`,
    the shape Rasa's NLG endpoint returns for a response (`utter_*`).

    With `values` (for Rasa: the conversation's slots and the action's
    arguments) a template's `{placeholders}` are filled; one with no value
    yet is left empty rather than stopping the message. Without, or for an
    answer with no placeholders, the text is sent as written. In the
    family's `language` when comms have words for it."""
    answer = session.scalar(select(Answer).where(Answer.key == key))
    if answer is None:
        raise AnswerNotFound(key)
    text = _words_for(session, answer, channel, language)
    if answer.placeholders and values is not None:
        text = string.Formatter().vformat(text, (), _SlotValues(values))
    return {"text": text, "buttons": [dict(button) for button in answer.buttons or []]}


class _SlotValues(dict):
    """Slot values for str.format: a slot that is not set reads as ""."""

    def __init__(self, values: dict[str, object]) -> None:
        super().__init__({name: value for name, value in values.items() if value is not None})

    def __missing__(self, name: str) -> str:
        return ""


def render(session: Session, key: str, channel: str, **values: object) -> str:
    """Fill a template's `{placeholders}` (Python str.format) for a channel."""
    return get_answer(session, key, channel).format(**values)


def fill_answer(session: Session, key: str, channel: str, facts: dict[str, str],
                language: str | None = None) -> str:
    """An answer's text for a channel with its `{placeholders}` filled from
    `facts` (today's directory: phone numbers, partner services).

    Only an answer with `placeholders` is a template; any other is sent as
    written, so a brace a comms officer typed stays a brace. A placeholder
    the facts do not have (a partner service taken out of the directory)
    falls back to the answer's example value rather than fail. In the
    family's `language` when comms have words for it."""
    answer = session.scalar(select(Answer).where(Answer.key == key))
    if answer is None:
        raise AnswerNotFound(key)
    text = _words_for(session, answer, channel, language)
    if not answer.placeholders:
        return text
    missing = template_placeholders(text) - set(facts)
    if missing:
        logger.warning("answer %s: the directory has no %s, so the example is used", key, sorted(missing))
    return text.format(**{**answer.placeholders, **facts})


def template_placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- phrases: small bits of family words used to build times and lists ---

@lru_cache
def _load_phrases(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {str(k): str(v) for k, v in (data.get("phrases") or {}).items()}


def phrase(data_path: Path, key: str, **values: object) -> str:
    """A phrase from `data/content/templates.yml` (`phrases:`), filled in."""
    return _load_phrases(str(data_path / "content" / "templates.yml"))[key].format(**values)


# --- seeding from data/content/*.yml ---

@dataclass
class ShippedAnswer:
    key: str
    topic: str
    title: str
    sms_text: str
    web_text: str
    placeholders: dict
    buttons: list


def content_hash(topic: str, title: str, sms_text: str, web_text: str, placeholders: dict,
                 buttons: list | None = None) -> str:
    # Buttons join the hash only when there are some, so an answer without
    # any keeps the hash it was seeded with before answers had buttons.
    fields = [topic, title, sms_text, web_text, placeholders] + ([buttons] if buttons else [])
    payload = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load_shipped_answers(content_dir: Path) -> list[ShippedAnswer]:
    """Every answer in `content_dir/*.yml` files that have an `answers:` list."""
    shipped: dict[str, ShippedAnswer] = {}
    for path in sorted(content_dir.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
            continue
        topic = str(data.get("topic", path.stem))
        for item in data["answers"]:
            key = item["key"]
            if key in shipped:
                raise ValueError(f"answer key {key!r} appears twice (second time in {path.name})")
            shipped[key] = ShippedAnswer(
                key=key,
                topic=topic,
                title=str(item.get("title", key)),
                sms_text=str(item["sms"]).strip(),
                web_text=str(item.get("web", item["sms"])).strip(),
                placeholders=dict(item.get("placeholders") or {}),
                buttons=shipped_buttons(item.get("buttons"), key),
            )
    return list(shipped.values())


def shipped_buttons(raw: object, key: str) -> list[dict]:
    """`buttons:` in a content file: a list of `{title, payload}` strings."""
    buttons = []
    for item in raw or []:
        if not (isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("payload"), str)):
            raise ValueError(f"answer {key!r}: each button needs a title and a payload")
        buttons.append({"title": item["title"].strip(), "payload": item["payload"].strip()})
    return buttons


@dataclass
class SeedReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_edited: int = 0


def seed_answers(session: Session, shipped: list[ShippedAnswer]) -> SeedReport:
    """Insert new answers; update shipped ones comms have not edited.

    A row whose content still hashes to its `source_hash` is as shipped, so a
    newer shipped version replaces it. A row comms edited in the database
    (content no longer matches `source_hash`) is left alone.
    """
    report = SeedReport()
    for item in shipped:
        new_hash = content_hash(item.topic, item.title, item.sms_text, item.web_text, item.placeholders,
                                item.buttons)
        row = session.scalar(select(Answer).where(Answer.key == item.key))
        if row is None:
            row = Answer(
                key=item.key, topic=item.topic, title=item.title, sms_text=item.sms_text,
                web_text=item.web_text, placeholders=item.placeholders, buttons=item.buttons, version=1,
                source_hash=new_hash, updated_at=utc_now(), updated_by="seed",
            )
            session.add(row)
            _keep_version(session, row, "Shipped in data/content")
            report.added += 1
            continue
        current = content_hash(row.topic, row.title, row.sms_text, row.web_text, row.placeholders or {},
                               row.buttons or [])
        if current != row.source_hash:
            report.kept_edited += 1
        elif current == new_hash:
            report.unchanged += 1
        else:
            row.topic, row.title = item.topic, item.title
            row.sms_text, row.web_text = item.sms_text, item.web_text
            row.placeholders = item.placeholders
            row.buttons = item.buttons
            row.source_hash = new_hash
            row.version += 1
            row.updated_at = utc_now()
            row.updated_by = "seed"
            _keep_version(session, row, "Updated from data/content")
            report.updated += 1
    session.flush()
    return report


def _keep_version(session: Session, row: Answer, note: str) -> None:
    """Add the row as it is now to its history (answer_versions)."""
    session.add(AnswerVersion(answer=row, version=row.version, sms_text=row.sms_text, web_text=row.web_text,
                              buttons=list(row.buttons or []), published_at=row.updated_at, published_by=row.updated_by, note=note))


def family_text(session: Session, key: str, channel: str) -> str:
    """An answer's text, falling back to the shipped YAML if the database
    cannot give it (so an error page still has kind words)."""
    try:
        return get_answer(session, key, channel)
    except Exception:  # noqa: BLE001 - any database trouble: use the shipped words
        session.rollback()
    from api.settings import get_settings

    for item in load_shipped_answers(get_settings().data_path / "content"):
        if item.key == key:
            return item.sms_text if channel == "sms" else item.web_text
    raise AnswerNotFound(key)
