"""Nobody can make the front door do unbounded work: bodies on family-facing
routes are limited before they are read, and one browser or one address can
send only so many chat messages a minute (api/limits.py)."""

from tests.api.sms_helpers import FAMILY, PUBLIC, encryption_key, no_texts, sms_app, twilio  # noqa: F401
from tests.support.twilio import inbound_fields, signed_post


def test_a_huge_chat_message_is_refused_before_it_is_read(make_client, fake_rasa):
    client = make_client(rasa_url=fake_rasa.url, family_body_max_bytes=16384)
    big = {"text": "x" * 20000}
    assert client.post("/chat/messages", json=big).status_code == 413

    def chunks():  # no Content-Length: counted as it comes
        for _ in range(40):
            yield b"x" * 1000
    assert client.post("/chat/messages", content=chunks(),
                       headers={"Content-Type": "application/json"}).status_code == 413
    assert client.post("/chat", data={"text": "y" * 20000}).status_code == 413
    assert fake_rasa.received == []
    assert client.post("/chat/messages", json={"text": "hello"}).status_code == 200  # normal ones still work


def test_a_huge_webhook_is_refused(sms_app):
    client = sms_app()
    fields = inbound_fields(FAMILY, "z" * 20000)
    assert signed_post(client, "/sms/inbound", fields, sign_url=PUBLIC + "/sms/inbound").status_code == 413


def test_one_browser_can_send_only_so_many_messages_a_minute(make_client, fake_rasa):
    client = make_client(rasa_url=fake_rasa.url, chat_max_per_minute_per_browser=5)
    codes = [client.post("/chat/messages", json={"text": f"message {n}"}).status_code for n in range(7)]
    assert codes == [200] * 5 + [429] * 2
    response = client.post("/chat/messages", json={"text": "again"})
    assert "Please wait a minute" in response.json()["messages"][0]["text"]
    assert len(fake_rasa.received) == 5


def test_cookie_less_posts_from_one_address_are_limited_too(make_client, fake_rasa):
    client = make_client(rasa_url=fake_rasa.url, chat_max_per_minute_per_address=4)
    codes = []
    for n in range(6):
        client.cookies.clear()  # a script that never keeps the cookie
        codes.append(client.post("/chat/messages", json={"text": f"spam {n}"}).status_code)
    assert codes == [200] * 4 + [429] * 2
    assert len(fake_rasa.received) == 4


def test_a_nul_character_in_a_path_or_query_is_a_400_not_a_500(make_client):
    """PostgreSQL cannot hold a NUL in a string: `GET /internal/answers/%00`
    was a 500 there (bench/fuzz_api.py found it)."""
    from tests.api.conftest import AUTH

    client = make_client()
    assert client.get("/internal/answers/%00", headers=AUTH).status_code == 400
    assert client.get("/internal/bookings/mine?conversation_id=ab%00cd", headers=AUTH).status_code == 400
    assert client.get("/staff/content/answers/greet%00", follow_redirects=False).status_code == 400
    assert client.get("/internal/answers/greet", headers=AUTH).status_code == 200  # the rest as before
