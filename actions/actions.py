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
    """Answers a question whose answer is a piece of content, by intent."""

    def name(self) -> Text:
        return "action_answer"

    def path(self, tracker: Tracker) -> str:
        intent = latest_intent(tracker) or "nlu_fallback"
        return f"answers/{ANSWER_KEY_FOR_INTENT.get(intent, intent)}"


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


class ActionWhatsOn(ApiAnswerAction):
    route = "sessions"

    def name(self) -> Text:
        return "action_whats_on"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {
            "day": latest_entity(tracker, "day"),
            "hub": latest_entity(tracker, "hub", "hub"),
            "kind": latest_entity(tracker, "session_kind"),
            "age": latest_entity(tracker, "age"),
        }


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
