"""Teaching a new question: a topic comms add, the ways families ask it,
and its answer; and examples from "what we could not answer".

A topic is one intent, `taught_<words of its name>`, answered by the
generic answer action (actions/actions.py ActionAnswer asks the api for
the answer whose key is the intent). So a taught topic needs no code: its
answer is a row in the answers table, its examples are rows here, and its
rule and domain entry come from the export (api/teaching/export.py).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.content.models import Answer, AnswerVersion
from api.content.plain_language import Problem, Rules
from api.editor.checks import answer_report
from api.editor.service import MAX_TEXT_CHARS, tidy
from api.staff.audit import record_audit
from api.staff.models import StaffUser
from api.teaching.models import TaughtExample, TaughtTopic
from api.unanswered.grouping import similarity, word_stems
from api.unanswered.models import UnansweredGroup
from api.unanswered.training import example_text, intent_for_answer

MIN_EXAMPLES = 10
MAX_EXAMPLES = 200
MAX_EXAMPLE_CHARS = 300
MAX_NAME_CHARS = 80
TOPIC_GROUP = "Questions comms taught"
INTENT_PREFIX = "taught_"
# Two examples this alike (shared word stems over all, api/unanswered/grouping.py)
# would teach two topics the same words.
NEAR_DUPLICATE = 0.6


class TopicRefused(ValueError):
    """A topic cannot be added as it is; `problems` (from the answer's checks)
    and `reasons` say why in plain words."""

    def __init__(self, reasons: list[str], problems: list[Problem] | None = None) -> None:
        super().__init__("; ".join(reasons + [p.message for p in problems or []]))
        self.reasons = reasons
        self.problems = problems or []


@dataclass(frozen=True)
class NearDuplicate:
    example: str        # the way of asking typed here
    intent: str         # the question it is like
    like: str           # the existing example it is like
    score: float


# --- what the assistant already knows ---

def _nlu_examples(text: str) -> dict[str, list[str]]:
    data = yaml.safe_load(text) or {}
    found: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            lines = str(block.get("examples") or "").splitlines()
            found.setdefault(str(block["intent"]), []).extend(
                re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:]).strip()
                for line in lines if line.strip().startswith("- "))
    return found


@lru_cache(maxsize=4)
def _shipped_examples(nlu_dir: str, stamp: float) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(Path(nlu_dir).glob("*.yml")):
        for intent, texts in _nlu_examples(path.read_text(encoding="utf-8")).items():
            found.setdefault(intent, []).extend(texts)
    return found


def shipped_examples(data_path: Path) -> dict[str, list[str]]:
    """intent -> examples in data/nlu/ (the developers' training data)."""
    nlu_dir = data_path / "nlu"
    stamp = max((p.stat().st_mtime for p in nlu_dir.glob("*.yml")), default=0.0)
    return _shipped_examples(str(nlu_dir), stamp)


def taught_examples(db: Session) -> dict[str, list[TaughtExample]]:
    """intent -> examples taught here, oldest first."""
    found: dict[str, list[TaughtExample]] = {}
    for row in db.scalars(select(TaughtExample).order_by(TaughtExample.id)):
        found.setdefault(row.intent, []).append(row)
    return found


def known_examples(db: Session, data_path: Path) -> dict[str, list[str]]:
    """Every example the assistant is (or will be) trained on, by intent."""
    found = {intent: list(texts) for intent, texts in shipped_examples(data_path).items()}
    for intent, rows in taught_examples(db).items():
        found.setdefault(intent, []).extend(row.text for row in rows)
    return found


def topics(db: Session) -> list[TaughtTopic]:
    return list(db.scalars(select(TaughtTopic).order_by(TaughtTopic.name)))


def topic_for_intent(db: Session, intent: str) -> TaughtTopic | None:
    return db.scalar(select(TaughtTopic).where(TaughtTopic.intent == intent))


def intent_of_answer(db: Session, data_path: Path, answer_key: str) -> str | None:
    """The question (intent) an answer answers: a shipped one
    (data/answer_intents.yml) or a taught topic's; None if it answers none."""
    shipped = intent_for_answer(data_path, answer_key)
    if shipped:
        return shipped
    topic = topic_for_intent(db, answer_key)
    return topic.intent if topic else None


# --- checking ways of asking ---

def read_examples(typed: str) -> list[str]:
    """One way of asking per line, as typed in the form: list marks and
    mark-up taken off, repeats dropped."""
    found: list[str] = []
    for line in tidy(typed).split("\n"):
        text = example_text(re.sub(r"^\s*(?:[-*\u2022]|\d+[.)])\s+", "", line))[:MAX_EXAMPLE_CHARS].strip()
        if text and text.lower() not in {f.lower() for f in found}:
            found.append(text)
    return found


def intent_name(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", tidy(name).lower()).strip("_")
    return (INTENT_PREFIX + words)[:60].rstrip("_")


def near_duplicates(examples: list[str], known: dict[str, list[str]], own_intent: str = "") -> list[NearDuplicate]:
    """Ways of asking that are (nearly) the words of another question's example."""
    stems_of = {intent: [(text, word_stems(text)) for text in texts]
                for intent, texts in known.items() if intent != own_intent}
    found = []
    for example in examples:
        mine = word_stems(example)
        best: NearDuplicate | None = None
        for intent, items in stems_of.items():
            for text, stems in items:
                score = 1.0 if text.lower() == example.lower() else similarity(mine, stems)
                if score >= NEAR_DUPLICATE and (best is None or score > best.score):
                    best = NearDuplicate(example, intent, text, round(score, 2))
        if best:
            found.append(best)
    return found


def more_wanted(count: int) -> int:
    return max(0, MIN_EXAMPLES - count)


def example_problems(examples: list[str], known: dict[str, list[str]], own_intent: str = "",
                     have: int = 0) -> list[str]:
    """Plain reasons the examples cannot be taught (empty when they can)."""
    reasons = []
    wanted = more_wanted(have + len(examples))
    if wanted:
        reasons.append(f"Add {wanted} more way{'' if wanted == 1 else 's'} families ask this. "
                       f"The assistant needs at least {MIN_EXAMPLES} to learn a question.")
    if have + len(examples) > MAX_EXAMPLES:
        reasons.append(f"A question can have at most {MAX_EXAMPLES} ways of asking.")
    same = [d for d in near_duplicates(examples, known, own_intent) if d.score == 1.0]
    for duplicate in same:
        reasons.append(f'"{duplicate.example}" is already a way of asking another question '
                       f"({question_name(duplicate.intent)}). Take it out or word it differently.")
    return reasons


def question_name(intent: str) -> str:
    return intent.removeprefix(INTENT_PREFIX).replace("_", " ")


# --- adding a topic ---

def add_topic(db: Session, data_path: Path, staff: StaffUser, name: str, typed_examples: str, sms: str, web: str,
              now: datetime, known_intents: set[str], rules: Rules | None = None) -> TaughtTopic:
    """A new question: its answer (checked like any answer), its ways of
    asking, live in the editor at once and taught at the next training
    run. `known_intents` are the domain's intents (a name may not clash).
    The caller commits. Raises TopicRefused."""
    name, sms, web = tidy(name), tidy(sms), tidy(web)
    intent = intent_name(name)
    reasons = []
    if not 3 <= len(name) <= MAX_NAME_CHARS or intent == INTENT_PREFIX.rstrip("_"):
        reasons.append(f"Give the question a name of 3 to {MAX_NAME_CHARS} characters.")
    elif intent in known_intents or topic_for_intent(db, intent) or db.scalar(select(Answer).where(Answer.key == intent)):
        reasons.append("There is already a question with that name. Choose another name.")
    if len(sms) > MAX_TEXT_CHARS or len(web) > MAX_TEXT_CHARS:
        reasons.append(f"Each text can be at most {MAX_TEXT_CHARS} characters.")
    examples = read_examples(typed_examples)
    reasons += example_problems(examples, known_examples(db, data_path), intent)
    report = answer_report(intent, sms, web, {}, rules)
    if reasons or not report.can_publish:
        raise TopicRefused(reasons, report.hard)
    when = now.astimezone(timezone.utc)
    answer = Answer(key=intent, topic=TOPIC_GROUP, title=name, sms_text=sms, web_text=web, placeholders={},
                    buttons=[], version=1, source_hash="", updated_at=when, updated_by=staff.name[:120])
    db.add(answer)
    db.add(AnswerVersion(answer=answer, version=1, sms_text=sms, web_text=web, buttons=[], published_at=when,
                         published_by=staff.name[:200], staff_id=staff.id, note="A new question"))
    topic = TaughtTopic(intent=intent, name=name, created_at=when, created_by_id=staff.id)
    db.add(topic)
    for text in examples:
        db.add(TaughtExample(intent=intent, text=text, source="comms", added_at=when, added_by_id=staff.id))
    record_audit(db, staff, "topic.added", "topic", intent, examples=len(examples))
    db.flush()
    return topic


def add_examples(db: Session, data_path: Path, staff: StaffUser, intent: str, typed_examples: str,
                 now: datetime) -> int:
    """More ways of asking a taught question; how many were new. The caller commits."""
    have = taught_examples(db).get(intent, [])
    known_texts = {row.text.lower() for row in have}
    examples = [e for e in read_examples(typed_examples) if e.lower() not in known_texts]
    if not examples:
        raise TopicRefused(["Type at least one new way families ask this, one on each line."])
    reasons = example_problems(examples, known_examples(db, data_path), intent, have=max(len(have), MIN_EXAMPLES))
    if reasons:
        raise TopicRefused(reasons)
    for text in examples:
        db.add(TaughtExample(intent=intent, text=text, source="comms", added_at=now.astimezone(timezone.utc),
                             added_by_id=staff.id))
    record_audit(db, staff, "topic.examples_added", "topic", intent, examples=len(examples))
    db.flush()
    return len(examples)


# --- examples from "what we could not answer" ---

def teach_from_group(db: Session, group: UnansweredGroup, intent: str, staff: StaffUser, now: datetime) -> int:
    """The group's messages (masked) become examples of `intent`; marking
    the group again replaces them. How many were added. The caller commits."""
    forget_group(db, group)
    known = {text.lower() for text in [r.text for r in taught_examples(db).get(intent, [])]}
    added = 0
    for message in sorted(group.messages, key=lambda m: m.id):
        text = example_text(message.text)[:MAX_EXAMPLE_CHARS]
        if text and text.lower() not in known:
            known.add(text.lower())
            db.add(TaughtExample(intent=intent, text=text, source="unanswered", group_id=group.id,
                                 conversation_id=message.conversation_id, added_at=now.astimezone(timezone.utc),
                                 added_by_id=staff.id))
            added += 1
    db.flush()
    return added


def forget_group(db: Session, group: UnansweredGroup) -> None:
    db.execute(delete(TaughtExample).where(TaughtExample.group_id == group.id))
