"""The whole front door with SMS: Rasa, actions, the api, the SMS workers
and their cron scheduler, with the real twilio library sending to the
loopback stand-in for Twilio's REST API. Used by tests/sms and bench/sms.py.

`TextingFamily` texts the api exactly as Twilio does (a signed form post
to /sms/inbound) and waits until the worker has sent the answer.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import httpx

from tests.support.stack import MODEL, Stack, prepare_database, stack_env
from tests.support.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn, inbound_fields, signed_post

# What Twilio posts to; the api itself listens on loopback, as behind a proxy.
PUBLIC_BASE_URL = "https://hub.example.org"
SERVICES = ("rasa", "actions", "api", "sms-worker", "sms-cron")
# What answers a text (a holding text is only a "please wait": ask for it by name).
ANSWERS = ("reply", "sms_stop", "sms_start", "sms_help", "sms_media_only", "sms_gave_up")
FINISHED = ("sent", "delivered", "undelivered", "failed", "not_sent", "simulated")


class SmsStack(Stack):
    def command(self, name: str) -> list[str]:
        if name == "sms-worker":
            return [sys.executable, "-m", "api.sms.worker"]
        if name == "sms-cron":
            return [sys.executable, "-m", "api.sms.worker", "--cron"]
        return super().command(name)

    @property
    def database(self) -> Path:
        return self.workdir / "familyhub.db"

    def query(self, sql: str, *args) -> list[tuple]:
        """Read the stack's SQLite database (only columns that are not encrypted)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as connection:
            return connection.execute(sql, args).fetchall()

    def wait_for_rasa(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.rasa_url}/status", params={"token": self.env["RASA_TOKEN"]},
                             timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError("Rasa did not come back\n" + self.log_tail("rasa"))


def start_sms_stack(workdir: Path, redis_db: int, twilio: TwilioStandIn, **overrides: str) -> SmsStack:
    if not MODEL.exists():
        raise RuntimeError("No trained model: run `make test` (it trains one) first.")
    env = stack_env(workdir, redis_db, **{
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL, **overrides})
    _empty_redis(env, redis_db)  # no jobs left over from an earlier run
    prepare_database(env)
    stack = SmsStack(workdir=workdir, env=env)
    for name in SERVICES:
        stack.start(name)
    try:
        stack.wait_until_healthy()
    except Exception:
        stack.stop_all()
        raise
    return stack


def _empty_redis(env: dict, db: int) -> None:
    import redis

    client = redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), db=db,
                         password=env["REDIS_PASSWORD"] or None)
    client.flushdb()
    client.close()


class TextingFamily:
    """One family's phone: text the front door, read what comes back."""

    def __init__(self, stack: SmsStack, twilio: TwilioStandIn, number: str) -> None:
        self.stack, self.twilio, self.number = stack, twilio, number
        self.http = httpx.Client(base_url=stack.api_url, timeout=30)
        self.last_sid = ""

    def send(self, text: str) -> httpx.Response:
        fields = inbound_fields(self.number, text)
        self.last_sid = fields["MessageSid"]
        response = signed_post(self.http, "/sms/inbound", fields, sign_url=PUBLIC_BASE_URL + "/sms/inbound")
        assert response.status_code == 200, response.text
        return response

    def texts_for(self, message_sid: str, kinds: tuple[str, ...] = ANSWERS) -> list[str] | None:
        """The bodies the phone got in answer to one text, once the worker has
        answered it and sent every reply; None until then."""
        rows = self.stack.query("SELECT id, state FROM sms_inbound WHERE message_sid = ?", message_sid)
        if not rows or rows[0][1] == "queued":
            return None
        sent = self.stack.query(
            "SELECT d.status, d.twilio_sid, o.kind FROM sms_deliveries d JOIN outbox_messages o "
            "ON o.id = d.outbox_message_id WHERE d.inbound_id = ? ORDER BY o.id", rows[0][0])
        if any(status not in FINISHED for status, _, _ in sent):
            return None
        by_sid = {message["sid"]: message["Body"] for message in self.twilio.to(self.number)}
        return [by_sid[sid] for status, sid, kind in sent if kind in kinds and sid in by_sid]

    def wait(self, message_sid: str, timeout: float = 90, kinds: tuple[str, ...] = ANSWERS) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.texts_for(message_sid, kinds)
            if found is not None:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no answer within {timeout}s\n" + self.stack.log_tail("sms-worker"))

    def say(self, text: str) -> list[str]:
        """Text the front door; the texts that came back (usually one, joined)."""
        self.send(text)
        return self.wait(self.last_sid)
