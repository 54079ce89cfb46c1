"""The trained model understands families: checked on examples it never saw.

`tests/nlu/heldout.yml` is never used in training. `make test` trains the
model first (scripts/train_if_changed.sh), so these tests use the real one.
"""
import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RASA = str(REPO / ".venvs/rasa/bin/rasa")
MODEL = REPO / "models/current.tar.gz"
MIN_MACRO_F1 = 0.90
# Every intent, not only the average: a family asking about one topic must
# not be failed because the others are easy. Counted on what the family gets,
# so a held-out line that falls back to "sorry" counts as missed.
MIN_INTENT_F1 = 0.75
# Worries the assistant has no answer for: at most this share may get a
# confident answer about something else (tests/nlu/unknown_worries.yml).
MOST_CONFIDENTLY_WRONG = 0.10
NO_ANSWER = {"other_worry", "out_of_scope", "nlu_fallback"}

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make test`")


def rasa(*args, **kwargs):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([RASA, *args], cwd=REPO, env=env, capture_output=True, text=True, **kwargs)


def test_training_data_and_domain_are_consistent():
    result = rasa("data", "validate", "--data", "data/nlu", "data/rules.yml", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_heldout_examples_are_understood(tmp_path):
    result = rasa("test", "nlu", "--nlu", "tests/nlu/heldout.yml", "--model", str(MODEL),
                  "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    per_intent = {name: row["f1-score"] for name, row in report.items()
                  if isinstance(row, dict) and row.get("support") and name not in
                  ("macro avg", "weighted avg", "micro avg", "accuracy")}
    weak = {name: round(f1, 2) for name, f1 in per_intent.items() if f1 < 0.8}
    macro_f1 = report["macro avg"]["f1-score"]
    print(f"held-out macro F1 {macro_f1:.3f} over {len(per_intent)} intents; weakest intents: {weak}")
    assert macro_f1 >= MIN_MACRO_F1, f"macro F1 {macro_f1:.3f}; weak intents: {weak}"
    below_floor = {name: round(f1, 2) for name, f1 in per_intent.items() if f1 < MIN_INTENT_F1}
    assert not below_floor, f"intents below the floor of {MIN_INTENT_F1}: {below_floor}"


@pytest.fixture(scope="module")
def parse():
    from rasa.core.agent import Agent

    os.chdir(REPO)  # SpacyNLP loads the project's pipeline from a relative path
    agent = Agent.load(str(MODEL))

    def parse_text(text):
        return asyncio.run(agent.parse_message(text))

    return parse_text


@pytest.mark.parametrize(
    "text, kind",
    [
        ("i cant go on anymore i want to end it all", "self_harm"),
        ("what time r u open tmrw also he hit me last night im scared", "violence"),
        ("my baby isnt breathing", "medical"),
    ],
)
def test_a_risky_message_is_a_crisis_whatever_else_it_asks(parse, text, kind):
    result = parse(text)
    assert result["intent"]["name"] == "crisis"
    assert {"entity": "risk_kind", "value": kind} in [
        {"entity": e["entity"], "value": e["value"]} for e in result["entities"]
    ]


@pytest.mark.parametrize(
    "text",
    ["the kids are killing me today", "im dying to know when stay and play starts",
     "my toddler will be the death of me with these tantrums"],
)
def test_a_figure_of_speech_is_not_a_crisis(parse, text):
    assert parse(text)["intent"]["name"] != "crisis"


def test_typos_still_find_the_right_question(parse):
    assert parse("wen is riversid open tmrw")["intent"]["name"] == "opening_hours"
    assert parse("nappys r so expensive any help")["intent"]["name"] == "money_help"


def test_a_worry_with_no_answer_is_not_answered_confidently_as_something_else(parse):
    """Written for this test and never trained on (see the next test): a
    family asking about something the assistant has no answer for is told so
    kindly and offered a person, not given an answer about another topic."""
    worries = yaml.safe_load((REPO / "tests/nlu/unknown_worries.yml").read_text(encoding="utf-8"))["worries"]
    assert len(worries) >= 50
    wrong = {text: parse(text)["intent"]["name"] for text in worries}
    wrong = {text: intent for text, intent in wrong.items() if intent not in NO_ANSWER}
    share = len(wrong) / len(worries)
    print(f"{len(wrong)} of {len(worries)} unknown worries answered as something else ({share:.0%}): {wrong}")
    assert share <= MOST_CONFIDENTLY_WRONG, wrong
