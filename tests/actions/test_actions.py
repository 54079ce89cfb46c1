"""The actions pass on what the family asked, and never leave them in silence.

The api side of these calls is exercised for real in tests/conversations;
here the api is either unreachable (a closed loopback port) or a small
loopback server that records what the actions asked for.
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

from actions import actions as family_actions
from actions import common
from actions.api_client import ApiClient
from actions.settings import ActionSettings
from tests.support.ports import unused_port

DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))


def tracker(intent, entities=(), slots=None, channel="web", active_loop=None):
    return Tracker(
        sender_id="a1b2c3",
        slots=slots or {},
        latest_message={
            "text": "...",
            "intent": {"name": intent, "confidence": 0.9},
            "entities": list(entities),
            "metadata": {"channel": channel},
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, the_tracker):
    return run_with_events(action, the_tracker)[0]


def run_with_events(action, the_tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, the_tracker, DOMAIN))
    return dispatcher.messages, events


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class RecordingApi(BaseHTTPRequestHandler):
    seen = []
    methods = []

    def do_GET(self):
        RecordingApi.methods.append("GET")
        url = urlparse(self.path)
        RecordingApi.seen.append(
            (url.path, {k: v[0] for k, v in parse_qs(url.query).items()},
             self.headers.get("Authorization"))
        )
        body = json.dumps({"messages": [{"text": f"answer for {url.path}"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        RecordingApi.methods.append("POST")
        length = int(self.headers.get("Content-Length", 0))
        RecordingApi.seen.append((urlparse(self.path).path, json.loads(self.rfile.read(length) or b"{}"),
                                  self.headers.get("Authorization")))
        body = json.dumps({"urgent": True, "messages": [{"text": f"answer for {urlparse(self.path).path}"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    RecordingApi.seen, RecordingApi.methods = [], []
    settings = ActionSettings(f"http://127.0.0.1:{server.server_port}", "secret-token", 5)
    monkeypatch.setattr(common, "API", ApiClient(settings))
    yield RecordingApi.seen
    server.shutdown()


@pytest.fixture
def api_down(monkeypatch):
    settings = ActionSettings(f"http://127.0.0.1:{unused_port()}", "secret-token", 1)
    monkeypatch.setattr(common, "API", ApiClient(settings))


def test_a_content_question_asks_for_the_answer_with_that_key(api):
    messages = run(family_actions.ActionAnswer(), tracker("infant_feeding", channel="sms"))
    path, query, auth = api[0]
    assert (path, query, auth) == ("/internal/answers/infant_feeding", {"channel": "sms"}, "Bearer secret-token")
    assert [m["text"] for m in messages] == ["answer for /internal/answers/infant_feeding"]


@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback"])
def test_anything_else_gets_the_honest_cannot_help_answer(api, intent):
    run(family_actions.ActionAnswer(), tracker(intent))
    assert api[0][0] == "/internal/answers/cannot_help"


def test_opening_hours_passes_the_hub_and_day_the_family_wrote(api):
    entities = [{"entity": "hub", "value": "riverside"}, {"entity": "day", "value": "tmrw"}]
    run(family_actions.ActionOpeningHours(), tracker("opening_hours", entities))
    assert api[0][:2] == ("/internal/opening-hours", {"channel": "web", "hub": "riverside", "day": "tmrw"})


def test_the_familys_words_go_in_a_body_never_the_query_string(api):
    """Hubs, days and postcodes as the family wrote them end up in access logs
    if they are in a URL: they are posted."""
    entities = [{"entity": "hub", "value": "riverside"}, {"entity": "postcode", "value": "FB1 2AB"}]
    for action in (family_actions.ActionOpeningHours(), family_actions.ActionFindHub(),
                   family_actions.ActionGettingThere(), family_actions.ActionTalkToPerson()):
        run(action, tracker("find_hub", entities))
    assert api and all(auth == "Bearer secret-token" for _path, _sent, auth in api)
    find = {"channel": "web", "hub": "riverside", "postcode": "FB1 2AB"}
    assert ("/internal/hubs/find", find, "Bearer secret-token") in api
    assert RecordingApi.methods == ["POST"] * 4


def test_asking_what_a_word_means_posts_the_familys_message(api):
    asked = tracker("what_does_it_mean")
    asked.latest_message["text"] = "whats a senco"
    run(family_actions.ActionExplainTerm(), asked)
    assert api[0][:2] == ("/internal/glossary", {"channel": "web", "text": "whats a senco"})
    assert RecordingApi.methods == ["POST"]


def test_a_hub_mentioned_earlier_is_remembered(api):
    run(family_actions.ActionFindHub(), tracker("find_hub", slots={"hub": "northgate"}))
    assert api[0][:2] == ("/internal/hubs/find", {"channel": "web", "hub": "northgate"})


def test_crisis_asks_for_the_signposting_of_that_kind(api):
    run(family_actions.ActionCrisisSupport(),
        tracker("crisis", [{"entity": "risk_kind", "value": "violence"}]))
    assert api[0][:2] == ("/internal/crisis", {"channel": "web", "kind": "violence"})


def test_crisis_and_answers_are_asked_for_in_the_language_the_api_sent_with_the_message(api):
    polish = tracker("crisis", [{"entity": "risk_kind", "value": "medical"}])
    polish.latest_message["metadata"]["language"] = "pl"
    run(family_actions.ActionCrisisSupport(), polish)
    assert api[0][:2] == ("/internal/crisis", {"channel": "web", "kind": "medical", "language": "pl"})
    odd = tracker("out_of_scope")
    odd.latest_message["metadata"]["language"] = "../../x"  # not a language: English
    run(family_actions.ActionAnswer(), odd)
    assert "language" not in api[-1][1]


def test_a_crisis_after_a_request_asks_the_api_to_make_that_request_urgent(api):
    async def crisis():
        await family_actions.ActionCrisisSupport().run(
            CollectingDispatcher(), tracker("crisis", [{"entity": "risk_kind", "value": "violence"}],
                                            slots={"referral_made": True}), DOMAIN)
        await common.API.wait_for_reports()
    asyncio.run(crisis())
    assert ("/internal/referrals/urgent", {"conversation_id": "a1b2c3", "channel": "web"},
            "Bearer secret-token") in api


def test_unsure_whether_anyone_is_in_danger_makes_nothing_urgent(api):
    async def check_in():
        await family_actions.ActionCrisisSupport().run(
            CollectingDispatcher(), tracker("crisis", [{"entity": "risk_kind", "value": "check_in"}]), DOMAIN)
        await common.API.wait_for_reports()
    asyncio.run(check_in())
    assert [path for path, *_ in api] == ["/internal/crisis"]


@pytest.mark.parametrize("form", ["booking_form", "handover_form"])
def test_a_crisis_ends_the_questions_keeps_the_answers_and_makes_any_request_urgent(api, form):
    _, events = run_with_events(
        family_actions.ActionCrisisSupport(),
        tracker("crisis", [{"entity": "risk_kind", "value": "violence"}],
                slots={"first_name": "Jo", "booking_children": "2"}, active_loop=form))
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"]
    slots = slots_set(events)
    assert slots["handover_urgent"] is True and slots["crisis_active"] is True
    assert slots["requested_slot"] is None
    assert "first_name" not in slots and "booking_children" not in slots  # kept, not cleared


def test_after_a_crisis_every_answer_offers_a_person_urgently(api):
    messages, events = run_with_events(family_actions.ActionAnswer(),
                                       tracker("opening_hours", slots={"crisis_active": True}))
    assert messages[-1]["response"] == "utter_offer_handover_urgent"
    assert slots_set(events)["handover_offered"] is True


def test_after_a_crisis_a_message_not_understood_is_read_as_part_of_it(api):
    run(family_actions.ActionAnswer(), tracker("nlu_fallback", slots={"crisis_active": True}))
    assert api[0][0] == "/internal/answers/crisis_still_here"


def test_no_to_the_offer_after_a_crisis_is_respected(api):
    messages, events = run_with_events(family_actions.ActionTalkToPerson(),
                                       tracker("deny", slots={"crisis_active": True}))
    assert all(m.get("response") != "utter_offer_handover_urgent" for m in messages)
    assert slots_set(events)["crisis_active"] is False


def test_when_unsure_the_assistant_asks_whether_anyone_is_in_danger(api):
    _, events = run_with_events(family_actions.ActionCrisisSupport(),
                                tracker("crisis", [{"entity": "risk_kind", "value": "check_in"}]))
    assert api[0][:2] == ("/internal/crisis", {"channel": "web", "kind": "check_in"})
    assert slots_set(events)["danger_asked"] is True
    assert "crisis_active" not in slots_set(events)


def test_yes_someone_is_in_danger_gets_the_crisis_help(api):
    _, events = run_with_events(family_actions.ActionCrisisSupport(),
                                tracker("affirm", slots={"danger_asked": True}))
    assert api[0][:2] == ("/internal/crisis", {"channel": "web", "kind": "general"})
    assert slots_set(events)["handover_urgent"] is True


def test_when_the_api_is_down_a_crisis_still_gets_999_and_the_helplines(api_down):
    messages = run(family_actions.ActionCrisisSupport(),
                   tracker("crisis", [{"entity": "risk_kind", "value": "self_harm"}]))
    assert [m["response"] for m in messages] == ["utter_crisis_offline"]
    words = DOMAIN["responses"]["utter_crisis_offline"][0]["text"]
    for number in ("999", "111", "116 123", "0808 2000 247"):
        assert number in words


def test_when_the_api_is_down_a_question_gets_a_kind_sorry_not_silence(api_down):
    messages = run(family_actions.ActionAnswer(), tracker("money_help"))
    assert [m["response"] for m in messages] == ["utter_assistant_unavailable"]
    assert "01632 960000" in DOMAIN["responses"]["utter_assistant_unavailable"][0]["text"]


# --- what the assistant could not answer is reported, never in the way ---

class ReportingApi(BaseHTTPRequestHandler):
    """Answers GETs like the api, and records POST /internal/unanswered,
    answering with `post_status`."""

    reports = []
    post_status = 201

    def do_GET(self):
        self._reply(200, {"messages": [{"text": "Sorry, I can't help with that."}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        ReportingApi.reports.append((self.path, json.loads(self.rfile.read(length)),
                                     self.headers.get("Authorization")))
        self._reply(ReportingApi.post_status, {"stored": ReportingApi.post_status == 201})

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def reporting_api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReportingApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ReportingApi.reports, ReportingApi.post_status = [], 201
    settings = ActionSettings(f"http://127.0.0.1:{server.server_port}", "secret-token", 5)
    monkeypatch.setattr(common, "API", ApiClient(settings))
    yield ReportingApi
    server.shutdown()


def family_said(text, intent, confidence, ranking=(), entities=(), channel="sms"):
    return Tracker(
        sender_id="c0ffee-e1", slots={},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                        "entities": list(entities), "metadata": {"channel": channel}},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def run_and_settle(action, the_tracker):
    """Run the action, then let its background report finish (as the action server's loop would)."""
    async def go():
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, the_tracker, DOMAIN)
        await common.API.wait_for_reports()
        return dispatcher.messages

    return asyncio.run(go())


