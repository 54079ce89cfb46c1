"""Booking a place at a drop-in session, and changing or cancelling it.

The api owns sessions, places and words (docs/contracts.md, "Drop-in
booking"); these actions keep track of where the family is:

- a numbered list was shown (`choice_for` says what it was for, and
  `choice_options` what each number stands for), so "2" can be understood;
- `booking_form` asks only what this session needs, and only once;
- `action_submit_booking` books on a clear "yes", with one idempotency key
  per attempt, so a retry or a second "yes" never makes two bookings.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers, common
from actions.api_client import ApiRefused, ApiUnavailable, message_texts
from actions.common import (STILL_NOT_CLEAR_AFTER, TRIES_SLOT, answered, channel_of, latest_entity, not_clear,
                            tries, yes_or_no_slot)

logger = logging.getLogger(__name__)

DETAIL_SLOTS = (
    "booking_occurrence", "booking_label", "booking_asks_children", "booking_ages_needed",
    "booking_attempt", "booking_children", "booking_child_count", "booking_child_ages",
    "booking_adults", "booking_use_number", "booking_phone", "booking_confirm", TRIES_SLOT,
)


def say(dispatcher: CollectingDispatcher, body: Dict[str, Any], choices: List[Any] = ()) -> None:
    """Pass on the api's words. A numbered list also gets quick replies
    (shown as buttons on web chat; typing the number works the same)."""
    texts = message_texts(body)
    for index, text in enumerate(texts):
        if choices and index == len(texts) - 1:
            dispatcher.utter_message(text=text, buttons=quick_replies(choices))
        else:
            dispatcher.utter_message(text=text)


def quick_replies(choices: List[Any]) -> List[Dict[str, str]]:
    return [{"title": str(choice.get("label") or number) if isinstance(choice, dict) else str(number),
             "payload": str(number)} for number, choice in enumerate(choices, start=1)]


def offer_choice(purpose: str, options: List[Dict[str, Any]]) -> List[Dict[Text, Any]]:
    """Remember a numbered list the family has just been shown."""
    ids = [option["id"] if isinstance(option, dict) else option for option in options]
    return [SlotSet("choice_for", purpose if ids else None), SlotSet("choice_options", ids or None)]


def forget_details() -> List[Dict[Text, Any]]:
    return [SlotSet(name, None) for name in DETAIL_SLOTS] + [SlotSet("booking_details_needed", None)]


def refused_or_unavailable(dispatcher: CollectingDispatcher, error: ApiUnavailable) -> None:
    """Pass on the api's words when it refused; otherwise say sorry plainly."""
    if isinstance(error, ApiRefused) and message_texts(error.body):
        say(dispatcher, error.body)
    else:
        dispatcher.utter_message(response="utter_booking_failed")


class ActionOfferSessions(Action):
    """What's on, as a numbered list the family can book from."""

    def name(self) -> Text:
        return "action_offer_sessions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        query = {
            "channel": channel_of(tracker),
            "day": latest_entity(tracker, "day"),
            "hub": latest_entity(tracker, "hub", "hub"),
            "kind": latest_entity(tracker, "session_kind"),
            "age": latest_entity(tracker, "age"),
            "postcode": latest_entity(tracker, "postcode", "postcode"),
        }
        try:  # the family's words in the body, never the query string (access logs)
            body = await common.API.call("POST", "bookings/options",
                                         json={k: v for k, v in query.items() if v})
        except ApiUnavailable as error:
            refused_or_unavailable(dispatcher, error)
            return [SlotSet("handover_offered", False)]
        say(dispatcher, body, body.get("options") or [])
        return [SlotSet("handover_offered", False)] + offer_choice("book", body.get("options") or [])


