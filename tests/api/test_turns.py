"""A turn (api/turns/turn.py) holds no database connection while Rasa
answers: Rasa's actions call the api back, and need connections of their own."""

import json
import threading
from http.server import ThreadingHTTPServer

from tests.support.http import QuietHandler


def test_no_database_connection_is_held_while_rasa_answers(make_client):
    seen = []
    engine_box = {}

    class Handler(QuietHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            seen.append(engine_box["engine"].pool.checkedout())
            self._reply(200, [{"recipient_id": payload.get("sender"), "text": "Hello from the stand-in"}])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        client = make_client(rasa_url=f"http://127.0.0.1:{server.server_address[1]}")
        engine_box["engine"] = client.app.state.engine
        for text in ("hi", "what time does riverside open"):
            response = client.post("/chat/messages", json={"text": text})
            assert response.status_code == 200 and "Hello from the stand-in" in response.text
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [0, 0]


def test_channels_never_import_each_other():
    """Web chat and SMS share the turn (api/turns/), not each other's code."""
    import ast

    from api.settings import REPO_ROOT

    channels = ("chat", "sms")
    found = []
    for channel in channels:
        for path in (REPO_ROOT / "api" / channel).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [(path.name, name) for name in names for other in channels
                          if other != channel and name.startswith(f"api.{other}")]
    assert found == []
