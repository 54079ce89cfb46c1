"""The far side of Twilio, on loopback.

`TwilioStandIn` is a small HTTP server that answers Twilio's REST API for
sending a text (`POST /2010-04-01/Accounts/{sid}/Messages.json`) as Twilio
does, checking the account's Basic auth, and records each form body. The
api's real twilio library builds and sends every request to it
(TWILIO_API_BASE_URL). It can also play Twilio's part in the other
direction: `signed_inbound` and `report` make webhook requests exactly as
Twilio makes them (form fields, X-Twilio-Signature from the official
RequestValidator over the public URL).
"""
from __future__ import annotations

import base64
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

from tests.support.http import QuietHandler

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-twilio-auth-token-" + "x" * 9
FROM_NUMBER = "+441632960999"  # an Ofcom drama number, like every number in the tests
WHATSAPP_PROFILE_NAME = "Shireen Testfamily"  # the family's name on WhatsApp: never to be kept or logged


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


class TwilioStandIn:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[dict] = []  # each: the form fields, plus "sid" and "at" (perf_counter)
        self.requests = 0
        self._failures: list[tuple[int, dict]] = []
        self._changed = threading.Condition()
        stand_in = self

        class Handler(QuietHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
                stand_in.requests += 1
                expected = f"/2010-04-01/Accounts/{stand_in.account_sid}/Messages.json"
                if self.path != expected:
                    return self._reply(404, {"code": 20404, "message": "The requested resource was not found",
                                             "status": 404})
                auth = base64.b64encode(f"{stand_in.account_sid}:{stand_in.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {auth}":
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                with stand_in._changed:
                    if stand_in._failures:
                        status, body = stand_in._failures.pop(0)
                        return self._reply(status, body)
                    sid = new_sid()
                    stand_in.messages.append({**fields, "sid": sid, "at": time.perf_counter()})
                    stand_in._changed.notify_all()
                self._reply(201, {
                    "sid": sid, "account_sid": stand_in.account_sid, "to": fields.get("To"),
                    "from": fields.get("From"), "messaging_service_sid": fields.get("MessagingServiceSid"),
                    "body": fields.get("Body"), "status": "queued", "num_segments": "1", "num_media": "0",
                    "direction": "outbound-api", "api_version": "2010-04-01", "price": None, "error_code": None,
                    "error_message": None, "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                    "uri": f"/2010-04-01/Accounts/{stand_in.account_sid}/Messages/{sid}.json",
                })

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> "TwilioStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, code: int, message: str = "Twilio could not send this") -> None:
        """The next send gets this error, as Twilio's REST API returns it."""
        self._failures.append((status, {"code": code, "message": message, "status": status,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}))

    def to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m.get("To") == number]

    def wait_for(self, count: int, number: str | None = None, timeout: float = 60) -> list[dict]:
        """Until `count` texts were sent (to `number`); returns them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.to(number) if number else list(self.messages)
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self._changed.wait(min(0.5, max(0.01, deadline - time.monotonic())))

    def report(self, client, message: dict, status: str, error_code: str | None = None) -> httpx.Response:
        """Post the delivery report Twilio would post for a sent text."""
        params = {"AccountSid": self.account_sid, "MessageSid": message["sid"], "SmsSid": message["sid"],
                  "MessageStatus": status, "SmsStatus": status, "To": message["To"],
                  "From": message.get("From", FROM_NUMBER), "ApiVersion": "2010-04-01"}
        if error_code:
            params["ErrorCode"] = error_code
        return signed_post(client, message["StatusCallback"], params, self.auth_token)


def inbound_fields(from_number: str, body: str, *, sid: str | None = None, media: int = 0,
                   media_type: str = "image/jpeg", to: str | None = None, account_sid: str = ACCOUNT_SID) -> dict:
    """The form fields Twilio posts for an incoming text, or for a WhatsApp
    message when `from_number` is "whatsapp:+44..." (then with the
    family's WhatsApp profile name and id, as Twilio adds them)."""
    sid = sid or new_sid()
    whatsapp = from_number.startswith("whatsapp:")
    to = to or ("whatsapp:" + FROM_NUMBER if whatsapp else FROM_NUMBER)
    fields = {
        "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": str(media), "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
        "FromCountry": "GB", "To": to, "ToZip": "", "NumSegments": "1", "ReferralNumMedia": "0",
        "MessageSid": sid, "AccountSid": account_sid, "From": from_number, "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        fields.update(ProfileName=WHATSAPP_PROFILE_NAME, WaId=from_number.removeprefix("whatsapp:+"),
                      MessageType=media_type.split("/")[0] if media else "text")
    for index in range(media):
        fields[f"MediaContentType{index}"] = media_type
        fields[f"MediaUrl{index}"] = f"https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media/ME{index}"
    return fields


def signed_post(client, url: str, fields: dict, auth_token: str = AUTH_TOKEN, *, sign_url: str | None = None,
                signature: str | None = None) -> httpx.Response:
    """POST a form as Twilio does, signed for `sign_url` (default: `url`)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
               "User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": secrets.token_hex(8)}
    if signature is None:
        signature = RequestValidator(auth_token).compute_signature(sign_url or url, fields)
    if signature:
        headers["X-Twilio-Signature"] = signature
    return client.post(url, data=fields, headers=headers)
