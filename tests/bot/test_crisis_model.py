"""The crisis classifier: catches crises worded in ways no rule covers, and stays quiet on figures of speech.

Rasa venv (scikit-learn): .venvs/rasa/bin/pytest tests/bot/test_crisis_model.py -q
Trains the model once for the module (about 10 seconds). Figures for people:
.venvs/rasa/bin/python -m bench.crisis
"""
import pickle
from collections import Counter

import pytest

from bench import crisis as bench
from bot import crisis_model
from bot.crisis_model import CATEGORY_KINDS, CrisisExample

TRAIN = crisis_model.load_examples(crisis_model.TRAIN_PATH)
HELDOUT = crisis_model.load_examples(crisis_model.HELDOUT_PATH)
THRESHOLDS = crisis_model.load_thresholds()

@pytest.fixture(scope="module")
def model():
    return crisis_model.train_default()


@pytest.fixture(scope="module")
def scored(model):
    return bench.score_examples(model, HELDOUT)


# Worded unlike anything in train.yml or heldout.yml (a test checks that).
UNSEEN_CRISES = [
    ("honestly i just want to stop being alive tonight", "self_harm"),
    ("got a big pile of tablets here and im swallowing them soon", "self_harm"),
    ("hes got me cornered in the kitchen and keeps punching me", "violence"),
    ("my baby has gone really floppy and wont open her eyes", "medical"),
    ("i am scared i will shake my baby if she doesnt stop crying", "parent_fear"),
    ("a man from the internet keeps asking my 12 year old to meet him and not tell me", "child_harm"),
    ("my mum threw me out tonight and im sat outside with nowhere to go", "nowhere_safe"),
]

FIGURES_OF_SPEECH = [
    "this heat is killing me lol",
    "the school holidays are killing me",
    "i could murder a curry",
    "i nearly died of embarrassment at parents evening",
    "im dying to know when the summer timetable is out",
    "these nappy bills will be the death of me",
    "i could kill for a cuppa right now",
]


@pytest.mark.parametrize("text, kind", UNSEEN_CRISES)
def test_a_clear_crisis_in_unseen_wording_gets_the_crisis_answer_of_the_right_kind(model, text, kind):
    probability, found_kind = model.score(text)
    assert probability >= THRESHOLDS.crisis
    assert found_kind == kind


@pytest.mark.parametrize("text", FIGURES_OF_SPEECH)
def test_a_figure_of_speech_is_below_the_unsure_band(model, text):
    probability, _ = model.score(text)
    assert THRESHOLDS.decide(probability) == "ordinary"
    assert probability < THRESHOLDS.unsure


def test_the_probes_above_are_unseen():
    known = {crisis_model.normalise(example.text) for example in TRAIN + HELDOUT}
    for text in [text for text, _ in UNSEEN_CRISES] + FIGURES_OF_SPEECH:
        assert crisis_model.normalise(text) not in known, text


def test_an_empty_message_scores_nothing(model):
    assert model.score("") == (0.0, None)
    assert model.score("  !!! ") == (0.0, None)


def test_almost_every_heldout_crisis_gets_the_crisis_answer_or_is_asked(scored):
    result = bench.figures(scored, bench.combined(THRESHOLDS.unsure))
    assert result.recall >= bench.UNSURE_RECALL_TARGET, [item.text for item in result.missed]


def test_rules_or_classifier_meets_the_issue_targets_on_heldout(scored):
    # recall >= 98%, >= 95% per category, false alarms < 5% (figures in
    # data/safety/crisis_model.yml; the whole stack is held to the same in
    # tests/conversations/test_crisis.py and tests/sms/test_crisis_by_text.py).
    result = bench.figures(scored, bench.combined(THRESHOLDS.crisis))
    assert bench.meets_targets(result), (result.recall, result.recall_by_category, result.false_alarms)


def test_training_is_deterministic_and_the_model_pickles():
    examples = TRAIN[::8]  # small: determinism does not depend on size, and the test stays fast
    others = crisis_model.nlu_texts()[::8]
    first = crisis_model.train(examples, others)
    second = crisis_model.train(examples, others)
    texts = [example.text for example in HELDOUT[::10]]
    assert first.score_many(texts) == second.score_many(texts)
    restored = pickle.loads(pickle.dumps(first))
    assert restored.score_many(texts) == first.score_many(texts)


def test_no_heldout_text_is_trained_on():
    heldout = {crisis_model.normalise(example.text) for example in HELDOUT}
    trained = {crisis_model.normalise(example.text) for example in TRAIN}
    nlu = {crisis_model.normalise(text) for text in crisis_model.nlu_texts(exclude_intents=())}
    assert not heldout & trained
    assert not heldout & nlu


def test_the_labelled_sets_are_big_enough_in_every_category():
    train = Counter(example.category for example in TRAIN)
    heldout = Counter(example.category for example in HELDOUT)
    crisis_total = sum(n for category, n in (train + heldout).items() if category != "none")
    assert crisis_total >= 300
    assert train["none"] + heldout["none"] >= 200
    for category in CATEGORY_KINDS:
        assert train[category] + heldout[category] >= 35, category
        assert heldout[category] >= 14, category


def test_every_category_maps_to_a_kind_of_crisis_answer():
    assert set(CATEGORY_KINDS.values()) == {"self_harm", "violence", "medical", "parent_fear", "child_harm",
                                            "nowhere_safe"}


def test_a_file_with_an_unknown_category_is_refused(tmp_path):
    path = tmp_path / "examples.yml"
    path.write_text('examples:\n  - {text: "i want to die", category: suicide}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown category"):
        crisis_model.load_examples(path)


def test_training_needs_both_sides():
    with pytest.raises(ValueError):
        crisis_model.train([CrisisExample("i want to die", "self_harm")], [])
