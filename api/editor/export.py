"""All answers as they are live now, in the data/content/ format, so a
developer can bring the live words back into the repository.

One YAML file per topic, named like the shipped file with that topic
(`conversation.yml` for "Talking with the assistant"), in a zip. Each file
reads back with `api.content.service.load_shipped_answers`. The words in
other languages go in `languages/<code>.yml`, as in data/content/languages/,
with who checked them.
"""

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from sqlalchemy import select

from api.content.models import Answer, AnswerTranslation
from api.editor.service import answers_by_topic


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Long one-line texts folded like the shipped files (`>-`); the emitter
    # falls back to quotes when folding could not keep the text exact.
    style = None
    if value == value.strip() and all(line == line.rstrip() for line in value.split("\n")):
        style = "|" if "\n" in value else ">" if len(value) > 60 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def topic_files(content_dir: Path) -> dict[str, str]:
    """topic -> file name, from the shipped data/content/ files."""
    names = {}
    for path in sorted(content_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("answers"), list):
            names.setdefault(str(data.get("topic", path.stem)), path.name)
    return names


def _file_name(topic: str, known: dict[str, str], taken: set[str]) -> str:
    name = known.get(topic) or (re.sub(r"[^a-z0-9]+", "_", topic.lower()).strip("_") or "answers") + ".yml"
    while name in taken:
        name = name[:-4] + "_more.yml"
    taken.add(name)
    return name


def answer_entry(answer: Answer) -> dict:
    entry = {"key": answer.key, "title": answer.title, "sms": answer.sms_text, "web": answer.web_text}
    if answer.placeholders:
        entry["placeholders"] = dict(answer.placeholders)
    if answer.buttons:
        entry["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in answer.buttons]
    return entry


def topic_yaml(topic: str, answers: list[Answer], now: datetime) -> str:
    header = (f"# Exported from the content editor on {now:%Y-%m-%d %H:%M} UTC: the words live then.\n"
              "# To ship them, copy this file over the one with the same name in data/content/.\n")
    body = yaml.dump({"topic": topic, "answers": [answer_entry(a) for a in answers]}, Dumper=_Dumper,
                     sort_keys=False, allow_unicode=True, width=76, default_flow_style=False)
    return header + body


def language_yaml(language: str, rows: list[AnswerTranslation], now: datetime) -> str:
    header = (f"# Exported from the content editor on {now:%Y-%m-%d %H:%M} UTC: the words live then.\n"
              f"# To ship them, copy this file over data/content/languages/{language}.yml.\n")
    entries = [{"key": row.answer.key, "sms": row.sms_text, "web": row.web_text,
                **({"checked_by": row.checked_by} if row.checked_by else {})} for row in rows]
    return header + yaml.dump({"language": language, "answers": entries}, Dumper=_Dumper, sort_keys=False,
                              allow_unicode=True, width=76, default_flow_style=False)


def export_zip(db: Session, content_dir: Path, now: datetime) -> bytes:
    known, taken = topic_files(content_dir), set()
    buffer = io.BytesIO()
    by_language: dict[str, list[AnswerTranslation]] = {}
    for row in db.scalars(select(AnswerTranslation).join(Answer).order_by(AnswerTranslation.language, Answer.key)):
        by_language.setdefault(row.language, []).append(row)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for topic, answers in answers_by_topic(db):
            archive.writestr(_file_name(topic, known, taken), topic_yaml(topic, answers, now))
        for language, rows in by_language.items():
            archive.writestr(f"languages/{language}.yml", language_yaml(language, rows, now))
    return buffer.getvalue()
