"""The warm handover: offer, consent, a few questions, then a referral.

Only an explicit yes to the consent question creates a referral: the family
must say a clear yes (``data/yes_no_words.yml``) that the assistant also
understood as "affirm". Anything else ends kindly, with other options.
The api picks the named worker and says when they will be in touch.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers, common
from actions.api_client import ApiRefused, ApiUnavailable, message_texts
from actions.booking import cancel_latest_booking
from actions.common import answered, channel_of, language_of, latest_intent, not_clear, tries, yes_or_no_slot

logger = logging.getLogger(__name__)

FORM_SLOTS = (
    "consent", "family_words", "first_name", "contact_method", "use_this_number", "phone",
    "safe_to_contact", "contact_times", "needs", "handover_hub", "handover_topic", "unclear_tries",
)
# What the family told us before the offer is their story: we do not ask again.
STORY_INTENTS = {
    "send_support", "money_help", "housing_help", "low_mood", "crisis",
    "sleep", "crying_baby", "safer_sleep", "behaviour", "teenagers", "school_refusal", "separation",
    "food_help", "free_school_meals", "school_uniform", "childcare_costs", "benefits_and_debt",
    "ehcp", "waiting_for_assessment", "child_mental_health",
    "pregnancy", "perinatal_mental_health", "dads",
    "unwell_child", "young_carers", "bereavement", "parent_drinking_or_drugs", "work_and_training",
}
# What the family asked along the way that is not what they are worried
# about: the request's topic on the staff queue leaves these out.
NOT_TOPICS = {
    "greet", "thank", "goodbye", "bot_challenge", "affirm", "deny", "change_mind",
    "talk_to_person", "nlu_fallback", "out_of_scope", "choose_option", "find_hub", "opening_hours",
    "getting_there", "whats_on", "book_session", "my_bookings", "cancel_booking", "change_booking",
    "who_can_come", "privacy", "register_birth", "what_does_it_mean",
}
# How sure the classifier must be of a worry, beside "can I talk to someone",
# for it to be the request's topic ("can someone call me about money").
TOPIC_FROM_WORDS_CONFIDENCE = 0.2
MAX_WORDS_CHARS = 1000
# The consent answer after two unclear replies: nothing is shared, and it is
# not counted as a no either.
NOT_CLEAR = "not_clear"


def reset_form() -> List[Dict[str, Any]]:
    return [SlotSet(name, None) for name in FORM_SLOTS] + [
        SlotSet("handover_offered", False),
        SlotSet("consent_wording", None),
        SlotSet("consent_asked_at", None),
    ]


def offered_this_turn(tracker: Tracker) -> bool:
    """Whether an action since the family's last message already offered a person."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == "handover_offered" and event.get("value"):
            return True
    return False


class ActionOfferHandover(Action):
    def name(self) -> Text:
        return "action_offer_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("danger_asked"):
            return []  # "Is anyone in danger?" was just asked: its answer comes first
        if offered_this_turn(tracker):
            return []  # the answer before already offered a person
        if tracker.get_slot("referral_made"):
            dispatcher.utter_message(response="utter_already_handed_over")
            return []
        urgent = latest_intent(tracker) == "crisis" or bool(tracker.get_slot("handover_urgent"))
        dispatcher.utter_message(response="utter_offer_handover_urgent" if urgent else "utter_offer_handover")
        events: List[Dict[Text, Any]] = [SlotSet("handover_offered", True), SlotSet("handover_urgent", urgent),
                                         SlotSet("danger_asked", False)]
        topic = worry_beside_request(tracker)
        if topic:
            events.append(SlotSet("handover_topic", topic))
        if latest_intent(tracker) in STORY_INTENTS or topic:
            story = (tracker.latest_message.get("text") or "")[:MAX_WORDS_CHARS]
            told_before = tracker.get_slot("family_words")
            if told_before and story not in told_before:  # a crisis part way through the questions
                story = f"{told_before} {story}"[:MAX_WORDS_CHARS]
            events.append(SlotSet("family_words", story))
        if tracker.get_slot("hub"):
            events.append(SlotSet("handover_hub", tracker.get_slot("hub")))
        return events


