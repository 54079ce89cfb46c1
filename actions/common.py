"""What every action needs: the api client, and what the family just said."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.api_client import ApiClient

# Tests swap this for a client pointed elsewhere; actions use `common.API`.
API = ApiClient()


def channel_of(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    return "sms" if metadata.get("channel") == "sms" else "web"


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
        dispatcher.utter_message(response="utter_yes_no_unclear")
        return {slot: None}
    return {slot: "yes" if answer else "no"}
