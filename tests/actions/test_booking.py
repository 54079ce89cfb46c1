"""Booking actions: reading short answers, what is asked, and what is sent.

The api here is a loopback server that answers each route with what the
test scripted and records every request; the real api is exercised in
tests/api and, with the trained model, in tests/conversations.
"""
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, booking, common
from actions.api_client import ApiClient
from actions.settings import ActionSettings

DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))


def tracker(text="...", intent="choose_option", entities=(), slots=None, channel="web", loop=None):
    return Tracker(sender_id="f00d-1", slots=slots or {}, events=[], paused=False, followup_action=None,
                   active_loop={"name": loop} if loop else {}, latest_action_name="action_listen",
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "entities": list(entities), "metadata": {"channel": channel}})


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class ScriptedApi(BaseHTTPRequestHandler):
    script: dict = {}
    seen: list = []

    def _answer(self, body=None):
        url = urlparse(self.path)
        ScriptedApi.seen.append({"method": self.command, "path": url.path,
                                 "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                                 "json": body, "key": self.headers.get("Idempotency-Key")})
        status, reply = ScriptedApi.script.get((self.command, url.path), (404, {"messages": []}))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"))

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ScriptedApi.script, ScriptedApi.seen = {}, []
    monkeypatch.setattr(common, "API", ApiClient(ActionSettings(f"http://127.0.0.1:{server.server_port}", "t", 5)))
    yield ScriptedApi
    server.shutdown()


def words(messages):
    return [m.get("text") or m.get("response") for m in messages]


# --- reading short answers ---

@pytest.mark.parametrize("text, expected", [
    ("2, aged 1 and 3", (2, [12, 36])), ("two kids 18 months and 3 years", (2, [18, 36])),
    ("1 (6 months)", (1, [6])), ("just one, she's 2", (1, [24])), ("2", (2, [])),
    ("twins aged 4", (2, [48])), ("one baby 6 weeks", (1, [1])), ("none", (None, [])),
])
def test_children_and_their_ages(text, expected):
    assert answers.party_of_children(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("number 2", 2), ("the second one", 2), ("the last one", 3), ("two please", 2),
    ("id like number 3", 3), ("9", None), ("hello", None), ("1 or 2", None),
])
def test_which_number_was_chosen_from_three(text, expected):
    assert answers.option_number(text, 3) == expected


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("just me", 1), ("me and my partner", 2), ("two", 2), ("both of us", 2), ("lots", None),
])
def test_how_many_grown_ups(text, expected):
    assert answers.how_many_adults(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("07700 900123", "07700 900123"), ("+447700900123", "07700 900123"),
    ("01632 960000", None), ("07600 123456", None), ("+1 415 555 0100", None), ("0770090012", None),
])
def test_only_uk_mobiles_are_taken_for_texts(text, expected):
    assert answers.uk_mobile(text) == expected


# --- the actions ---

OPTIONS = [{"id": "riverside_baby_massage_tue@2026-11-24", "label": "Baby massage", "booking_required": True,
            "full": False},
           {"id": "riverside_stay_and_play_mon@2026-11-23", "label": "Stay and play", "booking_required": False,
            "full": False}]


def test_whats_on_lists_sessions_and_remembers_what_the_numbers_mean(api):
    api.script[("POST", "/internal/bookings/options")] = (200, {"options": OPTIONS, "messages": [{"text": "1. ..."}]})
    entities = [{"entity": "session_kind", "value": "baby massage"}, {"entity": "day", "value": "tues"}]
    messages, slots = run(booking.ActionOfferSessions(), tracker("baby massage tues?", "whats_on", entities))
    assert api.seen[0]["method"] == "POST" and api.seen[0]["query"] == {}  # the family's words: in the body
    assert api.seen[0]["json"] == {"channel": "web", "kind": "baby massage", "day": "tues"}
    assert words(messages) == ["1. ..."]
    assert slots["choice_for"] == "book"
    assert slots["choice_options"] == [o["id"] for o in OPTIONS]


def test_a_number_for_a_session_that_needs_booking_starts_the_questions(api):
    api.script[("GET", "/internal/bookings/needs")] = (200, {
        "label": "Baby massage, Riverside, Tuesday 1:30pm", "booking_required": True, "full": False,
        "asks_children": True, "ages_needed": True, "options": [], "messages": []})
    slots_now = {"choice_for": "book", "choice_options": [o["id"] for o in OPTIONS]}
    _, slots = run(booking.ActionChooseOption(), tracker("1", slots=slots_now))
    assert api.seen[0]["query"]["occurrence"] == OPTIONS[0]["id"]
    assert slots["booking_details_needed"] is True
    assert slots["booking_occurrence"] == OPTIONS[0]["id"]
    assert slots["booking_ages_needed"] is True and slots["booking_attempt"]