def test_an_out_of_scope_message_is_answered_and_reported(reporting_api):
    entities = [{"entity": "postcode", "start": 17, "end": 24, "value": "fb1 2ab"}]
    messages = run_and_settle(family_actions.ActionAnswer(),
                              family_said("can u fix my car fb1 2ab", "out_of_scope", 0.91, entities=entities))
    assert [m["text"] for m in messages] == ["Sorry, I can't help with that."]
    [(path, body, auth)] = reporting_api.reports
    assert (path, auth) == ("/internal/unanswered", "Bearer secret-token")
    assert body == {"conversation_id": "c0ffee-e1", "channel": "sms", "text": "can u fix my car fb1 2ab",
                    "intent": "out_of_scope", "confidence": 0.91, "reason": "out_of_scope",
                    "entities": [{"entity": "postcode", "start": 17, "end": 24}]}


def test_a_fallback_is_reported_with_the_assistants_best_guess(reporting_api):
    run_and_settle(family_actions.ActionAnswer(), family_said(
        "wots the crack wiv the thing", "nlu_fallback", 0.5,
        ranking=[("nlu_fallback", 0.5), ("whats_on", 0.31), ("greet", 0.2)]))
    body = reporting_api.reports[0][1]
    assert (body["reason"], body["intent"], body["confidence"]) == ("fallback", "whats_on", 0.31)


