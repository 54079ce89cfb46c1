"""The handover form: only an explicit yes is consent; answers are read kindly."""
import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.handover import ValidateHandoverForm, idempotency_key, referral_request

DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))


def tracker(text, intent, slots=None, sender="a1b2"):
    return Tracker(sender_id=sender, slots=slots or {}, events=[], paused=False,
                   followup_action=None, active_loop={"name": "handover_form"},
                   latest_action_name="action_listen",
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": [], "metadata": {"channel": "web"}})


def consent(text, intent):
    form = ValidateHandoverForm()
    return form.validate_consent(text, CollectingDispatcher(), tracker(text, intent), DOMAIN)["consent"]


@pytest.mark.parametrize("text", ["yes", "Yes please", "yeah ok", "ok", "go ahead", "YES!"])
def test_an_explicit_yes_is_consent(text):
    assert consent(text, "affirm") == "yes"


@pytest.mark.parametrize("text, intent", [
    ("no", "deny"), ("not now", "deny"), ("maybe later", "deny"), ("i'm not sure", "deny"),
    ("what will you share", "privacy"), ("yes but not till next week", "affirm"),
    ("yeah whatever", "affirm"), ("hmm", "nlu_fallback"), ("yes", "deny"), ("ok", "thank"),
])
def test_anything_but_an_explicit_yes_is_not_consent(text, intent):
    assert consent(text, intent) == "no"


def test_no_consent_means_no_more_questions():
    form = ValidateHandoverForm()
    slots = asyncio.run(form.required_slots(["consent", "family_words"], CollectingDispatcher(),
                                            tracker("no", "deny", {"consent": "no"}), DOMAIN))
    assert slots == []


@pytest.mark.parametrize("text, expected", [
    ("07700 900123", "07700 900123"), ("+44 7700 900123", "07700 900123"),
    ("(01632) 960-000", "01632 960000"), ("0044 7700900123", "07700 900123"),
    ("12345", None), ("+1 415 555 0100", None), ("my number is secret", None),
])
def test_uk_phone_numbers(text, expected):
    assert answers.uk_phone(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("text please", "text"), ("can u ring me", "call"), ("a phone call", "call"),
    ("txt", "text"), ("either", None), ("text or call", None),
])
def test_text_or_call(text, expected):
    assert answers.text_or_call(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("jo", "Jo"), ("its jo", "Jo"), ("My name is Sam Patel", "Sam Patel"), ("", None), ("07700900123", None),
])
def test_first_name(text, expected):
    assert answers.first_name(text) == expected


def test_an_unclear_answer_to_is_it_safe_asks_again():
    form = ValidateHandoverForm()
    dispatcher = CollectingDispatcher()
    result = form.validate_safe_to_contact("depends", dispatcher, tracker("depends", "nlu_fallback"), DOMAIN)
    assert result == {"safe_to_contact": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_yes_no_unclear"]


def test_the_request_carries_consent_contact_safety_and_the_story():
    slots = {"consent": "yes", "consent_wording": "Is it OK to share this?", "consent_asked_at": "2026-11-22T10:00:00+00:00",
             "family_words": "we are being evicted", "first_name": "Jo", "contact_method": "text",
             "phone": "07700 900123", "safe_to_contact": "no", "contact_times": "after 3",
             "needs": "none", "handover_hub": "Riverside Family Hub", "handover_urgent": True}
    request = referral_request(tracker("riverside", "find_hub", slots))
    assert request["consent"] == {"wording": "Is it OK to share this?", "answer": "yes",
                                  "at": "2026-11-22T10:00:00+00:00"}
    assert request["contact"] == {"method": "text", "phone": "07700 900123", "times": "after 3",
                                  "safe_to_text": False, "safe_to_leave_message": False, "needs": None}
    assert request["urgent"] is True and request["hub"] == "Riverside Family Hub"


def test_a_retry_has_the_same_idempotency_key_and_the_next_handover_does_not():
    first = tracker("x", "affirm", {"consent_asked_at": "2026-11-22T10:00:00+00:00"})
    retry = tracker("x", "affirm", {"consent_asked_at": "2026-11-22T10:00:00+00:00"})
    later = tracker("x", "affirm", {"consent_asked_at": "2026-11-23T09:00:00+00:00"})
    assert idempotency_key(first) == idempotency_key(retry) != idempotency_key(later)


def test_every_worry_answered_with_an_offer_is_the_familys_story():
    """A worry answered and followed by the offer of a person (data/rules.yml)
    is what the family came about: their words go to the worker, who does
    not ask them to explain again."""
    from actions.handover import STORY_INTENTS

    rules = yaml.safe_load(open("data/rules.yml", encoding="utf-8"))["rules"]
    offered = {
        rule["steps"][0]["intent"] for rule in rules
        if "condition" not in rule and rule["steps"][0].get("intent")
        and [step.get("action") for step in rule["steps"][1:]] == ["action_answer", "action_offer_handover"]
    }
    assert {"sleep", "food_help", "ehcp", "bereavement"} <= offered
    assert offered - STORY_INTENTS == set()