def test_a_number_for_a_drop_in_says_when_to_come_and_asks_nothing(api):
    api.script[("GET", "/internal/bookings/needs")] = (200, {
        "label": "Stay and play", "booking_required": False, "full": False, "options": [],
        "messages": [{"text": "No need to book: just come along."}]})
    slots_now = {"choice_for": "book", "choice_options": [o["id"] for o in OPTIONS]}
    messages, slots = run(booking.ActionChooseOption(), tracker("the second one", slots=slots_now))
    assert words(messages) == ["No need to book: just come along."]
    assert slots["booking_details_needed"] is False


def test_a_number_with_no_list_gets_a_plain_answer(api):
    messages, slots = run(booking.ActionChooseOption(), tracker("2"))
    assert words(messages) == ["utter_nothing_to_choose"] and slots["booking_details_needed"] is False
    assert api.seen == []


def test_a_full_session_offers_other_dates_to_choose_from(api):
    api.script[("GET", "/internal/bookings/needs")] = (200, {
        "label": "Baby massage", "booking_required": True, "full": True,
        "options": [{"id": "riverside_baby_massage_tue@2026-12-01"}, {"id": "wait:riverside_baby_massage_tue@2026-11-24"}],
        "messages": [{"text": "That one is full. 1. next week 2. waiting list"}]})
    slots_now = {"choice_for": "book", "choice_options": [o["id"] for o in OPTIONS]}
    _, slots = run(booking.ActionChooseOption(), tracker("1", slots=slots_now))
    assert slots["booking_details_needed"] is False
    assert slots["choice_options"] == ["riverside_baby_massage_tue@2026-12-01",
                                       "wait:riverside_baby_massage_tue@2026-11-24"]


@pytest.mark.parametrize("channel, filled, expected", [
    ("web", {}, ["first_name", "booking_children", "booking_adults", "booking_phone", "booking_confirm"]),
    ("sms", {}, ["first_name", "booking_children", "booking_adults", "booking_use_number", "booking_confirm"]),
    ("sms", {"booking_use_number": "no"},
     ["first_name", "booking_children", "booking_adults", "booking_use_number", "booking_phone", "booking_confirm"]),
    ("web", {"booking_asks_children": False}, ["first_name", "booking_adults", "booking_phone", "booking_confirm"]),
])
def test_only_what_the_session_and_channel_need_is_asked(channel, filled, expected):
    form = booking.ValidateBookingForm()
    assert asyncio.run(form.required_slots([], CollectingDispatcher(), tracker(slots=filled, channel=channel),
                                           DOMAIN)) == expected


def test_a_number_without_ages_is_kept_and_only_the_ages_are_asked_for(api):
    """"2" to "How many children will come, and how old are they?" keeps the 2."""
    form = booking.ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.validate_booking_children(
        "2", dispatcher, tracker("2", slots={"booking_ages_needed": True}), DOMAIN))
    assert result == {"booking_children": None, "booking_child_count": 2}
    assert dispatcher.messages == []
    ask = CollectingDispatcher()
    asyncio.run(booking.ActionAskBookingChildren().run(
        ask, tracker("2", slots={"booking_ages_needed": True, "booking_child_count": 2}), DOMAIN))
    assert words(ask.messages) == ["utter_ask_booking_children_ages_only"]


@pytest.mark.parametrize("answer, ages", [("3 and 5", [36, 60]), ("18 months and 4", [18, 48]),
                                          ("both 3", [36, 36]), ("2, aged 1 and 6", [12, 72])])
def test_the_ages_then_complete_the_answer(api, answer, ages):
    api.script[("POST", "/internal/bookings/check")] = (200, {"ok": True})
    form = booking.ValidateBookingForm()
    result = asyncio.run(form.validate_booking_children(answer, CollectingDispatcher(), tracker(
        answer, slots={"booking_ages_needed": True, "booking_child_count": 2,
                       "booking_occurrence": OPTIONS[0]["id"]}), DOMAIN))
    assert (result["booking_child_count"], result["booking_child_ages"]) == (2, ages)
    assert result["booking_children"].startswith("2")  # read back as "2, aged 3 and 5"


