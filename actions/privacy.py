""""Delete my data": the family is asked to confirm, and a clear yes asks
the api to erase their conversation data (api/privacy/). The api says what
was deleted, and what was kept and why (an open request, a booking still to
come, a STOP); the words are answers comms edit (data/content/privacy.yml).
Rules in data/rules.yml: a yes or no counts only straight after the check
(the `delete_asked` slot)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.actions import ApiAnswerAction
from actions.api_client import ApiUnavailable, message_texts
from actions.common import channel_of

logger = logging.getLogger(__name__)


class ActionAskDeleteMyData(ApiAnswerAction):
    route = "answers/delete_my_data_check"
    offers_person_after_crisis = False

    def name(self) -> Text:
        return "action_ask_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return await super().run(dispatcher, tracker, domain) + [SlotSet("delete_asked", True)]


class ActionKeepMyData(ApiAnswerAction):
    route = "answers/delete_my_data_no"

    def name(self) -> Text:
        return "action_keep_my_data"


class ActionDeleteMyData(Action):
    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        channel = channel_of(tracker)
        try:
            body = await common.API.call("POST", "privacy/delete-my-data",
                                         json={"conversation_id": tracker.sender_id, "channel": channel})
            texts = message_texts(body)
        except ApiUnavailable:
            logger.error("action_delete_my_data: the api could not erase")
            try:
                texts = await common.API.texts("answers/delete_my_data_failed", channel)
            except ApiUnavailable:
                texts = []
            if not texts:
                dispatcher.utter_message(response="utter_assistant_unavailable")
        for text in texts:
            dispatcher.utter_message(text=text)
        return [SlotSet("delete_asked", False), SlotSet("handover_offered", False)]
