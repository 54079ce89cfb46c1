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
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common, family_words
from actions.api_client import ApiUnavailable
from actions.common import channel_of, language_of, latest_entity, latest_intent
from actions.handover import STORY_INTENTS

logger = logging.getLogger(__name__)

# Intents whose answer key is not the intent's own name.
ANSWER_KEY_FOR_INTENT = {
    "out_of_scope": "cannot_help",
    "nlu_fallback": "cannot_help",
    "affirm": "anything_else",
    "deny": "anything_else",
}
NOT_UNDERSTOOD = ("out_of_scope", "nlu_fallback")


class ApiAnswerAction(Action, ABC):
    """An action whose words come from one api route. Abstract, so rasa-sdk
    registers only the concrete actions below."""

    route: str = ""
    # Whether `query` carries the family's words (entity text): then they go
    # in a POST body, never a query string (it ends up in access logs).
    words_in_body = False
    fallback_response = "utter_assistant_unavailable"
    # After a crisis every answer ends with the urgent offer of a person,
    # until the family takes it up or says no (see ActionCrisisSupport).
    offers_person_after_crisis = True

    @abstractmethod
    def name(self) -> Text:
        ...

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {}

    def path(self, tracker: Tracker) -> str:
        return self.route

    def avoids_repeats(self, tracker: Tracker) -> bool:
        """Sending the same answer twice in a row helps nobody: the second
        time the family hears that a person may help more (said_just_before)."""
        return True

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # Whatever was offered or asked before is no longer on the table: a
        # later "yes" must not start a handover the family was not just offered.
        events = [SlotSet("handover_offered", False), SlotSet("danger_asked", False),
                  SlotSet("delete_asked", False)]
        texts = await self.texts(dispatcher, tracker, self.path(tracker))
        repeated = bool(texts) and self.avoids_repeats(tracker) and said_just_before(tracker, texts[0])
        if repeated:
            texts = await self.texts(dispatcher, tracker, "answers/answer_given_already")
        for text in texts:
            dispatcher.utter_message(text=text)
        again = self.offers_person_again(tracker)
        if self.offers_person_after_crisis and in_crisis(tracker):
            dispatcher.utter_message(response="utter_offer_handover_urgent")
            events.append(SlotSet("handover_offered", True))
        elif (repeated or again) and not tracker.get_slot("referral_made"):
            urgent = again and bool(tracker.get_slot("handover_urgent"))
            dispatcher.utter_message(response="utter_offer_handover_urgent" if urgent else "utter_offer_handover")
            events.append(SlotSet("handover_offered", True))
        return events

    def offers_person_again(self, tracker: Tracker) -> bool:
        """Whether this answer ends by offering a person (again) itself."""
        return False

    async def texts(self, dispatcher: CollectingDispatcher, tracker: Tracker, path: str) -> List[str]:
        own = path == self.path(tracker)  # not "answers/answer_given_already"
        query = self.query(tracker) if own else {}
        try:
            if own and self.words_in_body:
                return await common.API.posted_texts(path, channel_of(tracker), **query)
            # Answers and crisis words come in the family's language where comms have them.
            language = language_of(tracker)
            return await common.API.texts(path, channel_of(tracker),
                                          **{**query, "language": None if language == "en" else language})
        except ApiUnavailable:
            logger.error("%s fell back: the api gave no answer", self.name())
            dispatcher.utter_message(response=self.fallback_response)
            return []


def said_just_before(tracker: Tracker, text: str) -> bool:
    """Whether the assistant's reply to the family's previous message was this text."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and event.get("event") == "bot" and event.get("text") == text:
            return True
    return False


def previous_intent(tracker: Tracker) -> Optional[str]:
    """What the family's message before this one was understood as."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")


