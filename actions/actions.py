"""The assistant's actions. Each one asks the api for the words to send.

The api knows the directory, the time, and the current wording; these actions
only pass on what the family asked about (entities and remembered slots) and
which channel they are on, so SMS gets the short text and web chat the longer.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.api_client import ApiUnavailable
from actions.common import channel_of, latest_entity, latest_intent

logger = logging.getLogger(__name__)

# Intents whose answer key is not the intent's own name.
ANSWER_KEY_FOR_INTENT = {
    "out_of_scope": "cannot_help",
    "nlu_fallback": "cannot_help",
    "affirm": "anything_else",
    "deny": "anything_else",
}


class ApiAnswerAction(Action, ABC):
    """An action whose words come from one api route. Abstract, so rasa-sdk
    registers only the concrete actions below."""

    route: str = ""
    fallback_response = "utter_assistant_unavailable"

    @abstractmethod
    def name(self) -> Text:
        ...

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {}

    def path(self, tracker: Tracker) -> str:
        return self.route

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # Whatever was offered before is no longer on the table: a later
        # "yes" must not start a handover the family was not just offered.
        events = [SlotSet("handover_offered", False)]
        try:
            texts = await common.API.texts(self.path(tracker), channel_of(tracker), **self.query(tracker))
        except ApiUnavailable:
            logger.error("%s fell back: the api gave no answer", self.name())
            dispatcher.utter_message(response=self.fallback_response)
            return events
        for text in texts:
            dispatcher.utter_message(text=text)
        return events


class ActionAnswer(ApiAnswerAction):
    """Answers a question whose answer is a piece of content, by intent.

    A message it could not really answer (out of scope, not understood, or
    understood with low confidence) is also reported to the api for the
    comms team's "what we could not answer" page, in the background: the
    family's answer never waits for it or depends on it."""

    UNANSWERED_REASONS = {"out_of_scope": "out_of_scope", "nlu_fallback": "fallback"}

    def name(self) -> Text:
        return "action_answer"

    def path(self, tracker: Tracker) -> str:
        intent = latest_intent(tracker) or "nlu_fallback"
        return f"answers/{ANSWER_KEY_FOR_INTENT.get(intent, intent)}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        report = self.unanswered_report(tracker)
        if report:
            common.API.report_in_background("unanswered", report)
        return events

    @classmethod
    def unanswered_report(cls, tracker: Tracker) -> Optional[Dict[str, Any]]:
        """The body for POST /internal/unanswered, or None for a message
        that was answered with confidence. For a fallback, `intent` is the
        assistant's best guess (the top intent it did not trust)."""
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = message.get("intent") or {}
        name, confidence = intent.get("name") or "nlu_fallback", float(intent.get("confidence") or 0.0)
        reason = cls.UNANSWERED_REASONS.get(name)
        # Below UNANSWERED_BELOW_CONFIDENCE an answer counts as a guess (Rasa's
        # FallbackClassifier in config.yml already makes anything under 0.5 a fallback).
        if reason is None and confidence >= common.API.settings.unanswered_below_confidence:
            return None
        if not text or text.startswith("/"):  # nothing typed, or a button's intent
            return None
        if name == "nlu_fallback":
            guess = next((i for i in message.get("intent_ranking") or [] if i.get("name") != "nlu_fallback"), {})
            name, confidence = guess.get("name") or "", float(guess.get("confidence") or 0.0)
        entities = [{"entity": e.get("entity"), "start": e.get("start"), "end": e.get("end")}
                    for e in message.get("entities") or [] if "start" in e and "end" in e]
        return {"conversation_id": tracker.sender_id, "channel": channel_of(tracker), "text": text,
                "intent": name, "confidence": round(confidence, 3), "reason": reason or "low_confidence",
                "entities": entities}


class ActionOpeningHours(ApiAnswerAction):
    route = "opening-hours"

    def name(self) -> Text:
        return "action_opening_hours"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"hub": latest_entity(tracker, "hub", "hub"), "day": latest_entity(tracker, "day")}


class ActionFindHub(ApiAnswerAction):
    route = "hubs/find"

    def name(self) -> Text:
        return "action_find_hub"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {
            "hub": latest_entity(tracker, "hub", "hub"),
            "postcode": latest_entity(tracker, "postcode", "postcode"),
        }


class ActionGettingThere(ActionFindHub):
    route = "hubs/getting-there"

    def name(self) -> Text:
        return "action_getting_there"


class ActionTalkToPerson(ApiAnswerAction):
    route = "talk-to-person"

    def name(self) -> Text:
        return "action_talk_to_person"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"hub": latest_entity(tracker, "hub", "hub")}


class ActionCrisisSupport(ApiAnswerAction):
    """Emergency signposting. If the api is down, the words in domain.yml
    still give 999 and the helplines: a family in crisis is never left
    with an error."""

    route = "crisis"
    fallback_response = "utter_crisis_offline"

    def name(self) -> Text:
        return "action_crisis_support"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"kind": latest_entity(tracker, "risk_kind") or "general"}