class ActionAskConsent(Action):
    """Asks for consent and keeps the exact words shown, and when.

    The words are the api's (comms can change them), fetched here and sent
    as they are, so the wording kept with the referral is what the family
    read. If the api cannot give them, no wording is kept, and so no answer
    can count as consent (validate_consent)."""

    def name(self) -> Text:
        return "action_ask_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            body = await common.API.call("GET", "answers/utter_ask_consent",
                                         params={"channel": channel_of(tracker)})
            question = body["messages"][0]
            wording = " ".join(question["text"].split())
        except (ApiUnavailable, KeyError, IndexError, TypeError, AttributeError):
            logger.error("the consent question could not be fetched; nothing can be shared this time")
            dispatcher.utter_message(response="utter_handover_failed")
            return [SlotSet("consent_wording", None), SlotSet("consent_asked_at", None)]
        dispatcher.utter_message(text=question["text"], buttons=question.get("buttons") or [])
        return [
            SlotSet("consent_wording", wording),
            SlotSet("consent_asked_at", datetime.now(timezone.utc).isoformat()),
        ]


class ValidateHandoverForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handover_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("consent") in ("no", NOT_CLEAR):
            return []  # no consent: no more questions; the submit action ends kindly
        wanted = [slot for slot in domain_slots if slot not in ("use_this_number", "phone")]
        at = wanted.index("safe_to_contact") if "safe_to_contact" in wanted else len(wanted)
        # On SMS the family's number is known to the api: ask whether to use it.
        if channel_of(tracker) == "sms":
            numbers = ["use_this_number"] + (["phone"] if tracker.get_slot("use_this_number") == "no" else [])
        else:
            numbers = ["phone"]
        return wanted[:at] + numbers + wanted[at:]

    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Only a clear yes, understood as "affirm", to wording the family was
        shown is consent. A clear no is a no. Anything else ("i asked for a
        person", "what do you mean") is asked again, never taken as a no;
        after two unclear answers nothing is shared and the family is told
        how to come back to it (NOT_CLEAR)."""
        said = answers.yes_or_no(str(value or ""))
        if said is True and latest_intent(tracker) == "affirm" and tracker.get_slot("consent_wording"):
            return answered("consent", "yes", tracker)
        if said is False or (said is None and latest_intent(tracker) == "deny"
                             and not answers.unsure(str(value or ""))):
            return answered("consent", "no", tracker)
        if tries(tracker, "consent") + 1 >= 2:
            return answered("consent", NOT_CLEAR, tracker)
        return not_clear("consent", "utter_consent_unclear", dispatcher, tracker)

    def validate_family_words(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        words = " ".join(str(value or "").split())[:MAX_WORDS_CHARS]
        return {"family_words": words or None}

    def validate_first_name(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = answers.first_name(str(value or ""))
        if name is None:  # "yes", "this one": plainly not a name
            return not_clear("first_name", "utter_name_unclear", dispatcher, tracker)
        return answered("first_name", name, tracker)

    def validate_contact_method(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        method = answers.text_or_call(str(value or ""))
        if method is None:
            return not_clear("contact_method", "utter_contact_method_unclear", dispatcher, tracker)
        return answered("contact_method", method, tracker)

    def validate_use_this_number(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if answers.means_this_number(str(value or "")):
            return answered("use_this_number", "yes", tracker)
        phone = answers.uk_phone(str(value or ""))
        if phone:  # they sent the number to use instead
            return answered("use_this_number", "no", tracker, phone=phone)
        return yes_or_no_slot("use_this_number", value, dispatcher, tracker)

    def validate_phone(self, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if channel_of(tracker) == "sms" and answers.means_this_number(str(value or "")):
            return answered("phone", None, tracker, use_this_number="yes")
        phone = answers.uk_phone(str(value or ""))
        if phone is None:
            return not_clear("phone", "utter_phone_invalid", dispatcher, tracker)
        return answered("phone", phone, tracker)

    def validate_safe_to_contact(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no_slot("safe_to_contact", value, dispatcher, tracker)

    def validate_contact_times(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"contact_times": " ".join(str(value or "").split())[:200] or None}

    def validate_needs(self, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())[:200]
        if answers.yes_or_no(text) is False or latest_intent(tracker) == "deny":
            return {"needs": "none"}
        return {"needs": text or None}

    async def validate_handover_hub(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        try:
            found = await common.API.call("POST", "hubs/resolve",
                                          json={"text": str(value or ""), "channel": channel_of(tracker)})
        except ApiRefused as refused:
            for text in message_texts(refused.body):
                dispatcher.utter_message(text=text)
            return {"handover_hub": None}
        except ApiUnavailable:
            return {"handover_hub": str(value)}  # the api checks it again when the referral is made
        return {"handover_hub": found["name"]}


class ActionSubmitHandover(Action):
    def name(self) -> Text:
        return "action_submit_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("consent") == NOT_CLEAR:
            dispatcher.utter_message(response="utter_consent_still_not_clear")
            return reset_form()
        if tracker.get_slot("consent") != "yes":
            dispatcher.utter_message(response="utter_handover_declined")
            return reset_form()
        request = referral_request(tracker)
        try:
            body = await common.API.call("POST", "referrals", json=request,
                                  headers={"Idempotency-Key": idempotency_key(tracker)})
        except ApiUnavailable:
            logger.error("the referral could not be made; the family was told to call")
            dispatcher.utter_message(response="utter_handover_failed")
            return reset_form()
        for text in message_texts(body):
            dispatcher.utter_message(text=text)
        return reset_form() + [SlotSet("referral_made", True), SlotSet("handover_urgent", False),
                               SlotSet("crisis_active", False)]


class ActionStopHandover(Action):
    def name(self) -> Text:
        return "action_stop_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_handover_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset_form()


class ActionWithdrawReferral(Action):
    """The family changed their mind after the handover ("actually, don't")."""

    def name(self) -> Text:
        return "action_withdraw_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("booking_ref") and not tracker.get_slot("referral_made"):
            # "Actually, cancel that" just after booking a place means the booking.
            return await cancel_latest_booking(dispatcher, tracker)
        try:
            body = await common.API.call("POST", "referrals/withdraw", json={
                "conversation_id": tracker.sender_id, "reason": "The family changed their mind.",
                "channel": channel_of(tracker)})
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_handover_failed")
            return []
        for text in message_texts(body):
            dispatcher.utter_message(text=text)
        return [SlotSet("referral_made", False)] + reset_form()


def worry_beside_request(tracker: Tracker) -> Optional[str]:
    """"can someone call me about my son's behaviour" is understood as asking
    for a person; the worry beside it is the classifier's best-placed worry,
    if it is sure enough of it."""
    if latest_intent(tracker) != "talk_to_person":
        return None
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        if ranked.get("name") in STORY_INTENTS and float(ranked.get("confidence") or 0) >= TOPIC_FROM_WORDS_CONFIDENCE:
            return ranked["name"]
    return None


def idempotency_key(tracker: Tracker) -> str:
    """The same for every retry of this one handover, different for the next."""
    seed = f"{tracker.sender_id}|{tracker.get_slot('consent_asked_at')}"
    return hashlib.sha256(seed.encode()).hexdigest()


def referral_request(tracker: Tracker) -> Dict[str, Any]:
    slot = tracker.get_slot
    safe = slot("safe_to_contact") == "yes"
    return {
        "conversation_id": tracker.sender_id,
        "channel": channel_of(tracker),
        "consent": {"wording": slot("consent_wording"), "answer": "yes", "at": slot("consent_asked_at")},
        "family_words": slot("family_words"),
        "first_name": slot("first_name"),
        "contact": {
            "method": slot("contact_method"),
            "phone": slot("phone"),
            "use_sender_number": slot("use_this_number") == "yes" and channel_of(tracker) == "sms",
            "times": slot("contact_times"),
            "safe_to_text": safe,
            "safe_to_leave_message": safe,
            "needs": None if slot("needs") == "none" else slot("needs"),
            "said_with_number": said_with_number(tracker),
        },
        "hub": slot("handover_hub"),
        "topics": topics(tracker),
        "urgent": bool(slot("handover_urgent")),
        "transcript": transcript(tracker),
        "language": language_of(tracker),
    }


def said_with_number(tracker: Tracker) -> str:
    """The family's whole message that gave their number, when it said more
    ("07700 900123 dont text it"): the api keeps the condition for the worker."""
    digits = "".join(ch for ch in str(tracker.get_slot("phone") or "") if ch.isdigit())[1:]
    for event in reversed(tracker.events):
        text = event.get("text") or "" if event.get("event") == "user" else ""
        if digits and digits in "".join(ch for ch in text if ch.isdigit()):
            return text[:300] if text.strip() != str(tracker.get_slot("phone")) else ""
    return ""


def topics(tracker: Tracker) -> List[str]:
    """What the family is worried about, in the order they said it: the
    worries their messages were understood as, and the one beside their
    request for a person."""
    told = tracker.get_slot("handover_topic")
    seen: List[str] = [told] if told else []
    for event in tracker.events:
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name and name not in NOT_TOPICS and name not in seen:
                seen.append(name)
    return seen


def transcript(tracker: Tracker) -> List[Dict[str, Any]]:
    """The conversation so far, so the worker reads the family's story once."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = datetime.fromtimestamp(event.get("timestamp") or 0, timezone.utc).isoformat()
            lines.append({"from": "family" if event["event"] == "user" else "assistant",
                          "text": event["text"], "at": at})
    return lines
