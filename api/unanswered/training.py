"""New training examples from groups comms marked as answered.

Each answer answers one intent (data/answer_intents.yml). The masked
messages of a group marked "answered by <answer>" become examples of that
answer's intent, in Rasa's NLU YAML, for a developer to review and add to
data/nlu/. Masks become plain stand-ins ("[postcode]" would read as Rasa's
entity mark-up).
"""

from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.unanswered.models import UnansweredGroup

STAND_INS = {"[phone]": "07700 900123", "[email]": "name@example.com", "[postcode]": "FB1 2AB",
             "[name]": "Sam", "[number]": "123456"}


@lru_cache
def _answer_intents(path: str) -> tuple[tuple[str, str], ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return tuple((str(k), str(v)) for k, v in (data.get("answers") or {}).items())


def intent_for_answer(data_path: Path, answer_key: str) -> str | None:
    """The intent an answer answers, or None if it is not one that can be chosen."""
    for pattern, intent in _answer_intents(str(data_path / "answer_intents.yml")):
        if fnmatchcase(answer_key, pattern):
            return intent
    return None


def example_text(masked: str) -> str:
    """One line, stand-ins for the masks, no brackets Rasa would read as mark-up."""
    for mask, stand_in in STAND_INS.items():
        masked = masked.replace(mask, stand_in)
    for char in "[]{}()":
        masked = masked.replace(char, " ")
    return " ".join(masked.split())


def training_examples(db: Session, data_path: Path) -> dict[str, list[str]]:
    """intent -> example texts (no repeats), from every group marked answered."""
    query = (select(UnansweredGroup).where(UnansweredGroup.status == "answered")
             .options(selectinload(UnansweredGroup.messages)).order_by(UnansweredGroup.id))
    examples: dict[str, list[str]] = {}
    for group in db.scalars(query):
        intent = intent_for_answer(data_path, group.answer_key or "")
        if intent is None:
            continue
        seen = examples.setdefault(intent, [])
        for message in sorted(group.messages, key=lambda m: m.id):
            text = example_text(message.text)
            if text and text.lower() not in {s.lower() for s in seen}:
                seen.append(text)
    return {intent: texts for intent, texts in sorted(examples.items()) if texts}


def training_yaml(examples: dict[str, list[str]], now: datetime) -> str:
    """Rasa 3 NLU YAML: `nlu:` with one `- intent:` block per intent. The
    examples sit in a literal block, so each line is read exactly as written."""
    lines = [
        f"# New training examples from \"What we could not answer\", {now:%Y-%m-%d}.",
        "# Check each one, then add them to the right file in data/nlu/ (and a few",
        "# different ones to tests/nlu/heldout.yml). Details were masked: names,",
        "# numbers and postcodes here are stand-ins.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, texts in examples.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines += [f"    - {text}" for text in texts]
    if not examples:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
