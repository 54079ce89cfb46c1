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


def tracker(intent, entities=(), slots=None, channel="web"):
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
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, the_tracker):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, the_tracker, DOMAIN))
    return dispatcher.messages


class RecordingApi(BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
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

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    RecordingApi.seen = []
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


def test_a_hub_mentioned_earlier_is_remembered(api):
    run(family_actions.ActionFindHub(), tracker("find_hub", slots={"hub": "northgate"}))
    assert api[0][:2] == ("/internal/hubs/find", {"channel": "web", "hub": "northgate"})


def test_whats_on_passes_kind_day_hub_and_age(api):
    entities = [
        {"entity": "session_kind", "value": "stay and play"},
        {"entity": "day", "value": "thurs"},
        {"entity": "age", "value": "2 year old"},
    ]
    run(family_actions.ActionWhatsOn(), tracker("whats_on", entities))
    assert api[0][1] == {"channel": "web", "kind": "stay and play", "day": "thurs", "age": "2 year old"}


def test_crisis_asks_for_the_signposting_of_that_kind(api):
    run(family_actions.ActionCrisisSupport(),
        tracker("crisis", [{"entity": "risk_kind", "value": "violence"}]))
    assert api[0][:2] == ("/internal/crisis", {"channel": "web", "kind": "violence"})


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
