"""A stand-in for Rasa's REST channel on loopback, with scripted replies.

For browser tests of the web chat that do not need the trained model: it
answers `POST /webhooks/rest/webhook` as Rasa does
(`[{"recipient_id", "text", "buttons"?}]`), records what it was sent, and
can be switched to fail (500) to see how the page copes. `GET /` answers
like Rasa's root, for the api's health check.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from tests.support.http import QuietHandler

Replies = list[dict]


def reply(text: str, *buttons: tuple[str, str]) -> dict:
    """One Rasa message; buttons as (title, payload)."""
    message: dict = {"text": text}
    if buttons:
        message["buttons"] = [{"title": title, "payload": payload} for title, payload in buttons]
    return message


class ScriptedRasa:
    """`script(message_text) -> replies` decides each answer; `down` makes it fail."""

    def __init__(self, script: Callable[[str], Replies]) -> None:
        self.script = script
        self.down = False
        self.received: list[dict] = []
        stand_in = self

        class Handler(QuietHandler):
            def do_GET(self):
                self._reply(200, {"version": "stand-in"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                stand_in.received.append(payload)
                if stand_in.down:
                    self._reply(500, {"error": "the stand-in is down"})
                    return
                sender = payload.get("sender")
                self._reply(200, [{"recipient_id": sender, **message}
                                  for message in stand_in.script(payload.get("message", ""))])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def messages(self) -> list[str]:
        """What the api passed on, in order."""
        return [item.get("message", "") for item in self.received]

    def __enter__(self) -> "ScriptedRasa":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class StaticPages:
    """Serve fixed HTML pages on loopback: a council's site for the widget tests."""

    def __init__(self, pages: dict[str, str] | None = None) -> None:
        self.pages = dict(pages or {})
        served = self

        class Handler(QuietHandler):
            def do_GET(self):
                page = served.pages.get(self.path.split("?")[0])
                self.send_body(200 if page is not None else 404, (page or "not found").encode(),
                               "text/html; charset=utf-8")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> "StaticPages":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
