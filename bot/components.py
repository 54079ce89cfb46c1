"""Custom Rasa NLU components.

RiskCheck runs on every message, after the intent classifier, whatever form
or task is under way: a message that the safety rules (``bot/risk.py``, phrases in
``data/safety/risk_phrases.yml``) find risky becomes the ``crisis`` intent,
with a ``risk_kind`` entity that picks the right helplines.

The rules alone decide. The classifier also learns what a crisis sounds
like, but on its own it is not trusted either way: measured on the held-out
examples, it was sure (confidence 1.0) that "is it going to be sunny" was a
crisis, while every real crisis there was caught by the rules. So when only
the classifier says "crisis", its next guess is used instead. A phrase the
rules miss is fixed in the rules, with an example, where a safeguarding lead
can review it.

It runs before FallbackClassifier, so a crisis is never swallowed by the
fallback, and a doubtful guess it has demoted can still fall back.

ChangeMindCheck does the same for ``change_mind``, which stops the handover
and booking questions: it only stands when the message has a word that
takes something back (``data/change_mind_words.yml``). Measured: the
classifier called the one-word answer "call" (to "text or a phone call?")
change_mind, which stopped a family's handover halfway.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

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

from bot import risk

CRISIS_INTENT = "crisis"
RISK_ENTITY = "risk_kind"
CHANGE_MIND_INTENT = "change_mind"
CHANGE_MIND_WORDS = Path(__file__).resolve().parent.parent / "data" / "change_mind_words.yml"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class RiskCheck(GraphComponent):
    """Forces the ``crisis`` intent for any message the safety rules find risky."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RiskCheck":
        return cls(config)

    def __init__(self, config: Dict[str, Any]) -> None:
        self._rules = risk.load_rules()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = risk.assess(message.get(TEXT) or "", self._rules)
            intent = message.get(INTENT) or {}
            if found:
                _mark_as_crisis(message, found.kind)
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


def words_pattern(words: List[str]) -> re.Pattern:
    """One pattern for any of `words` as whole words (made once, not per message)."""
    return re.compile("|".join(rf"(?<![\w']){re.escape(word.lower())}(?![\w'])" for word in words))


def takes_something_back(text: str, pattern: re.Pattern) -> bool:
    plain = " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower()).split())
    return pattern.search(plain) is not None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class ChangeMindCheck(GraphComponent):
    """Keeps ``change_mind`` only for messages that take something back."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ChangeMindCheck":
        return cls(config)

    def __init__(self, config: Dict[str, Any]) -> None:
        self._pattern = words_pattern(
            [str(w) for w in yaml.safe_load(CHANGE_MIND_WORDS.read_text(encoding="utf-8"))["words"]])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == CHANGE_MIND_INTENT and not takes_something_back(
                message.get(TEXT) or "", self._pattern
            ):
                _use_next_guess(message, CHANGE_MIND_INTENT)
        return messages
