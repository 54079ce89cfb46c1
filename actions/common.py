"""What every action needs: the api client, and what the family just said."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.api_client import ApiClient

# Tests swap this for a client pointed elsewhere; actions use `common.API`.
API = ApiClient()


def channel_of(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    return "sms" if metadata.get("channel") == "sms" else "web"


def language_of(tracker: Tracker) -> str:
    """The language to answer in: the api works it out for each message
    (api/languages/) and sends it with the message."""
    language = (tracker.latest_message.get("metadata") or {}).get("language")
    return language if isinstance(language, str) and language.isalpha() and len(language) <= 3 else "en"


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity(tracker: Tracker, name: str, slot: Optional[str] = None) -> Optional[str]:
    """The entity in this message, else what the family told us earlier."""
    value = next(tracker.get_latest_entity_values(name), None)
    if value is None and slot:
        value = tracker.get_slot(slot)
    return value


def yes_or_no_slot(slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """A form's yes/no question: "yes"/"no" in the slot, or ask again kindly.
    The words decide first; a clear affirm/deny intent covers "go on then"."""
    answer = answers.yes_or_no(str(value or ""))
    if answer is None and latest_intent(tracker) in ("affirm", "deny"):
        answer = latest_intent(tracker) == "affirm"
    if answer is None:
        return not_clear(slot, "utter_yes_no_unclear", dispatcher, tracker)
    return answered(slot, "yes" if answer else "no", tracker)


# How many answers in a row to each question were not clear, so the second
# one gets the hub's number instead of the same question a third time.
TRIES_SLOT = "unclear_tries"
STILL_NOT_CLEAR_AFTER = 2


def tries(tracker: Tracker, slot: str) -> int:
    return int((tracker.get_slot(TRIES_SLOT) or {}).get(slot, 0))


def not_clear(slot: str, response: str, dispatcher: CollectingDispatcher, tracker: Tracker,
              **kept: Any) -> Dict[Text, Any]:
    """The answer to `slot` was not clear: say so (`response`) and ask again;
    from the second time in a row, say how else to get help instead."""
    count = tries(tracker, slot) + 1
    still = count >= STILL_NOT_CLEAR_AFTER
    dispatcher.utter_message(response="utter_still_not_clear" if still else response)
    return {slot: None, TRIES_SLOT: {**(tracker.get_slot(TRIES_SLOT) or {}), slot: count}, **kept}


def answered(slot: str, value: Any, tracker: Tracker, **more: Any) -> Dict[Text, Any]:
    left = {name: n for name, n in (tracker.get_slot(TRIES_SLOT) or {}).items() if name != slot}
    return {slot: value, TRIES_SLOT: left or None, **more}


class AskForSlot(Action, ABC):
    """Asks a form's question (its `utter_ask_*` words), except after two
    unclear answers in a row: then `utter_still_not_clear` has just given
    the hub's number, and the question is not asked a third time in the same
    words (the family's next answer still counts). Abstract: one concrete
    class per question is made below."""

    slot: str = ""

    @abstractmethod
    def name(self) -> Text:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tries(tracker, self.slot) >= STILL_NOT_CLEAR_AFTER:
            return []
        form = (tracker.active_loop or {}).get("name")
        for_this_form = f"utter_ask_{form}_{self.slot}"
        responses = domain.get("responses") or {}
        dispatcher.utter_message(response=for_this_form if for_this_form in responses else f"utter_ask_{self.slot}")
        return []


# The questions whose answers can be unclear (the consent and the children's
# ages have actions of their own in handover.py and booking.py).
ASKED_WITH_CARE = ("first_name", "contact_method", "use_this_number", "phone", "safe_to_contact",
                   "booking_adults", "booking_use_number", "booking_phone")
# Kept in a tuple: rasa-sdk finds actions as subclasses, which are only weakly held.
ASK_ACTIONS = tuple(
    type(f"AskFor_{slot}", (AskForSlot,), {"slot": slot, "name": lambda self, s=slot: f"action_ask_{s}"})
    for slot in ASKED_WITH_CARE
)
