"""A small trained classifier that backs up the crisis rules.

The rules in ``data/safety/risk_phrases.yml`` (``bot/risk.py``) catch the
crises someone wrote a phrase for. This model catches crises worded in ways
nobody wrote a rule for ("im up on the bridge by the retail park"), learnt from
labelled messages in ``data/safety/crisis_examples/train.yml`` and from the
ordinary Rasa NLU examples, which teach it what everyday messages look like.

The check the assistant makes is "rules OR model": a message is a crisis when
a rule matches or ``score`` is at least ``crisis_threshold``; between
``unsure_threshold`` and ``crisis_threshold`` the assistant asks gently
whether anyone is in danger instead of answering a topic. Both thresholds
live in ``data/safety/crisis_model.yml`` with how they were chosen.

scikit-learn only, no downloads, deterministic, and picklable so the model can
be stored inside the Rasa model. Measured by ``bench/crisis.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot import risk

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO_ROOT / "data" / "safety" / "crisis_examples"
TRAIN_PATH = EXAMPLES_DIR / "train.yml"
HELDOUT_PATH = EXAMPLES_DIR / "heldout.yml"
THRESHOLDS_PATH = REPO_ROOT / "data" / "safety" / "crisis_model.yml"
NLU_DIR = REPO_ROOT / "data" / "nlu"

NOT_CRISIS = "none"
GENERAL_KIND = "general"
# The most likely kind must hold this share of the crisis probability to be
# named; below it the message gets the general answer with every helpline.
KIND_SURE_SHARE = 0.6
# What a safeguarding lead calls the crisis -> the kind of crisis answer it gets.
CATEGORY_KINDS: Mapping[str, str] = {
    "self_harm": "self_harm",
    "means_at_hand": "self_harm",
    "domestic_abuse": "violence",
    "child_medical": "medical",
    "parent_fear": "parent_fear",
    "child_at_risk": "child_harm",
    "nowhere_safe": "nowhere_safe",
}
CATEGORIES = (*CATEGORY_KINDS, NOT_CRISIS)
RANDOM_STATE = 0
NEAR_MISS_WEIGHT = 3.0
REGULARISATION_C = 30.0  # chosen by 5-fold cross-validation on train.yml, not on held-out

_NLU_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class CrisisExample:
    text: str
    category: str  # one of CATEGORIES

    @property
    def is_crisis(self) -> bool:
        return self.category != NOT_CRISIS


@dataclass(frozen=True)
class CrisisThresholds:
    crisis: float  # at or above: crisis answer at once
    unsure: float  # at or above (and below crisis): ask "Is anyone in danger?"

    def decide(self, probability: float) -> str:
        """What a score means: "crisis", "unsure" or "ordinary"."""
        if probability >= self.crisis:
            return "crisis"
        if probability >= self.unsure:
            return "unsure"
        return "ordinary"


class CrisisModel:
    """Scores one message: how likely it is a crisis, and the most likely kind.

    One multinomial classifier over the seven crisis categories and ``none``;
    the probability of a crisis is 1 - P(none). (Seven categories give the
    model seven directions to look in; a single crisis-or-not model gave more
    false alarms at the same recall, in cross-validation and on held-out.)
    Build with ``train``.
    Holds only scikit-learn objects, plain dicts and strings, so it pickles.
    """

    def __init__(self, pipeline: Pipeline, text_speak: Mapping[str, str]):
        self.pipeline = pipeline
        self.text_speak = dict(text_speak)

    def normalise(self, text: str) -> str:
        return normalise(text, self.text_speak)

    def score(self, text: str) -> tuple[float, str | None]:
        """(probability the message is a crisis, most likely kind of crisis).

        The kind is given whatever the probability (the caller compares the
        probability with the thresholds); it is None only for an empty message.
        """
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str]) -> list[tuple[float, str | None]]:
        clean = [self.normalise(text) for text in texts]
        results: list[tuple[float, str | None]] = [(0.0, None)] * len(clean)
        keep = [i for i, text in enumerate(clean) if text]
        if not keep:
            return results
        probabilities = self.pipeline.predict_proba([clean[i] for i in keep])
        classes = list(self.pipeline.classes_)
        kind_names = sorted(set(CATEGORY_KINDS.values()))
        # Categories that share a kind (self_harm, means_at_hand) add up.
        to_kind = np.zeros((len(classes), len(kind_names)))
        for row, category in enumerate(classes):
            if category != NOT_CRISIS:
                to_kind[row, kind_names.index(CATEGORY_KINDS[category])] = 1.0
        kind_probabilities = probabilities @ to_kind
        not_crisis = probabilities[:, classes.index(NOT_CRISIS)]
        for position, i in enumerate(keep):
            crisis = float(1.0 - not_crisis[position])
            best = int(np.argmax(kind_probabilities[position]))
            # Torn between kinds: "general" gives every helpline.
            sure = crisis > 0 and kind_probabilities[position][best] >= KIND_SURE_SHARE * crisis
            results[i] = (crisis, kind_names[best] if sure else GENERAL_KIND)
        return results


def normalise(text: str, text_speak: Mapping[str, str] | None = None) -> str:
    """The rules' tidying (bot/risk.py ``plain_words``), text-speak written out."""
    text_speak = text_speak or {}
    return " ".join(text_speak.get(word, word) for word in risk.plain_words(str(text)))


