"""What every loopback stand-in server in the tests shares."""
import json
from http.server import BaseHTTPRequestHandler


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps test output quiet and can answer in JSON
    or plain bytes."""

    def log_message(self, *args):
        pass

    def send_body(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reply(self, status: int, body: object) -> None:
        self.send_body(status, json.dumps(body).encode(), "application/json")
