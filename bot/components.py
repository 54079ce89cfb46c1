"""Custom Rasa NLU components.

RiskCheck runs on every message, after the intent classifier, whatever form
or task is under way. Two checks, built for recall, decide what is a crisis:

- the safety rules (``bot/risk.py``, phrases in ``data/safety/risk_phrases.yml``),
  which a safeguarding lead can read and which run in time linear in the
  message (RE2);
- a crisis classifier of its own (``bot/crisis_model.py``), trained with the
  Rasa model on the labelled crisis set (``data/safety/crisis_examples/``)
  against every ordinary training example. Its thresholds
  (``data/safety/crisis_model.yml``) were chosen on the held-out part.

A message either check finds risky becomes the ``crisis`` intent with a
``risk_kind`` entity that picks the right helplines. A message the classifier
is unsure about becomes ``crisis`` with the kind ``check_in``: the assistant
asks gently whether anyone is in danger instead of answering a topic.

The general intent classifier (DIET) is not trusted to call a crisis on its
own: measured on the held-out examples, it was sure (confidence 1.0) that "is
it going to be sunny" was a crisis. So when only DIET says "crisis", its
next guess is used instead.

It runs before FallbackClassifier, so a crisis is never swallowed by the
fallback, and a doubtful guess it has demoted can still fall back.

UntrainedLanguageCheck: the intent classifier learnt English only, so its
guess at a message the api found written in another language (the
message's metadata ``written_in``, api/languages/) is a wild one: measured,
"czy są zajęcia dla niemowląt w sobotę" (any baby classes on Saturday?)
was SEND support, and "am nevoie de ajutor cu mâncare" (I need help with
food) was "are you a robot". Such a message becomes ``nlu_fallback``, whose
answer, in the family's language, says plainly what the assistant cannot do
yet in it and how to reach a person with an interpreter. A crisis stays a
crisis: the rules read every language.

ChangeMindCheck does the same for ``change_mind``, which stops the handover
and booking questions: it only stands when the message has a word that
takes something back (``data/change_mind_words.yml``). Measured: the
classifier called the one-word answer "call" (to "text or a phone call?")
change_mind, which stopped a family's handover halfway.
"""
from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import crisis_model, risk

CRISIS_INTENT = "crisis"
RISK_ENTITY = "risk_kind"
CHANGE_MIND_INTENT = "change_mind"
NLU_FALLBACK_INTENT = "nlu_fallback"
CHECK_IN_KIND = "check_in"
GENERAL_KIND = "general"
REPO_ROOT = Path(__file__).resolve().parent.parent
CHANGE_MIND_WORDS = REPO_ROOT / "data" / "change_mind_words.yml"
MODEL_FILE = "crisis_model.pkl"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class RiskCheck(GraphComponent):
    """Forces the ``crisis`` intent for any message the rules or the crisis classifier find risky."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RiskCheck":
        return cls(config, model_storage=model_storage, resource=resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "RiskCheck":
        with model_storage.read_from(resource) as directory:
            model = pickle.loads((directory / MODEL_FILE).read_bytes())
        return cls(config, model=model, model_storage=model_storage, resource=resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Train again when the labelled crisis set or the classifier's code changes."""
        digest = hashlib.sha256()
        for path in (crisis_model.TRAIN_PATH, Path(crisis_model.__file__)):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: Dict[str, Any], model: Optional[Any] = None,
                 model_storage: Optional[ModelStorage] = None, resource: Optional[Resource] = None) -> None:
        """Without a trained model (a bare ``RiskCheck({})``), the rules alone decide."""
        self._rules = risk.load_every_language()
        self._model = model
        self._model_storage = model_storage
        self._resource = resource
        self._thresholds = crisis_model.load_thresholds()

    def train(self, training_data: TrainingData) -> Resource:
        ordinary = [example.get(TEXT) for example in training_data.intent_examples
                    if example.get(INTENT) != CRISIS_INTENT and example.get(TEXT)]
        self._model = crisis_model.train(crisis_model.load_examples(crisis_model.TRAIN_PATH), ordinary)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def kind_of_risk(self, text: str) -> Optional[str]:
        """The kind of crisis in ``text``, ``check_in`` when unsure, or None."""
        found = risk.assess(text, self._rules)
        if self._model is None:
            return found.kind if found else None
        probability, kind = self._model.score(text)
        decision = self._thresholds.decide(probability)
        if found:
            # The rules and a sure classifier disagree on the kind: the
            # general answer gives every helpline rather than the wrong one.
            disagree = decision == "crisis" and kind not in (found.kind, GENERAL_KIND)
            return GENERAL_KIND if disagree else found.kind
        if decision == "crisis":
            return kind or GENERAL_KIND
        return CHECK_IN_KIND if decision == "unsure" else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            kind = self.kind_of_risk(message.get(TEXT) or "")
            intent = message.get(INTENT) or {}
            if kind:
                _mark_as_crisis(message, kind)
            elif intent.get(INTENT_NAME_KEY) == CRISIS_INTENT:
                _use_next_guess(message)
        return messages


def _mark_as_crisis(message: Message, kind: str) -> None:
    crisis = {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, crisis, add_to_output=True)
    # Crisis alone in the ranking: the fallback's "too close to call" check
    # must never turn a crisis into "sorry, I didn't understand".
    message.set(INTENT_RANKING_KEY, [crisis], add_to_output=True)
    entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != RISK_ENTITY]
    text = message.get(TEXT) or ""
    entities.append(
        {"entity": RISK_ENTITY, "value": kind, "start": 0, "end": len(text), "extractor": "RiskCheck"}
    )
    message.set(ENTITIES, entities, add_to_output=True)


def _use_next_guess(message: Message, doubted: str = CRISIS_INTENT) -> None:
    ranking = [
        item
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) != doubted
    ]
    if ranking:
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


class _CheckAfterClassifier(GraphComponent):
    """A check of the classifier's answer: nothing to train, made from its config."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_CheckAfterClassifier":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class UntrainedLanguageCheck(_CheckAfterClassifier):
    """``nlu_fallback`` for a message written in a language the classifier was not trained on."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"trained": ["en"]}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._trained = set(config.get("trained") or ["en"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            written_in = (message.get("metadata") or {}).get("written_in")
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if written_in and written_in not in self._trained and intent != CRISIS_INTENT:
                fallback = {INTENT_NAME_KEY: NLU_FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                # The classifier's own guesses stay behind it, for the "what
                # we could not answer" page.
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback] + [
                    item for item in message.get(INTENT_RANKING_KEY) or []
                    if item.get(INTENT_NAME_KEY) != NLU_FALLBACK_INTENT], add_to_output=True)
        return messages


def words_pattern(words: List[str]) -> re.Pattern:
    """One pattern for any of `words` as whole words (made once, not per message)."""
    return re.compile("|".join(rf"(?<![\w']){re.escape(word.lower())}(?![\w'])" for word in words))


def takes_something_back(text: str, pattern: re.Pattern) -> bool:
    plain = " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower()).split())
    return pattern.search(plain) is not None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ChangeMindCheck(_CheckAfterClassifier):
    """Keeps ``change_mind`` only for messages that take something back."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self._pattern = words_pattern(
            [str(w) for w in yaml.safe_load(CHANGE_MIND_WORDS.read_text(encoding="utf-8"))["words"]])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == CHANGE_MIND_INTENT and not takes_something_back(
                message.get(TEXT) or "", self._pattern
            ):
                _use_next_guess(message, CHANGE_MIND_INTENT)
        return messages