def test_an_answer_given_with_low_confidence_is_reported(reporting_api):
    run_and_settle(family_actions.ActionAnswer(), family_said("nappy money?", "money_help", 0.62))
    assert reporting_api.reports[0][1]["reason"] == "low_confidence"


def test_the_low_confidence_line_is_a_setting(reporting_api, monkeypatch):
    settings = ActionSettings(common.API.settings.api_url, "secret-token", 5, unanswered_below_confidence=0.6)
    monkeypatch.setattr(common, "API", ApiClient(settings))
    run_and_settle(family_actions.ActionAnswer(), family_said("nappy money?", "money_help", 0.62))
    run_and_settle(family_actions.ActionAnswer(), family_said("nappies?", "money_help", 0.55))
    assert [body["text"] for _path, body, _auth in reporting_api.reports] == ["nappies?"]


def test_a_confident_answer_is_not_reported(reporting_api):
    run_and_settle(family_actions.ActionAnswer(), family_said("help with money for nappies", "money_help", 0.93))
    assert reporting_api.reports == []


def test_a_refused_report_never_stops_the_answer_and_is_logged_without_the_words(reporting_api, caplog):
    reporting_api.post_status = 422
    messages = run_and_settle(family_actions.ActionAnswer(), family_said("my secret words", "out_of_scope", 0.9))
    assert [m["text"] for m in messages] == ["Sorry, I can't help with that."]
    assert "did not record unanswered: 422" in caplog.text
    assert "secret" not in caplog.text