class ActionChooseOption(Action):
    """The family replied with a number (or "the second one") to a list."""

    def name(self) -> Text:
        return "action_choose_option"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        options = tracker.get_slot("choice_options") or []
        purpose = tracker.get_slot("choice_for")
        events: List[Dict[Text, Any]] = [SlotSet("booking_details_needed", False)]
        if not options or not purpose:
            dispatcher.utter_message(response="utter_nothing_to_choose")
            return events
        number = answers.option_number(tracker.latest_message.get("text") or "", len(options))
        if number is None:
            dispatcher.utter_message(response="utter_choice_unclear")
            return events
        chosen = options[number - 1]
        try:
            if purpose == "book":
                return await self._book(dispatcher, tracker, chosen)
            if purpose == "cancel":
                return events + await cancel(dispatcher, tracker, chosen)
            if purpose == "change":
                return events + await offer_dates(dispatcher, tracker, chosen)
            if purpose == "move":
                return events + await move(dispatcher, tracker, chosen)
        except ApiUnavailable as error:
            refused_or_unavailable(dispatcher, error)
        return events

    async def _book(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    chosen: str) -> List[Dict[Text, Any]]:
        waiting_list = chosen.startswith("wait:")
        needs = await common.API.call("GET", "bookings/needs", params={
            "occurrence": chosen.removeprefix("wait:"), "channel": channel_of(tracker)})
        if not waiting_list:  # for the waiting list, "it is full" was just said
            say(dispatcher, needs, needs.get("options") or [])
        if not waiting_list and (needs.get("full") or not needs.get("booking_required")):
            # Full: the words list other dates (and the waiting list), which
            # the next number picks from. No booking needed: when to come.
            return [SlotSet("booking_details_needed", False)] + offer_choice("book", needs.get("options") or [])
        return forget_details() + [
            SlotSet("choice_for", None), SlotSet("choice_options", None),
            SlotSet("booking_occurrence", chosen),
            SlotSet("booking_label", needs.get("label") or ""),
            SlotSet("booking_asks_children", bool(needs.get("asks_children", True))),
            SlotSet("booking_ages_needed", bool(needs.get("ages_needed"))),
            SlotSet("booking_attempt", uuid.uuid4().hex),
            SlotSet("booking_details_needed", True),
        ]


class ValidateBookingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        wanted = ["first_name"]
        if tracker.get_slot("booking_asks_children") is not False:
            wanted.append("booking_children")
        wanted.append("booking_adults")
        if channel_of(tracker) == "sms":
            wanted.append("booking_use_number")
            if tracker.get_slot("booking_use_number") == "no":
                wanted.append("booking_phone")
        else:
            wanted.append("booking_phone")
        wanted.append("booking_confirm")
        return wanted

    def validate_first_name(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = answers.first_name(str(value or ""))
        if name is None:  # "yes", "this one": plainly not a name
            return not_clear("first_name", "utter_name_unclear", dispatcher, tracker)
        return answered("first_name", name, tracker)

    async def validate_booking_children(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """How many children and, for a session with an age range, their ages.
        What was understood is kept: "2" keeps the 2 and asks only for the
        ages ("And how old are they?"), and the ages then fill it in."""
        count, ages = answers.party_of_children(str(value or ""))
        known_count = tracker.get_slot("booking_child_count")
        said = " ".join(str(value or "").split())[:80]
        gave_both = count is not None and len(ages) == count and said.startswith(str(count))
        if known_count and not gave_both:
            ages = answers.ages_only(said)  # the answer to "And how old are they?"
            count = int(known_count) if ages else None
            said = f"{count}, aged {said}"  # read back as one answer: "2, aged 2 and 4"
        if count is None:
            return not_clear("booking_children", "utter_booking_children_unclear", dispatcher, tracker)
        if len(ages) == 1 and count > 1:
            ages = ages * count  # "2, both aged 3", "twins aged 4"
        if tracker.get_slot("booking_ages_needed") and len(ages) != count:
            if not ages:  # "2": keep the number, ask only for the ages
                return {"booking_children": None, "booking_child_count": count}
            return not_clear("booking_children", "utter_booking_ages_unclear", dispatcher, tracker,
                             booking_child_count=None)
        if not await self._party_fits(dispatcher, tracker, count, ages, 1):
            return {"booking_children": None, "booking_child_count": None}
        return answered("booking_children", said, tracker, booking_child_count=count, booking_child_ages=ages)

    async def validate_booking_adults(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        adults = answers.how_many_adults(str(value or ""))
        if adults is None:
            return not_clear("booking_adults", "utter_booking_adults_unclear", dispatcher, tracker)
        count = tracker.get_slot("booking_child_count") or 0
        ages = tracker.get_slot("booking_child_ages") or []
        if not await self._party_fits(dispatcher, tracker, count, ages, adults):
            return {"booking_adults": None}
        return {"booking_adults": adults}

    def validate_booking_use_number(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no_slot("booking_use_number", value, dispatcher, tracker)

    def validate_booking_phone(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        phone = answers.uk_mobile(str(value or ""))
        if phone is None:
            return not_clear("booking_phone", "utter_booking_phone_invalid", dispatcher, tracker)
        return answered("booking_phone", phone, tracker)

    def validate_booking_confirm(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no_slot("booking_confirm", value, dispatcher, tracker)

    async def _party_fits(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                          children: int, ages: List[int], adults: int) -> bool:
        """Asks the api whether these ages and numbers fit the session; its
        words say why not (too many, ages outside the range, places left)."""
        occurrence = str(tracker.get_slot("booking_occurrence") or "")
        try:
            await common.API.call("POST", "bookings/check", json={
                "occurrence": occurrence, "children": children,
                "child_ages_months": ages, "adults": adults, "channel": channel_of(tracker)})
        except ApiRefused as refused:
            say(dispatcher, refused.body)
            return False
        except ApiUnavailable:
            return True  # the api checks everything again when booking
        return True


class ActionAskBookingChildren(Action):
    """Asks for the children's ages too when the session has an age range."""

    def name(self) -> Text:
        return "action_ask_booking_children"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tries(tracker, "booking_children") >= STILL_NOT_CLEAR_AFTER:
            return []  # the hub's number was just given instead of the same question again
        ages = tracker.get_slot("booking_ages_needed")
        if ages and tracker.get_slot("booking_child_count"):
            dispatcher.utter_message(response="utter_ask_booking_children_ages_only")
        else:
            dispatcher.utter_message(response="utter_ask_booking_children_ages" if ages else "utter_ask_booking_children")
        return []


class ActionAskBookingConfirm(Action):
    """Reads the details back in one message before booking."""

    def name(self) -> Text:
        return "action_ask_booking_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        # The words (filled from the slots) come from the api through Rasa's NLG.
        children = tracker.get_slot("booking_asks_children") is not False
        dispatcher.utter_message(response="utter_ask_booking_confirm" if children
                                 else "utter_ask_booking_confirm_adults")
        return []


class ActionSubmitBooking(Action):
    def name(self) -> Text:
        return "action_submit_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("booking_confirm") != "yes":
            dispatcher.utter_message(response="utter_booking_not_made")
            return forget_details()
        try:
            body = await common.API.call("POST", "bookings", json=booking_request(tracker),
                                         headers={"Idempotency-Key": idempotency_key(tracker)})
        except ApiRefused as refused:
            say(dispatcher, refused.body, refused.body.get("options") or [])
            if refused.status == 409:  # the last places went: other dates to pick from
                return forget_details() + offer_choice("book", refused.body.get("options") or [])
            return forget_details()
        except ApiUnavailable:
            logger.error("a booking could not be made; the family was told to try again")
            dispatcher.utter_message(response="utter_booking_failed")
            return forget_details()
        say(dispatcher, body)
        return forget_details() + [SlotSet("booking_ref", body.get("reference"))]


class ActionStopBooking(Action):
    def name(self) -> Text:
        return "action_stop_booking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_booking_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + forget_details()


class ActionMyBookings(Action):
    def name(self) -> Text:
        return "action_my_bookings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            body = await common.API.call("GET", "bookings/mine", params={
                "conversation_id": tracker.sender_id, "channel": channel_of(tracker)})
        except ApiUnavailable as error:
            refused_or_unavailable(dispatcher, error)
            return []
        say(dispatcher, body)
        return []


class FindBookingAction(Action, ABC):
    """Finds the family's booking from a reference or a day in what they said;
    with one match, does the job; with several, lists them to choose from.
    Abstract, so rasa-sdk registers only the two below."""

    purpose = ""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SlotSet("choice_for", None), SlotSet("choice_options", None)]
        try:
            found = await common.API.call("POST", "bookings/find", json={
                "conversation_id": tracker.sender_id, "channel": channel_of(tracker),
                "text": tracker.latest_message.get("text") or "", "day": latest_entity(tracker, "day")})
            bookings = found.get("bookings") or []
            if len(bookings) == 1:
                return events + await self.act_on(dispatcher, tracker, bookings[0]["reference"])
        except ApiUnavailable as error:
            refused_or_unavailable(dispatcher, error)
            return events
        say(dispatcher, found, bookings if len(bookings) > 1 else [])
        return events + offer_choice(self.purpose, [b["reference"] for b in bookings])

    @abstractmethod
    async def act_on(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     reference: str) -> List[Dict[Text, Any]]:
        ...


class ActionCancelBooking(FindBookingAction):
    purpose = "cancel"

    def name(self) -> Text:
        return "action_cancel_booking"

    async def act_on(self, dispatcher, tracker, reference):
        return await cancel(dispatcher, tracker, reference)


class ActionChangeBooking(FindBookingAction):
    purpose = "change"

    def name(self) -> Text:
        return "action_change_booking"

    async def act_on(self, dispatcher, tracker, reference):
        return await offer_dates(dispatcher, tracker, reference)


async def cancel(dispatcher: CollectingDispatcher, tracker: Tracker, reference: str) -> List[Dict[Text, Any]]:
    body = await common.API.call("POST", f"bookings/{reference}/cancel", json={
        "conversation_id": tracker.sender_id, "channel": channel_of(tracker)})
    say(dispatcher, body)
    return [SlotSet("choice_for", None), SlotSet("choice_options", None)]


async def cancel_latest_booking(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Cancels the booking made earlier in this conversation."""
    try:
        events = await cancel(dispatcher, tracker, tracker.get_slot("booking_ref"))
    except ApiUnavailable as error:
        refused_or_unavailable(dispatcher, error)
        return []
    return events + [SlotSet("booking_ref", None)]


async def offer_dates(dispatcher: CollectingDispatcher, tracker: Tracker,
                      reference: str) -> List[Dict[Text, Any]]:
    body = await common.API.call("GET", f"bookings/{reference}/move-options", params={
        "conversation_id": tracker.sender_id, "channel": channel_of(tracker)})
    say(dispatcher, body, body.get("options") or [])
    return offer_choice("move", body.get("options") or []) + [SlotSet("booking_ref", reference)]


async def move(dispatcher: CollectingDispatcher, tracker: Tracker, occurrence: str) -> List[Dict[Text, Any]]:
    reference = tracker.get_slot("booking_ref") or ""
    key = hashlib.sha256(f"{tracker.sender_id}|move|{reference}|{occurrence}".encode()).hexdigest()
    try:
        body = await common.API.call("POST", f"bookings/{reference}/move", headers={"Idempotency-Key": key},
                                     json={"conversation_id": tracker.sender_id, "occurrence": occurrence,
                                           "channel": channel_of(tracker)})
    except ApiRefused as refused:
        say(dispatcher, refused.body, refused.body.get("options") or [])
        if refused.status == 409:
            return offer_choice("move", refused.body.get("options") or [])
        return [SlotSet("choice_for", None), SlotSet("choice_options", None)]
    say(dispatcher, body)
    return [SlotSet("choice_for", None), SlotSet("choice_options", None),
            SlotSet("booking_ref", body.get("reference") or reference)]


def idempotency_key(tracker: Tracker) -> str:
    """The same for every retry and every "yes" of one attempt."""
    seed = f"{tracker.sender_id}|booking|{tracker.get_slot('booking_attempt')}"
    return hashlib.sha256(seed.encode()).hexdigest()


def booking_request(tracker: Tracker) -> Dict[str, Any]:
    slot = tracker.get_slot
    request: Dict[str, Any] = {
        "conversation_id": tracker.sender_id,
        "channel": channel_of(tracker),
        "occurrence": slot("booking_occurrence"),
        "first_name": slot("first_name"),
        "children": int(slot("booking_child_count") or 0),
        "child_ages_months": list(slot("booking_child_ages") or []),
        "adults": int(slot("booking_adults") or 1),
    }
    if slot("booking_use_number") == "yes":
        request["use_sender_number"] = True
    else:
        request["phone"] = slot("booking_phone")
    return request
