"""Rasa's words come from the api; when the api cannot give them, Rasa
still says something safe (bot/nlg.py). The api is a loopback server here
(or a closed port); the real api route is tested in tests/api."""
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from rasa.core.nlg import NaturalLanguageGenerator, TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.nlg import SAFE_FALLBACK, ApiNaturalLanguageGenerator
from tests.support.ports import unused_port

DOMAIN = Domain.load("domain.yml")
SAFE_TEXT = DOMAIN.responses[SAFE_FALLBACK][0]["text"]


def tracker(channel="web"):
    return DialogueStateTracker.from_events(
        "a1b2c3", [UserUttered("yes", intent={"name": "affirm"}, metadata={"channel": channel}),
                   SlotSet("first_name", "Jo")], slots=DOMAIN.slots)


def rasa_made_generator(url):
    """As Rasa makes it: before any model is loaded, so with no domain;
    then, as Agent.load_model does for a templated generator, the loaded
    domain's responses."""
    endpoint = EndpointConfig(url=url, headers={"Authorization": "Bearer t"},
                              type="bot.nlg.ApiNaturalLanguageGenerator", timeout=2)
    nlg = NaturalLanguageGenerator.create(endpoint, None)
    assert isinstance(nlg, ApiNaturalLanguageGenerator)
    assert isinstance(nlg, TemplatedNaturalLanguageGenerator), "or Rasa never gives it the domain's words"
    nlg.responses = DOMAIN.responses
    return nlg


def generate(url, name, channel="web", **arguments):
    # An action's utter_message(response=...) comes without domain_responses.
    return asyncio.run(rasa_made_generator(url).generate(name, tracker(channel), "rest", **arguments))


class NlgApi(BaseHTTPRequestHandler):
    seen: list = []
    status = 200
    reply: object = {"text": "Words from the api, {first_name}", "buttons": [{"title": "Yes", "payload": "yes"}]}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        NlgApi.seen.append((self.path, self.headers.get("Authorization"), body))
        data = json.dumps(NlgApi.reply).encode()
        self.send_response(NlgApi.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), NlgApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    NlgApi.seen, NlgApi.status = [], 200
    NlgApi.reply = {"text": "Words from the api", "buttons": [{"title": "Yes", "payload": "yes"}]}
    yield f"http://127.0.0.1:{server.server_port}/internal/nlg"
    server.shutdown()


def test_the_words_come_from_the_api(api):
    message = generate(api, "utter_offer_handover", channel="sms", hub="Riverside")
    assert message == NlgApi.reply
    [(path, auth, body)] = NlgApi.seen
    assert (path, auth) == ("/internal/nlg", "Bearer t")
    assert body["response"] == "utter_offer_handover"
    assert body["arguments"] == {"hub": "Riverside"}
    assert body["tracker"]["slots"]["first_name"] == "Jo"
    assert body["tracker"]["latest_message"]["metadata"] == {"channel": "sms"}
    assert not body["tracker"]["events"], "the tracker's events are not needed and only slow every reply"


def test_the_crisis_lines_are_the_apis_too_when_it_is_up(api):
    assert generate(api, "utter_crisis_offline")["text"] == "Words from the api"


@pytest.mark.parametrize("status, reply", [
    (500, {"detail": "boom"}), (404, {"detail": "no answer with that key"}), (401, {"detail": "token"}),
    (200, {"text": ""}), (200, ["not", "a", "message"]), (200, {"buttons": []}),
])
def test_a_refusal_or_a_broken_answer_gets_safe_words(api, status, reply):
    NlgApi.status, NlgApi.reply = status, reply
    assert generate(api, "utter_ask_consent") == {"text": SAFE_TEXT}


def test_when_the_api_is_down_a_response_without_words_here_gets_the_safe_line():
    message = generate(f"http://127.0.0.1:{unused_port()}/internal/nlg", "utter_ask_consent")
    assert message["text"] == SAFE_TEXT
    assert "999" in SAFE_TEXT


@pytest.mark.parametrize("name", ["utter_crisis_offline", "utter_assistant_unavailable"])
def test_when_the_api_is_down_the_safe_responses_say_their_own_words(name):
    message = generate(f"http://127.0.0.1:{unused_port()}/internal/nlg", name)
    assert message["text"] == DOMAIN.responses[name][0]["text"]
    assert "999" in message["text"]


def test_only_the_safe_words_are_kept_in_the_domain():
    """Every other response is declared by name only: its words are comms'."""
    with_words = {name for name, variations in DOMAIN.responses.items() if variations}
    assert with_words == {"utter_crisis_offline", "utter_assistant_unavailable", SAFE_FALLBACK}


def test_rasa_is_configured_to_ask_the_api():
    nlg = yaml.safe_load(open("endpoints.yml", encoding="utf-8"))["nlg"]
    assert nlg["type"] == "bot.nlg.ApiNaturalLanguageGenerator"
    assert nlg["url"] == "${API_URL}/internal/nlg"
    assert nlg["headers"] == {"Authorization": "Bearer ${ACTIONS_API_TOKEN}"}
