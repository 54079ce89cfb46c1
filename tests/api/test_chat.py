"""Web chat: the page, bad input, Rasa down, and pseudonymous sender ids."""

import logging
import time
from pathlib import Path

from tests.support.ports import unused_port

CHAT_JS = Path(__file__).resolve().parents[2] / "api" / "chat" / "static" / "chat.js"


def test_chat_page_has_a_labelled_box_and_says_it_is_automated(make_client):
    response = make_client().get("/chat")
    assert response.status_code == 200
    page = response.text
    assert '<label for="chat-input">Your message</label>' in page
    assert 'id="chat-input"' in page
    assert "automated assistant, not a person" in page
    assert "script-src 'self'" in response.headers["content-security-policy"]
    script = make_client().get("/chat/chat.js").text
    assert "textContent" in script and "innerHTML" not in script


def test_empty_message_is_422_with_kind_words(make_client, fake_rasa):
    client = make_client(rasa_url=fake_rasa.url)
    for body in ({"text": ""}, {"text": "   \n "}, {}):
        response = client.post("/chat/messages", json=body)
        assert response.status_code == 422
        assert response.json() == {"messages": [{"text": "Your message was empty. You can type it in the box and send it again."}]}
    assert fake_rasa.received == []


def test_too_long_message_is_422_and_never_reaches_rasa(make_client, fake_rasa):
    client = make_client(rasa_url=fake_rasa.url)
    response = client.post("/chat/messages", json={"text": "a" * 1001})
    assert response.status_code == 422
    assert "too long" in response.json()["messages"][0]["text"]
    assert fake_rasa.received == []
    assert client.post("/chat/messages", json={"text": "a" * 1000}).status_code == 200


def test_rasa_down_is_503_with_the_emergency_line(make_client):
    client = make_client(rasa_url=f"http://127.0.0.1:{unused_port()}")
    response = client.post("/chat/messages", json={"text": "hello"})
    assert response.status_code == 503
    [message] = response.json()["messages"]
    assert "If anyone is in danger now, call 999." in message["text"]
    assert "Traceback" not in response.text


def test_rasa_error_is_503_too(make_client, fake_rasa):
    fake_rasa.status = 500
    response = make_client(rasa_url=fake_rasa.url).post("/chat/messages", json={"text": "hello"})
    assert response.status_code == 503
    assert "call 999" in response.json()["messages"][0]["text"]


def test_replies_come_back_and_rasa_sees_a_pseudonym_not_the_cookie(make_client, fake_rasa, test_redis):
    client = make_client(rasa_url=fake_rasa.url, secure_cookies=False)
    first = client.post("/chat/messages", json={"text": "hi"})
    assert first.status_code == 200
    assert first.json() == {"messages": [{"text": "Hello from the stand-in"}, {"text": "A second reply"}]}
    cookie = client.cookies.get("fh_chat")
    header = first.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header and "secure" not in header

    client.post("/chat/messages", json={"text": "when are you open"})
    [one, two] = fake_rasa.received
    assert one["path"] == "/webhooks/rest/webhook"
    assert one["json"]["message"] == "hi" and one["json"]["metadata"]["channel"] == "web"
    assert one["json"]["metadata"]["turn_id"].startswith("web-")  # no personal data in it
    sender = one["json"]["sender"]
    assert cookie and cookie not in sender
    assert two["json"]["sender"] == sender  # the same conversation

    other = make_client(rasa_url=fake_rasa.url)
    other.post("/chat/messages", json={"text": "hi"})
    assert fake_rasa.received[2]["json"]["sender"] != sender  # a different family


def test_secure_cookie_behind_https(make_client, fake_rasa):
    response = make_client(rasa_url=fake_rasa.url, secure_cookies=True).post("/chat/messages", json={"text": "hi"})
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_new_conversation_after_the_quiet_period(make_client, fake_rasa, test_redis):
    client = make_client(rasa_url=fake_rasa.url, conversation_quiet_seconds=1)
    client.post("/chat/messages", json={"text": "hi"})
    client.post("/chat/messages", json={"text": "hi again"})
    time.sleep(1.3)
    client.post("/chat/messages", json={"text": "back the next day"})
    senders = [item["json"]["sender"] for item in fake_rasa.received]
    assert senders[0] == senders[1]
    assert senders[2] != senders[0]
    # the same family underneath: the keyed hash of the cookie is kept, the episode is new
    assert senders[2].split("-")[0] == senders[0].split("-")[0]


def test_the_log_has_no_message_text(make_client, fake_rasa, caplog):
    caplog.set_level(logging.INFO, logger="api.chat")
    make_client(rasa_url=fake_rasa.url).post("/chat/messages", json={"text": "my secret worry about money"})
    lines = [r.getMessage() for r in caplog.records if r.name == "api.chat"]
    assert len(lines) == 1 and "status=200" in lines[0]
    assert "secret" not in caplog.text


def test_the_chat_shows_again_in_this_browser_only_for_a_short_time_and_says_so(make_client, fake_rasa, test_redis):
    client = make_client(rasa_url=fake_rasa.url, data_encryption_key="test-data-encryption-key",
                         web_chat_shown_seconds=1800)
    client.post("/chat/messages", json={"text": "my worry about money"})
    [name] = test_redis.keys("chat:transcript:*")
    assert 0 < test_redis.ttl(name) <= 1800  # not the day-long quiet time
    page = client.get("/chat").text
    assert "my worry about money" in page
    assert "This chat shows here again for 30 minutes after your last message." in page


def test_a_rasa_replica_dying_mid_turn_is_asked_again_once(make_client, fake_rasa, test_redis):
    """Several Rasa replicas behind a proxy: the one answering dies and the
    proxy answers 502 for it. The api asks again (another replica), once,
    with the same turn id, and the family gets their answer."""
    import json
    import threading
    from http.server import ThreadingHTTPServer

    from tests.support.http import QuietHandler

    posts = []

    class DyingThenFine(QuietHandler):
        def do_GET(self):  # the tracker: the dead replica never saved the turn
            self._reply(200, {"events": []})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            posts.append(body)
            if len(posts) == 1:
                return self._reply(502, {"error": "the replica went away"})
            self._reply(200, [{"recipient_id": body["sender"], "text": "Riverside is open 9 to 5"}])

    server = ThreadingHTTPServer(("127.0.0.1", 0), DyingThenFine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = make_client(rasa_url=f"http://127.0.0.1:{server.server_address[1]}")
        response = client.post("/chat/messages", json={"text": "when is riverside open"})
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 200
    assert response.json() == {"messages": [{"text": "Riverside is open 9 to 5"}]}
    first, second = posts
    assert first["metadata"]["turn_id"] == second["metadata"]["turn_id"]


def test_rasa_refusing_with_an_error_of_its_own_is_not_asked_twice(make_client, fake_rasa, test_redis):
    """A 500 from Rasa itself is no dead replica: no second try."""
    fake_rasa.status = 500
    client = make_client(rasa_url=fake_rasa.url)
    assert client.post("/chat/messages", json={"text": "hi"}).status_code == 503
    assert len(fake_rasa.received) == 1
