"""The one module that talks to Rasa's REST channel."""

import functools
import ssl
from dataclasses import dataclass, field

import certifi
import httpx

from api.reports.metrics import timed_turn

MAX_BUTTONS = 10
MAX_BUTTON_CHARS = 300


class AssistantUnavailable(Exception):
    """Rasa could not be reached, timed out, or answered with an error.
    `cut_off`: the connection was refused or cut, or the proxy in front of
    the Rasa replicas answered for them (502/503/504): the replica died or
    was away, and asking again (another replica) may work."""

    def __init__(self, reason: str, cut_off: bool = False) -> None:
        super().__init__(reason)
        self.cut_off = cut_off


CUT_OFF_ERRORS = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
PROXY_ANSWERED = {502, 503, 504}


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every client this process makes. Left to itself,
    httpx builds one per client and loads every CA certificate into it:
    about 45 ms of CPU for each turn (measured), during which no other
    family's turn on the event loop moves. A client per call stays (it
    belongs to the event loop that made it; the SMS workers run a new loop
    per text)."""
    return ssl.create_default_context(cafile=certifi.where())


def client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, verify=tls())


@dataclass
class Reply:
    """One message from the assistant, with its quick replies (if any):
    `buttons` are `{"title", "payload"}`; choosing one sends the payload."""

    text: str
    buttons: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        """`{"text"}`, plus `"buttons"` only when there are some."""
        return {"text": self.text, "buttons": self.buttons} if self.buttons else {"text": self.text}


def _buttons(raw: object) -> list[dict]:
    """Keep well-formed buttons only: short strings, at most MAX_BUTTONS."""
    if not isinstance(raw, list):
        return []
    kept = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        title, payload = item.get("title"), item.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and title.strip() and payload.strip():
            kept.append({"title": title.strip()[:MAX_BUTTON_CHARS], "payload": payload.strip()[:MAX_BUTTON_CHARS]})
    return kept[:MAX_BUTTONS]


def replies_from(body: object) -> list[Reply]:
    """Rasa's REST answer (`[{"recipient_id", "text", "buttons"}, ...]`) as
    replies. Buttons that come without text join the reply before them."""
    replies: list[Reply] = []
    for item in body if isinstance(body, list) else []:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = _buttons(item.get("buttons"))
        if text:
            replies.append(Reply(text, buttons))
        elif buttons and replies:
            replies[-1].buttons = (replies[-1].buttons + buttons)[:MAX_BUTTONS]
    return replies


async def send_to_rasa_replies(rasa_url: str, sender: str, text: str, channel: str, timeout: float,
                               turn_id: str | None = None, language: str = "en",
                               written_in: str | None = None) -> list[Reply]:
    """Send one message to Rasa; return its replies with their quick replies.
    `turn_id` (no personal data) is kept with the message in the tracker, so
    a retry can find out whether Rasa already took it (`replies_to_turn`).
    `language` is the one to answer in (api/languages/): the actions and
    the NLG endpoint read it back from the message's metadata; `written_in`,
    this message's own language when it is clear, tells Rasa not to guess
    at a language it was not trained on."""
    metadata = {"channel": channel, "language": language, **({"turn_id": turn_id} if turn_id else {}),
                **({"written_in": written_in} if written_in else {})}
    payload = {"sender": sender, "message": text, "metadata": metadata}
    with timed_turn(channel):  # for /metrics: turns, time, errors
        try:
            async with client(timeout) as http:
                response = await http.post(f"{rasa_url.rstrip('/')}/webhooks/rest/webhook", json=payload)
        except httpx.HTTPError as error:
            raise AssistantUnavailable(type(error).__name__, isinstance(error, CUT_OFF_ERRORS)) from error
        if response.status_code >= 400:
            raise AssistantUnavailable(f"status {response.status_code}", response.status_code in PROXY_ANSWERED)
        try:
            body = response.json()
        except ValueError as error:
            raise AssistantUnavailable("reply was not JSON") from error
        return replies_from(body)


async def send_to_rasa(rasa_url: str, sender: str, text: str, channel: str, timeout: float) -> list[str]:
    """Send one message to Rasa; return the texts it replied with (no buttons)."""
    return [reply.text for reply in await send_to_rasa_replies(rasa_url, sender, text, channel, timeout)]


async def replies_to_turn(rasa_url: str, rasa_token: str, sender: str, turn_id: str,
                          timeout: float) -> list[Reply] | None:
    """If Rasa already took the message sent with `turn_id` (a job cut off
    after Rasa answered, before the answer was kept), the replies it gave,
    from the conversation's tracker; None if it never took it. Raises
    AssistantUnavailable when Rasa cannot be asked."""
    try:
        async with client(timeout) as http:
            response = await http.get(f"{rasa_url.rstrip('/')}/conversations/{sender}/tracker",
                                      params={"token": rasa_token} if rasa_token else None)
    except httpx.HTTPError as error:
        raise AssistantUnavailable(type(error).__name__) from error
    if response.status_code >= 400:
        raise AssistantUnavailable(f"status {response.status_code}")
    try:
        events = response.json().get("events") or []
    except (ValueError, AttributeError) as error:
        raise AssistantUnavailable("tracker was not JSON") from error
    found, body = False, []
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "user":
            if found:
                break
            found = (event.get("metadata") or {}).get("turn_id") == turn_id
        elif found and event.get("event") == "bot":
            body.append({"text": event.get("text"), "buttons": (event.get("data") or {}).get("buttons")})
    replies = replies_from(body)
    return replies if found and replies else None