def test_ages_that_do_not_match_the_number_are_asked_for_again(api):
    form = booking.ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.validate_booking_children(
        "3 children aged 1 and 2", dispatcher, tracker("x", slots={"booking_ages_needed": True}), DOMAIN))
    assert result["booking_children"] is None
    assert words(dispatcher.messages) == ["utter_booking_ages_unclear"]


def test_after_two_unclear_answers_the_hubs_number_is_given_not_the_same_question(api):
    form = booking.ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.validate_booking_adults(
        "dunno", dispatcher, tracker("dunno", slots={"unclear_tries": {"booking_adults": 1}}), DOMAIN))
    assert result["booking_adults"] is None
    assert words(dispatcher.messages) == ["utter_still_not_clear"]
    asked = CollectingDispatcher()
    from actions.common import ASK_ACTIONS
    ask_adults = next(a for a in ASK_ACTIONS if a.slot == "booking_adults")()
    asyncio.run(ask_adults.run(asked, tracker("dunno", slots={"unclear_tries": {"booking_adults": 2}}), DOMAIN))
    assert asked.messages == []


def test_the_api_says_why_a_party_does_not_fit(api):
    api.script[("POST", "/internal/bookings/check")] = (422, {"messages": [{"text": "At most 6 children."}]})
    form = booking.ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.validate_booking_children(
        "40", dispatcher, tracker("40", slots={"booking_occurrence": OPTIONS[0]["id"]}), DOMAIN))
    assert result["booking_children"] is None
    assert words(dispatcher.messages) == ["At most 6 children."]
    assert api.seen[0]["json"]["children"] == 40


@pytest.mark.parametrize("asks_children, response", [
    (None, "utter_ask_booking_confirm"), (False, "utter_ask_booking_confirm_adults")])
def test_the_details_are_read_back_in_one_message(asks_children, response):
    """The words, filled from the slots, come from the api through Rasa's NLG."""
    slots = {"booking_label": "Baby massage, Tuesday 1:30pm", "first_name": "Jo",
             "booking_children": "1, aged 6 months", "booking_adults": 1, "booking_asks_children": asks_children}
    dispatcher = CollectingDispatcher()
    asyncio.run(booking.ActionAskBookingConfirm().run(dispatcher, tracker(slots=slots), DOMAIN))
    [message] = dispatcher.messages
    assert message["response"] == response


CONFIRMED = {"booking_confirm": "yes", "booking_occurrence": OPTIONS[0]["id"], "first_name": "Jo",
             "booking_child_count": 1, "booking_child_ages": [6], "booking_adults": 1,
             "booking_phone": "07700 900123", "booking_attempt": "abc"}


def test_a_yes_books_once_with_the_same_key_on_a_retry(api):
    api.script[("POST", "/internal/bookings")] = (201, {"reference": "FH123456", "status": "booked",
                                                        "messages": [{"text": "Booked. FH123456"}]})
    messages, slots = run(booking.ActionSubmitBooking(), tracker("yes", "affirm", slots=CONFIRMED))
    run(booking.ActionSubmitBooking(), tracker("yes", "affirm", slots=CONFIRMED))
    assert words(messages) == ["Booked. FH123456"] and slots["booking_ref"] == "FH123456"
    first, second = api.seen
    assert first["key"] == second["key"]
    assert first["json"] == {"conversation_id": "f00d-1", "channel": "web", "occurrence": OPTIONS[0]["id"],
                             "first_name": "Jo", "children": 1, "child_ages_months": [6], "adults": 1,
                             "phone": "07700 900123"}
    run(booking.ActionSubmitBooking(), tracker("yes", "affirm", slots={**CONFIRMED, "booking_attempt": "next"}))
    assert api.seen[2]["key"] != first["key"]


def test_on_sms_the_known_number_is_used_when_the_family_says_so(api):
    api.script[("POST", "/internal/bookings")] = (201, {"reference": "FH1", "messages": []})
    run(booking.ActionSubmitBooking(), tracker("yes", "affirm", channel="sms",
                                               slots={**CONFIRMED, "booking_phone": None, "booking_use_number": "yes"}))
    assert api.seen[0]["json"]["use_sender_number"] is True and "phone" not in api.seen[0]["json"]


def test_a_no_books_nothing(api):
    messages, _ = run(booking.ActionSubmitBooking(), tracker("no", "deny", slots={**CONFIRMED, "booking_confirm": "no"}))
    assert words(messages) == ["utter_booking_not_made"] and api.seen == []


