""""Delete my data" in the action server (actions/privacy.py): it asks
first, and only after a yes asks the api to erase, passing the pseudonymous
conversation id and channel; the family is told what the api says, and is
never left in silence when the api is down."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from actions import common
from actions import privacy
from actions.api_client import ApiClient
from actions.settings import ActionSettings
from tests.actions.test_actions import api_down, run_with_events, slots_set, tracker  # noqa: F401 - fixture


class Api(BaseHTTPRequestHandler):
    seen = []

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        Api.seen.append(("GET", self.path.split("?")[0], None))
        self._answer({"messages": [{"text": f"answer for {self.path.split('?')[0]}"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Api.seen.append(("POST", self.path, body))
        self._answer({"messages": [{"text": "Done."}, {"text": "We have kept your request."}]})

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Api.seen = []
    monkeypatch.setattr(common, "API", ApiClient(ActionSettings(f"http://127.0.0.1:{server.server_port}", "t", 5)))
    yield Api.seen
    server.shutdown()


def test_asking_to_delete_only_asks_to_confirm(api):
    messages, events = run_with_events(privacy.ActionAskDeleteMyData(), tracker("delete_my_data", channel="sms"))
    assert api == [("GET", "/internal/answers/delete_my_data_check", None)]
    assert [m["text"] for m in messages] == ["answer for /internal/answers/delete_my_data_check"]
    assert slots_set(events)["delete_asked"] is True


def test_a_yes_asks_the_api_to_erase_and_says_what_it_says(api):
    messages, events = run_with_events(privacy.ActionDeleteMyData(),
                                       tracker("affirm", slots={"delete_asked": True}, channel="sms"))
    assert api == [("POST", "/internal/privacy/delete-my-data", {"conversation_id": "a1b2c3", "channel": "sms"})]
    assert [m["text"] for m in messages] == ["Done.", "We have kept your request."]
    assert slots_set(events)["delete_asked"] is False


def test_a_no_keeps_everything(api):
    messages, events = run_with_events(privacy.ActionKeepMyData(), tracker("deny", slots={"delete_asked": True}))
    assert api[0][1] == "/internal/answers/delete_my_data_no"
    assert slots_set(events)["delete_asked"] is False


def test_with_the_api_down_the_family_is_not_left_in_silence(api_down):
    messages, _ = run_with_events(privacy.ActionDeleteMyData(), tracker("affirm", slots={"delete_asked": True}))
    assert [m["response"] for m in messages] == ["utter_assistant_unavailable"]
