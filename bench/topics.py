"""Per-topic figures: how well each worry is understood, and how easy each
answer is to read.

Run with the api venv: `.venvs/api/bin/python -m bench.topics` (needs the
trained model, models/current.tar.gz).

It runs `rasa test nlu` on tests/nlu/heldout.yml (never trained on) and on
bench/unknown_worries.yml (worries with no answer of their own), then
prints:

- for every intent: held-out examples, accuracy (recall) and F1, weakest
  first, and the macro F1;
- the share of unknown worries that got a confident answer about something
  else (issue 14 asks for at most 10%), and what they were taken for;
- for every answer in data/content/: reading ease and SMS segments, and the
  median of each, with the answers below the reading-ease target.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from api.content.plain_language import reading_ease, shipped_rules, sms_length

REPO = Path(__file__).resolve().parent.parent
RASA = REPO / ".venvs" / "rasa" / "bin" / "rasa"
MODEL = REPO / "models" / "current.tar.gz"
NO_ANSWER = {"out_of_scope", "nlu_fallback"}


def rasa_test(nlu_file: Path, out: Path) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([str(RASA), "test", "nlu", "--nlu", str(nlu_file), "--model", str(MODEL),
                             "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])


# `rasa test nlu` writes no report for a file whose lines all have one
# intent, so the unknown worries are parsed by the model directly.
PARSE = """
import asyncio, json, sys
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps([asyncio.run(agent.parse_message(t))["intent"]["name"] for t in texts]))
"""


def understood_as(texts: list[str]) -> list[str]:
    """The intent the model (fallback included) takes each text for."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    result = subprocess.run([str(RASA.with_name("python")), "-c", PARSE, str(MODEL)], cwd=REPO, env=env,
                            input=json.dumps(texts), capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def understanding(work: Path) -> None:
    rasa_test(REPO / "tests/nlu/heldout.yml", work / "heldout")
    report = json.loads((work / "heldout" / "intent_report.json").read_text())
    rows = [(name, row) for name, row in report.items()
            if isinstance(row, dict) and row.get("support") and name not in ("macro avg", "weighted avg", "micro avg")]
    print(f"{'intent':32} {'held-out':>8} {'accuracy':>8} {'F1':>6}")
    for name, row in sorted(rows, key=lambda item: item[1]["f1-score"]):
        print(f"{name:32} {row['support']:>8} {row['recall']:>8.0%} {row['f1-score']:>6.2f}")
    print(f"macro F1 {report['macro avg']['f1-score']:.3f} over {len(rows)} intents\n")

    worries = yaml.safe_load((REPO / "bench/unknown_worries.yml").read_text())["worries"]
    wrong = [(text, intent) for text, intent in zip(worries, understood_as(worries)) if intent not in NO_ANSWER]
    print(f"unknown worries answered as something else: {len(wrong)} of {len(worries)} "
          f"({len(wrong) / len(worries):.0%}; issue 14 asks for 10% or less)")
    # A crisis reply comes from the safety rules, which are built to ask
    # rather than miss (a neighbour's children left alone, say): counted
    # above, and shown apart so the classifier's own share is plain too.
    topics = [(text, intent) for text, intent in wrong if intent != "crisis"]
    print(f"  of which taken for another topic: {len(topics)} ({len(topics) / len(worries):.0%}); "
          f"taken for a possible crisis: {len(wrong) - len(topics)}")
    for text, intent in wrong:
        print(f"  {intent:28} {text}")
    print()


def readability() -> None:
    rules = shipped_rules()
    rows = []
    for path in sorted((REPO / "data/content").glob("*.yml")):
        for answer in yaml.safe_load(path.read_text()).get("answers") or []:
            values = answer.get("placeholders") or {}
            web = answer["web"].format(**values) if values else answer["web"]
            sms = answer["sms"].format(**values) if values else answer["sms"]
            rows.append((answer["key"], reading_ease(web, rules), sms_length(sms, rules).segments))
    scored = [(key, ease.score) for key, ease, _ in rows if ease.enough_words]
    print(f"answers: {len(rows)}; reading ease median {statistics.median(s for _, s in scored):.0f} "
          f"(target {rules.min_reading_ease} or more); SMS segments median "
          f"{statistics.median(n for *_, n in rows):.0f}, most {max(n for *_, n in rows)}")
    low = sorted((s, k) for k, s in scored if s < rules.min_reading_ease)
    if low:
        print("below the reading-ease target: " + ", ".join(f"{k} ({s:.0f})" for s, k in low))


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        understanding(Path(work))
    readability()


if __name__ == "__main__":
    main()
