"""The training data: the repository's files with what comms taught added.

One function, `files_with_additions`, gives the new text of every file a
training run reads; the same new texts make the "Download training data"
diff for the developers, so what is trained is what they are handed:
- `data/nlu/<area>.yml`: examples of a shipped question go under that
  question, in the file that has it; examples of a taught topic go in
  `data/nlu/taught.yml` (made when it is first needed).
- `domain.yml`: each taught topic's intent, at the end of `intents:`.
- `data/rules.yml`: "answer <intent>" -> action_answer, for each taught topic.
- `tests/nlu/heldout.yml`: every fifth example of each question (under
  that question, or a new block at the end), kept out of training, so the quality gate checks the new model on ways of
  asking it never saw.

Existing lines are never changed or reordered: only lines are added.
"""

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from api.teaching.models import TaughtTopic
from api.teaching.service import taught_examples, topics

HOLD_OUT_EVERY = 5
TAUGHT_NLU = "data/nlu/taught.yml"
HELDOUT = "tests/nlu/heldout.yml"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/rules.yml")


@dataclass
class Additions:
    """What comms taught, split: intent -> examples to train on, and to hold out."""

    train: dict[str, list[str]] = field(default_factory=dict)
    heldout: dict[str, list[str]] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)  # taught intents

    @property
    def count(self) -> int:
        return sum(map(len, self.train.values())) + sum(map(len, self.heldout.values()))


def additions(db: Session) -> Additions:
    result = Additions(topics=[t.intent for t in topics(db)])
    for intent, rows in sorted(taught_examples(db).items()):
        for index, row in enumerate(rows):
            side = result.heldout if index % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1 else result.train
            side.setdefault(intent, []).append(row.text)
    return result


def _example_lines(texts: list[str]) -> list[str]:
    return [f"    - {text}\n" for text in texts]


def _intent_block(intent: str, texts: list[str]) -> list[str]:
    return ["\n", f"- intent: {intent}\n", "  examples: |\n", *_example_lines(texts)]


def add_examples(text: str, intent: str, texts: list[str]) -> str | None:
    """`text` (an NLU file) with `texts` added under `intent`'s examples;
    None when the file has no such intent."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.fullmatch(rf"- intent: {re.escape(intent)}\s*", line)),
                 None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and not lines[end].startswith("- "):
        end += 1
    last = max((i for i in range(start, end) if lines[i].lstrip().startswith("- ")), default=end - 1)
    if lines and not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join(lines[:last + 1] + _example_lines(texts) + lines[last + 1:])


def add_intents(domain: str, intents: list[str]) -> str:
    """domain.yml with `intents` at the end of its `intents:` list."""
    lines = domain.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip() == "intents:")
    listed, last = set(), start
    for i in range(start + 1, len(lines)):
        match = re.fullmatch(r"\s+- (\S+)\s*", lines[i])
        if match:
            listed.add(match.group(1))
            last = i
        elif lines[i].strip() and not lines[i].startswith((" ", "#")):
            break
    new = [f"  - {intent}\n" for intent in intents if intent not in listed]
    return "".join(lines[:last + 1] + new + lines[last + 1:])


def add_rules(rules: str, intents: list[str]) -> str:
    """data/rules.yml with "answer <intent>" for each taught intent it lacks."""
    new = [f"  - rule: answer {intent}\n    steps:\n      - intent: {intent}\n      - action: action_answer\n"
           for intent in intents if not re.search(rf"- intent: {re.escape(intent)}\s*$", rules, re.M)]
    if not new:
        return rules
    return rules.rstrip("\n") + "\n" + "".join(new)


def _add_to_nlu(files: dict[str, str], nlu_paths: list[str], new_file: str, examples: dict[str, list[str]]) -> None:
    nlu_paths = [path for path in nlu_paths if path in files]
    for intent, texts in examples.items():
        for path in nlu_paths:
            changed = add_examples(files[path], intent, texts)
            if changed is not None:
                files[path] = changed
                break
        else:
            if new_file not in files:
                files[new_file] = ('version: "3.1"\n\n# Questions comms taught in the content editor.\n'
                                   "nlu:\n")
                nlu_paths.append(new_file)
            files[new_file] = files[new_file].rstrip("\n") + "\n" + "".join(_intent_block(intent, texts))


def read_originals(repo: Path) -> dict[str, str]:
    """The repository's files a training run reads (path -> text)."""
    paths = [*TRAINING_INPUTS, HELDOUT, *(p.relative_to(repo).as_posix() for p in sorted((repo / "data/nlu").glob("*.yml")))]
    return {path: (repo / path).read_text(encoding="utf-8") for path in paths if (repo / path).exists()}


def files_with_additions(originals: dict[str, str], taught: Additions) -> dict[str, str]:
    """Every file a training run reads, with what comms taught added."""
    files = dict(originals)
    nlu_paths = sorted(p for p in files if p.startswith("data/nlu/"))
    _add_to_nlu(files, nlu_paths, TAUGHT_NLU, taught.train)
    _add_to_nlu(files, [HELDOUT], HELDOUT, taught.heldout)
    files["domain.yml"] = add_intents(files["domain.yml"], taught.topics)
    files["data/rules.yml"] = add_rules(files["data/rules.yml"], taught.topics)
    return files


def training_diff(originals: dict[str, str], changed: dict[str, str]) -> str:
    """A unified diff (`git apply` reads it) from the repository's files to
    the files with what comms taught added."""
    parts = []
    for path in sorted(changed):
        before, after = originals.get(path), changed[path]
        if before == after:
            continue
        parts.extend(difflib.unified_diff(
            (before or "").splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile="/dev/null" if before is None else f"a/{path}", tofile=f"b/{path}"))
    return "".join(parts)


def write_tree(files: dict[str, str], dest: Path) -> None:
    for path, text in files.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_text(text, encoding="utf-8")


def topic_names(db: Session) -> dict[str, str]:
    return {t.intent: t.name for t in db.query(TaughtTopic)}
