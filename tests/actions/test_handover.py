"""The handover form: only an explicit yes is consent; answers are read kindly."""
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, common
from actions.api_client import ApiClient
from actions.handover import ActionAskConsent, ValidateHandoverForm, idempotency_key, referral_request
from actions.settings import ActionSettings
from tests.support.ports import unused_port

DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))


def tracker(text, intent, slots=None, sender="a1b2"):
    return Tracker(sender_id=sender, slots=slots or {}, events=[], paused=False,
                   followup_action=None, active_loop={"name": "handover_form"},
                   latest_action_name="action_listen",
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": [], "metadata": {"channel": "web"}})


CONSENT_WORDING = "If you say yes, I will pass on what you tell me. Is it OK to share this?"


def consent(text, intent, wording=CONSENT_WORDING):
    form = ValidateHandoverForm()
    the_tracker = tracker(text, intent, {"consent_wording": wording})
    return form.validate_consent(text, CollectingDispatcher(), the_tracker, DOMAIN)["consent"]


def consent_events(text, intent, wording=CONSENT_WORDING, tries=None):
    form = ValidateHandoverForm()
    the_tracker = tracker(text, intent, {"consent_wording": wording, "unclear_tries": tries})
    dispatcher = CollectingDispatcher()
    return form.validate_consent(text, dispatcher, the_tracker, DOMAIN), dispatcher.messages


@pytest.mark.parametrize("text", ["yes", "Yes please", "yeah ok", "ok", "go ahead", "YES!",
                                  "Yes that is fine.", "yeah thats ok with me"])
def test_an_explicit_yes_is_consent(text):
    assert consent(text, "affirm") == "yes"


@pytest.mark.parametrize("text, intent", [("no", "deny"), ("no thanks", "deny"), ("nope not today", "deny"),
                                          ("not now", "deny"), ("no not right now", "deny")])
def test_a_clear_no_is_a_no(text, intent):
    assert consent(text, intent) == "no"


@pytest.mark.parametrize("text, intent", [
    ("i'm not sure", "deny"), ("what will you share", "privacy"), ("maybe", "deny"),
    ("yes but not till next week", "affirm"), ("yeah whatever", "affirm"), ("hmm", "nlu_fallback"),
    ("yes", "deny"), ("ok", "thank"), ("i asked for a person not a bot", "talk_to_person"),
])
def test_an_unclear_answer_is_asked_again_never_taken_as_a_no(text, intent):
    slots, said = consent_events(text, intent)
    assert slots["consent"] is None
    assert [m["response"] for m in said] == ["utter_consent_unclear"]


def test_a_second_unclear_answer_shares_nothing_and_says_how_to_come_back():
    slots, _ = consent_events("hmm", "nlu_fallback", tries={"consent": 1})
    assert slots["consent"] == "not_clear"


def test_a_yes_to_a_question_never_shown_is_not_consent():
    assert consent("yes", "affirm", wording=None) != "yes"


class ConsentApi(BaseHTTPRequestHandler):
    seen: list = []
    words = {"sms": "Short consent words. OK to share? Reply yes or no.",
             "web": "Longer consent words for web chat. Is it OK to share?"}

    def do_GET(self):
        ConsentApi.seen.append((self.path, self.headers.get("Authorization")))
        channel = "sms" if "channel=sms" in self.path else "web"
        body = json.dumps({"messages": [{"text": ConsentApi.words[channel],
                                         "buttons": [{"title": "Yes", "payload": "yes"}]}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def ask_consent(channel="web"):
    dispatcher = CollectingDispatcher()
    the_tracker = Tracker(sender_id="a1b2", slots={}, events=[], paused=False, followup_action=None,
                          active_loop={"name": "handover_form"}, latest_action_name="action_listen",
                          latest_message={"text": "yes", "intent": {"name": "affirm"}, "entities": [],
                                          "metadata": {"channel": channel}})
    events = asyncio.run(ActionAskConsent().run(dispatcher, the_tracker, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize("channel", ["sms", "web"])
def test_the_consent_wording_kept_is_the_words_the_family_was_shown(monkeypatch, channel):
    """The words are comms' (the api's), sent as they are and kept with the referral."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ConsentApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ConsentApi.seen = []
    monkeypatch.setattr(common, "API", ApiClient(ActionSettings(f"http://127.0.0.1:{server.server_port}", "t", 5)))
    try:
        [message], slots = ask_consent(channel)
    finally:
        server.shutdown()
    assert ConsentApi.seen == [(f"/internal/answers/utter_ask_consent?channel={channel}", "Bearer t")]
    assert message["text"] == ConsentApi.words[channel] == slots["consent_wording"]
    assert message["buttons"] == [{"title": "Yes", "payload": "yes"}]
    assert slots["consent_asked_at"]


def test_without_the_api_no_consent_question_is_kept_so_nothing_can_be_shared(monkeypatch):
    monkeypatch.setattr(common, "API", ApiClient(ActionSettings(f"http://127.0.0.1:{unused_port()}", "t", 1)))
    monkeypatch.setattr("actions.api_client.RETRY_DELAYS", ())
    messages, slots = ask_consent()
    assert [m["response"] for m in messages] == ["utter_handover_failed"]
    assert slots == {"consent_wording": None, "consent_asked_at": None}


def test_no_consent_means_no_more_questions():
    form = ValidateHandoverForm()
    slots = asyncio.run(form.required_slots(["consent", "family_words"], CollectingDispatcher(),
                                            tracker("no", "deny", {"consent": "no"}), DOMAIN))
    assert slots == []


@pytest.mark.parametrize("text, expected", [
    ("07700 900123", "07700 900123"), ("+44 7700 900123", "07700 900123"),
    ("(01632) 960-000", "01632 960000"), ("0044 7700900123", "07700 900123"),
    ("12345", None), ("+1 415 555 0100", None), ("my number is secret", None),
    ("07700 900123 dont text it or leave a voicemail", "07700 900123"), ("its 07700900123 thanks", "07700 900123"),
    ("call 01632 960000 after 3", "01632 960000"), ("i have 2 kids aged 3 and 5", None),
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
    ("yes", None), ("Yes please", None), ("this one", None), ("ok", None),
])
def test_first_name(text, expected):
    assert answers.first_name(text) == expected


def test_an_unclear_answer_to_is_it_safe_asks_again():
    form = ValidateHandoverForm()
    dispatcher = CollectingDispatcher()
    result = form.validate_safe_to_contact("depends", dispatcher, tracker("depends", "nlu_fallback"), DOMAIN)
    assert result == {"safe_to_contact": None, "unclear_tries": {"safe_to_contact": 1}}
    assert [m["response"] for m in dispatcher.messages] == ["utter_yes_no_unclear"]


def test_the_request_carries_consent_contact_safety_and_the_story():
    slots = {"consent": "yes", "consent_wording": "Is it OK to share this?", "consent_asked_at": "2026-11-22T10:00:00+00:00",
             "family_words": "we are being evicted", "first_name": "Jo", "contact_method": "text",
             "phone": "07700 900123", "safe_to_contact": "no", "contact_times": "after 3",
             "needs": "none", "handover_hub": "Riverside Family Hub", "handover_urgent": True}
    request = referral_request(tracker("riverside", "find_hub", slots))
    assert request["consent"] == {"wording": "Is it OK to share this?", "answer": "yes",
                                  "at": "2026-11-22T10:00:00+00:00"}
    assert request["contact"] == {"method": "text", "phone": "07700 900123", "use_sender_number": False,
                                  "times": "after 3", "safe_to_text": False, "safe_to_leave_message": False,
                                  "needs": None, "said_with_number": ""}
    assert request["urgent"] is True and request["hub"] == "Riverside Family Hub"
    assert request["language"] == "en"


def test_the_request_says_which_language_the_family_wrote_in_so_the_worker_brings_an_interpreter():
    polish = tracker("riverside", "find_hub", {"consent": "yes"})
    polish.latest_message["metadata"]["language"] = "pl"
    assert referral_request(polish)["language"] == "pl"


def test_a_number_given_with_a_condition_goes_with_the_request():
    said = "07700 900123 dont text it or leave a voicemail"
    the_tracker = Tracker(sender_id="a1b2", slots={"phone": "07700 900123", "contact_method": "call"},
                          events=[{"event": "user", "text": "call me"}, {"event": "user", "text": said},
                                  {"event": "user", "text": "yes"}],
                          paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
                          latest_message={"text": "yes", "intent": {"name": "affirm"}, "entities": []})
    assert referral_request(the_tracker)["contact"]["said_with_number"] == said
    assert ValidateHandoverForm().validate_phone(said, CollectingDispatcher(), the_tracker, DOMAIN)["phone"] == \
        "07700 900123"


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


# --- the request's topic, and the number on SMS ---

def offer(text, intent, ranking=(), slots=None):
    from actions.handover import ActionOfferHandover

    the_tracker = Tracker(sender_id="a1b2", slots=slots or {}, events=[], paused=False, followup_action=None,
                          active_loop={}, latest_action_name="action_listen",
                          latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                          "intent_ranking": list(ranking), "entities": [],
                                          "metadata": {"channel": "web"}})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionOfferHandover().run(dispatcher, the_tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_worry_beside_asking_for_a_person_is_the_requests_topic():
    slots = offer("can someone call me about my sons behaviour", "talk_to_person",
                  ranking=[{"name": "talk_to_person", "confidence": 0.6}, {"name": "behaviour", "confidence": 0.3}])
    assert slots["handover_topic"] == "behaviour"
    assert slots["family_words"] == "can someone call me about my sons behaviour"


def test_asking_for_a_person_alone_has_no_topic_guessed():
    slots = offer("can i talk to someone at the hub", "talk_to_person",
                  ranking=[{"name": "talk_to_person", "confidence": 0.95}, {"name": "behaviour", "confidence": 0.02}])
    assert "handover_topic" not in slots and "family_words" not in slots


def test_the_topic_is_the_worry_not_the_steps_of_the_conversation():
    from actions.handover import topics

    events = [user_said("can i talk to someone at the hub", "talk_to_person"), user_said("yes", "affirm"),
              user_said("my son keeps hitting his sister", "behaviour"), user_said("Riverside", "find_hub"),
              user_said("2", "choose_option")]
    the_tracker = Tracker(sender_id="a1b2", slots={}, events=events, paused=False, followup_action=None,
                          active_loop={}, latest_action_name="action_listen", latest_message={})
    assert topics(the_tracker) == ["behaviour"]


def user_said(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def sms_tracker(text, intent, slots=None):
    return Tracker(sender_id="a1b2", slots=slots or {}, events=[], paused=False, followup_action=None,
                   active_loop={"name": "handover_form"}, latest_action_name="action_listen",
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": [], "metadata": {"channel": "sms"}})


def test_on_sms_the_family_is_asked_whether_to_use_the_number_they_text_from():
    form = ValidateHandoverForm()
    slots = ["consent", "family_words", "first_name", "contact_method", "use_this_number", "phone",
             "safe_to_contact", "contact_times", "needs", "handover_hub"]
    asked = asyncio.run(form.required_slots(slots, CollectingDispatcher(), sms_tracker("x", "affirm"), DOMAIN))
    assert "use_this_number" in asked and "phone" not in asked
    asked_web = asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker("x", "affirm"), DOMAIN))
    assert "phone" in asked_web and "use_this_number" not in asked_web
    after_no = asyncio.run(form.required_slots(slots, CollectingDispatcher(),
                                               sms_tracker("no", "deny", {"use_this_number": "no"}), DOMAIN))
    assert after_no.index("use_this_number") < after_no.index("phone") < after_no.index("safe_to_contact")


@pytest.mark.parametrize("text, expected", [("yes", "yes"), ("this one", "yes"), ("yes this number", "yes"),
                                            ("the one im texting from", "yes"), ("no", "no")])
def test_this_number_answers_are_understood(text, expected):
    form = ValidateHandoverForm()
    result = form.validate_use_this_number(text, CollectingDispatcher(), sms_tracker(text, "affirm"), DOMAIN)
    assert result["use_this_number"] == expected


def test_a_different_number_sent_instead_is_kept():
    form = ValidateHandoverForm()
    result = form.validate_use_this_number("07700 900456", CollectingDispatcher(),
                                           sms_tracker("07700 900456", "nlu_fallback"), DOMAIN)
    assert result["use_this_number"] == "no" and result["phone"] == "07700 900456"


def test_the_request_asks_the_api_for_the_number_the_family_texts_from():
    request = referral_request(sms_tracker("x", "affirm", {"use_this_number": "yes", "phone": None}))
    assert request["contact"]["use_sender_number"] is True and request["contact"]["phone"] is None


def test_yes_is_not_taken_as_a_name():
    form = ValidateHandoverForm()
    dispatcher = CollectingDispatcher()
    result = form.validate_first_name("yes", dispatcher, tracker("yes", "affirm"), DOMAIN)
    assert result["first_name"] is None
    assert [m["response"] for m in dispatcher.messages] == ["utter_name_unclear"]