def test_when_the_last_place_went_the_family_can_pick_another(api):
    api.script[("POST", "/internal/bookings")] = (409, {"full": True, "options": [{"id": "x@2026-12-01"}],
                                                        "messages": [{"text": "Sorry, that just filled up."}]})
    messages, slots = run(booking.ActionSubmitBooking(), tracker("yes", "affirm", slots=CONFIRMED))
    assert words(messages) == ["Sorry, that just filled up."]
    assert slots["choice_for"] == "book" and slots["choice_options"] == ["x@2026-12-01"]


def test_when_the_api_is_down_the_family_is_told_plainly(monkeypatch):
    monkeypatch.setattr(common, "API", ApiClient(ActionSettings("http://127.0.0.1:9", "t", 1)))
    messages, _ = run(booking.ActionSubmitBooking(), tracker("yes", "affirm", slots=CONFIRMED))
    assert words(messages) == ["utter_booking_failed"]


def test_cancel_with_one_match_cancels_it(api):
    api.script[("POST", "/internal/bookings/find")] = (200, {"bookings": [{"reference": "FH482913"}], "messages": []})
    api.script[("POST", "/internal/bookings/FH482913/cancel")] = (200, {"cancelled": True,
                                                                        "messages": [{"text": "Cancelled."}]})
    messages, _ = run(booking.ActionCancelBooking(),
                      tracker("cancel my booking on friday", "cancel_booking", [{"entity": "day", "value": "friday"}]))
    assert api.seen[0]["json"]["day"] == "friday" and api.seen[0]["json"]["conversation_id"] == "f00d-1"
    assert words(messages) == ["Cancelled."]


def test_cancel_with_several_matches_asks_which(api):
    api.script[("POST", "/internal/bookings/find")] = (200, {
        "bookings": [{"reference": "FH1"}, {"reference": "FH2"}], "messages": [{"text": "Which one? 1 or 2"}]})
    messages, slots = run(booking.ActionCancelBooking(), tracker("cancel my booking", "cancel_booking"))
    assert words(messages) == ["Which one? 1 or 2"]
    assert slots["choice_for"] == "cancel" and slots["choice_options"] == ["FH1", "FH2"]
    api.script[("POST", "/internal/bookings/FH2/cancel")] = (200, {"messages": [{"text": "Cancelled FH2."}]})
    messages, _ = run(booking.ActionChooseOption(), tracker("2", slots=slots))
    assert words(messages) == ["Cancelled FH2."]


def test_change_offers_dates_then_moves_to_the_one_chosen(api):
    api.script[("POST", "/internal/bookings/find")] = (200, {"bookings": [{"reference": "FH1"}], "messages": []})
    api.script[("GET", "/internal/bookings/FH1/move-options")] = (200, {
        "options": [{"id": "s@2026-12-01"}, {"id": "s@2026-12-08"}], "messages": [{"text": "1 or 2?"}]})
    _, slots = run(booking.ActionChangeBooking(), tracker("change my booking", "change_booking"))
    assert slots["choice_for"] == "move" and slots["booking_ref"] == "FH1"
    api.script[("POST", "/internal/bookings/FH1/move")] = (200, {"reference": "FH1", "messages": [{"text": "Moved."}]})
    messages, _ = run(booking.ActionChooseOption(), tracker("2", slots=slots))
    assert words(messages) == ["Moved."]
    assert api.seen[-1]["json"]["occurrence"] == "s@2026-12-08" and api.seen[-1]["key"]


def test_a_numbered_list_comes_with_quick_replies_that_send_the_number(api):
    api.script[("POST", "/internal/bookings/options")] = (200, {"options": OPTIONS, "messages": [{"text": "1. ..."}]})
    messages, _ = run(booking.ActionOfferSessions(), tracker("what's on", "whats_on"))
    assert messages[0]["buttons"] == [{"title": "Baby massage", "payload": "1"},
                                      {"title": "Stay and play", "payload": "2"}]


@pytest.mark.parametrize("ages_needed, response", [
    (True, "utter_ask_booking_children_ages"), (False, "utter_ask_booking_children")])
def test_ages_are_asked_for_only_when_the_session_has_an_age_range(ages_needed, response):
    dispatcher = CollectingDispatcher()
    asyncio.run(booking.ActionAskBookingChildren().run(
        dispatcher, tracker(slots={"booking_ages_needed": ages_needed}), DOMAIN))
    assert words(dispatcher.messages) == [response]