def load_examples(path: str | Path) -> list[CrisisExample]:
    """Labelled messages from a crisis examples file (``examples: [{text, category}]``).

    Raises ValueError on an unknown category or an empty text, so a typo in the
    file fails loudly instead of teaching the model something wrong.
    """
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file) or {}
    examples = []
    for number, item in enumerate(data.get("examples") or (), start=1):
        text = str(item.get("text") or "").strip()
        category = item.get("category")
        if not text:
            raise ValueError(f"{path}: example {number} has no text")
        if category not in CATEGORIES:
            raise ValueError(f"{path}: example {number} has unknown category {category!r}")
        examples.append(CrisisExample(text=text, category=category))
    return examples


def load_thresholds(path: str | Path = THRESHOLDS_PATH) -> CrisisThresholds:
    with open(path, encoding="utf-8") as file:
        data = yaml.safe_load(file) or {}
    thresholds = CrisisThresholds(crisis=float(data["crisis_threshold"]),
                                  unsure=float(data["unsure_threshold"]))
    if not 0.0 < thresholds.unsure <= thresholds.crisis < 1.0:
        raise ValueError(f"{path}: need 0 < unsure_threshold <= crisis_threshold < 1")
    return thresholds


def nlu_texts(source: str | Path = NLU_DIR, exclude_intents: Iterable[str] = ("crisis",)) -> list[str]:
    """Example texts of every intent except ``exclude_intents``, from a Rasa NLU
    file or every ``*.yml`` in a folder (default ``data/nlu``).

    For tests and the bench; inside Rasa the caller passes Rasa's own examples.
    """
    excluded = set(exclude_intents)
    source = Path(source)
    texts = []
    for path in sorted(source.glob("*.yml")) if source.is_dir() else [source]:
        with open(path, encoding="utf-8") as file:
            data = yaml.safe_load(file) or {}
        for block in data.get("nlu") or ():
            if "intent" not in block or block["intent"] in excluded:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(_NLU_ANNOTATION.sub(r"\1", line[2:]).strip())
    return [text for text in texts if text]


def default_text_speak() -> dict[str, str]:
    """The rules' text-speak list ("kms" -> "kill myself"), copied into the model at training."""
    return dict(risk.load_rules().text_speak)


def train(crisis_examples: Iterable[CrisisExample], other_texts: Iterable[str],
          text_speak: Mapping[str, str] | None = None) -> CrisisModel:
    """Train on labelled crisis examples (near-misses labelled ``none``) and ordinary messages.

    ``other_texts`` are everyday messages that are not a crisis, such as the
    Rasa NLU examples of every intent except ``crisis``. The same inputs
    always give the same model.
    """
    text_speak = default_text_speak() if text_speak is None else dict(text_speak)
    examples = list(crisis_examples)
    crisis = [(normalise(e.text, text_speak), e.category) for e in examples if e.is_crisis]
    crisis_texts = {text for text, _ in crisis}
    near_misses = [normalise(e.text, text_speak) for e in examples if not e.is_crisis]
    ordinary = [normalise(text, text_speak) for text in other_texts]
    near_misses = [text for text in near_misses if text and text not in crisis_texts]
    ordinary = [text for text in ordinary if text and text not in crisis_texts]
    if not crisis or not (near_misses or ordinary):
        raise ValueError("training needs both crisis examples and ordinary messages")

    texts = [text for text, _ in crisis] + near_misses + ordinary
    labels = [category for _, category in crisis] + [NOT_CRISIS] * (len(near_misses) + len(ordinary))
    is_crisis = np.array([label != NOT_CRISIS for label in labels])
    # Near-misses teach the hard part (what is NOT a crisis though it sounds
    # like one), so each counts NEAR_MISS_WEIGHT times an ordinary message.
    # Then crisis and not-crisis are given equal total weight, so the many
    # ordinary messages do not drown out the crisis examples.
    weights = np.array([1.0] * len(crisis) + [NEAR_MISS_WEIGHT] * len(near_misses) + [1.0] * len(ordinary))
    weights[is_crisis] *= weights[~is_crisis].sum() / weights[is_crisis].sum()
    pipeline = _pipeline()
    pipeline.fit(texts, labels, classifier__sample_weight=weights)
    return CrisisModel(pipeline=pipeline, text_speak=text_speak)


def train_default() -> CrisisModel:
    """The model from the shipped files: train.yml plus the non-crisis NLU examples."""
    return train(load_examples(TRAIN_PATH), nlu_texts())


def _pipeline() -> Pipeline:
    """Word 1-2 grams for meaning, character 2-5 grams for typos and text-speak."""
    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                  token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=5000,
                                    random_state=RANDOM_STATE)
    return Pipeline([("features", features), ("classifier", classifier)])
