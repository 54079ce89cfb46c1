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

REPO = Path(__file__).resolve().parents[2]
RASA = str(REPO / ".venvs/rasa/bin/rasa")
MODEL = REPO / "models/current.tar.gz"
MIN_MACRO_F1 = 0.90
# And no one kind of question left behind: every intent's own F1 (what a
# family gets, the fallback included: a message the model was unsure of
# counts as missed).
MIN_INTENT_F1 = 0.5

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
    below = {name: round(f1, 2) for name, f1 in per_intent.items() if f1 < MIN_INTENT_F1}
    assert not below, f"intents below {MIN_INTENT_F1}: {below}"


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