def test_with_the_api_down_the_family_still_gets_kind_words(api_down, caplog):
    messages = run_and_settle(family_actions.ActionAnswer(), family_said("my secret words", "out_of_scope", 0.9))
    assert [m["response"] for m in messages] == ["utter_assistant_unavailable"]
    assert "did not record unanswered" in caplog.text and "secret" not in caplog.text


# --- what the family gets when the assistant knows less, or was asked twice ---

def said(text, intent, slots=None, events=(), ranking=()):
    return Tracker(sender_id="a1b2c3", slots=slots or {}, paused=False, followup_action=None,
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                                   "intent_ranking": list(ranking), "entities": [],
                                   "metadata": {"channel": "web"}},
                   events=list(events), active_loop={}, latest_action_name="action_listen")


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(text):
    return {"event": "bot", "text": text}


@pytest.mark.parametrize("text, intent, key", [
    ("can someone call me about my sons behaviour", "behaviour", "person_about_topic"),
    ("i need to talk to someone about money", "money_help", "person_about_topic"),
    ("my son keeps hitting", "behaviour", "behaviour"),
    ("my son is bullied and im so scared for him", "out_of_scope", "cannot_help_upset"),
    ("im desperate please help", "nlu_fallback", "cannot_help_upset"),
    ("my neighbour is noisy", "out_of_scope", "cannot_help"),
    ("who reads this and can u delete it", "privacy", "delete_my_data_check"),
    ("who reads what i write here", "privacy", "privacy"),
])
def test_the_answer_fits_what_the_family_said(api, text, intent, key):
    run(family_actions.ActionAnswer(), said(text, intent))
    assert api[0][0] == f"/internal/answers/{key}"


def test_not_understood_twice_in_a_row_gets_the_hubs_number_and_a_person(api):
    earlier = [user("blah", "nlu_fallback"), bot("Sorry, I can't help with that."), user("blurgh", "nlu_fallback")]
    messages, events = run_with_events(family_actions.ActionAnswer(), said("blurgh", "nlu_fallback", events=earlier))
    assert api[0][0] == "/internal/answers/not_understood_twice"
    assert messages[-1]["response"] == "utter_offer_handover"
    assert slots_set(events)["handover_offered"] is True


def test_an_offer_of_a_person_survives_a_message_not_understood(api):
    messages, events = run_with_events(family_actions.ActionAnswer(),
                                       said("erm what", "nlu_fallback", slots={"handover_offered": True}))
    assert api[0][0] == "/internal/answers/offer_not_understood"
    assert messages[-1]["response"] == "utter_offer_handover"
    assert slots_set(events)["handover_offered"] is True


def test_the_same_answer_is_never_sent_twice_in_a_row(api):
    answer = "answer for /internal/answers/money_help"
    earlier = [user("no food", "money_help"), bot(answer), user("electric on emergency", "money_help")]
    messages, events = run_with_events(family_actions.ActionAnswer(),
                                       said("electric on emergency", "money_help", events=earlier))
    assert [m.get("text") for m in messages][:1] == ["answer for /internal/answers/answer_given_already"]
    assert messages[-1]["response"] == "utter_offer_handover"
    assert slots_set(events)["handover_offered"] is True


def test_a_different_answer_in_between_means_it_is_not_a_repeat(api):
    answer = "answer for /internal/answers/money_help"
    earlier = [user("no food", "money_help"), bot(answer), user("where are you", "find_hub"), bot("Riverside"),
               user("money help", "money_help")]
    messages = run(family_actions.ActionAnswer(), said("money help", "money_help", events=earlier))
    assert [m.get("text") for m in messages] == [answer]