def in_crisis(tracker: Tracker) -> bool:
    """A crisis was raised in this conversation and no request has been made since."""
    return bool(tracker.get_slot("crisis_active")) and not tracker.get_slot("referral_made")


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
        return f"answers/{self.answer_key(tracker)}"

    def avoids_repeats(self, tracker: Tracker) -> bool:
        return latest_intent(tracker) not in NOT_UNDERSTOOD  # those have their own second words

    def offers_person_again(self, tracker: Tracker) -> bool:
        # Not understood with a person on offer, or twice in a row: the offer (again).
        return self.answer_key(tracker) in ("offer_not_understood", "not_understood_twice")

    @staticmethod
    def answer_key(tracker: Tracker) -> str:
        intent = latest_intent(tracker) or "nlu_fallback"
        text = tracker.latest_message.get("text") or ""
        if intent in NOT_UNDERSTOOD and in_crisis(tracker):
            # Read as part of the crisis, never "sorry, I can't help with that".
            return "crisis_still_here"
        if intent in STORY_INTENTS and family_words.asks_for_a_person(text):
            return "person_about_topic"  # the offer of a person follows at once (rules.yml)
        if intent == "privacy" and family_words.asks_to_delete(text):
            return "delete_my_data_check"  # a yes then erases (rules.yml, actions/privacy.py)
        if intent in NOT_UNDERSTOOD and tracker.get_slot("handover_offered"):
            return "offer_not_understood"  # the offer stays open: run() asks again
        if intent in NOT_UNDERSTOOD and family_words.sounds_upset(text):
            return "cannot_help_upset"  # never a bare "sorry, I can't help with that"
        if intent in NOT_UNDERSTOOD and previous_intent(tracker) in NOT_UNDERSTOOD:
            return "not_understood_twice"  # never a third "sorry" in the same words
        return ANSWER_KEY_FOR_INTENT.get(intent, intent)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if self.answer_key(tracker) == "delete_my_data_check":
            events.append(SlotSet("delete_asked", True))
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
    words_in_body = True

    def name(self) -> Text:
        return "action_opening_hours"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"hub": latest_entity(tracker, "hub", "hub"), "day": latest_entity(tracker, "day")}


class ActionFindHub(ApiAnswerAction):
    route = "hubs/find"
    words_in_body = True

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


class ActionExplainTerm(ApiAnswerAction):
    """What a word hubs, schools or health use means ("what does EHCP
    mean"): the api finds the word in the message (data/glossary.yml)."""

    route = "glossary"
    words_in_body = True

    def name(self) -> Text:
        return "action_explain_term"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"text": tracker.latest_message.get("text") or ""}


class ActionTalkToPerson(ApiAnswerAction):
    """Other ways to reach a person, when the family said no to the offer.
    That "no" is respected: after a crisis the offer is not pressed again."""

    route = "talk-to-person"
    words_in_body = True
    offers_person_after_crisis = False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await super().run(dispatcher, tracker, domain) + [SlotSet("crisis_active", False)]

    def name(self) -> Text:
        return "action_talk_to_person"

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"hub": latest_entity(tracker, "hub", "hub")}


class ActionCrisisSupport(ApiAnswerAction):
    """Emergency signposting. If the api is down, the words in domain.yml
    still give 999 and the helplines: a family in crisis is never left
    with an error.

    A crisis ends any questions in progress (the answers so far are kept, so
    a handover can carry on from them), makes any request urgent, and keeps
    the urgent offer of a person on every reply until it is taken up or
    refused. When the check was unsure (kind ``check_in``) it asks gently
    whether anyone is in danger; a "yes" to that is a crisis (rules.yml)."""

    route = "crisis"
    fallback_response = "utter_crisis_offline"
    offers_person_after_crisis = False  # the rules offer a person next

    def name(self) -> Text:
        return "action_crisis_support"

    def avoids_repeats(self, tracker: Tracker) -> bool:
        return False  # the crisis numbers are given every time

    def query(self, tracker: Tracker) -> Dict[str, Optional[str]]:
        return {"kind": self.kind(tracker)}

    @staticmethod
    def kind(tracker: Tracker) -> str:
        if latest_intent(tracker) != "crisis":  # "yes" to "is anyone in danger?"
            return "general"
        return next(tracker.get_latest_entity_values("risk_kind"), None) or "general"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        if self.kind(tracker) == CHECK_IN:
            events.append(SlotSet("danger_asked", True))
        else:
            events += [SlotSet("crisis_active", True), SlotSet("handover_urgent", True)]
            # A request already made for this family becomes urgent (the api
            # finds it, if there is one); the family's reply never waits for this.
            common.API.report_in_background("referrals/urgent", {"conversation_id": tracker.sender_id,
                                                                 "channel": channel_of(tracker)})
        # Always, so the rules can say the same whether questions were under way or not.
        return events + [ActiveLoop(None), SlotSet("requested_slot", None)]


CHECK_IN = "check_in"
