"""The load of the multi-replica proof (bench/scale.py), for locust in
headless mode. Runs in its own venv (.venvs/load): locust and the standard
library only. bench/scale.py writes the plan (SCALE_PLAN, JSON) and reads
what happened (SCALE_OUT, one JSON line per message sent).

- WebFamily: a family in the web chat, through the load balancer. Each
  conversation has its own chat cookie (a new one when the last ended):
  a few questions, or booking a place, or asking to be put in touch. The
  next message goes only after the answer, as a person would.
- TextingFamily: a family texting, through the signed webhook exactly as
  Twilio posts it (signatures made by the real twilio library in the plan).
"""
import json
import os
import random
import re
import secrets
import threading
import time

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["SCALE_PLAN"]).read())
_out = open(os.environ["SCALE_OUT"], "a", buffering=1)
_lock = threading.Lock()
_numbers = iter(range(10_000))
# No message is started after this (a message cut off by locust stopping
# would be in a tracker without its record).
STOP_AT = float(os.environ["SCALE_STOP_AT"])


def record(**fields) -> None:
    fields["t"] = time.time()
    with _lock:
        _out.write(json.dumps(fields) + "\n")


class WebFamily(HttpUser):
    weight = PLAN["web_weight"]
    wait_time = between(*PLAN["think_seconds"])

    def on_start(self) -> None:
        self.family = f"web-{next(_numbers)}"
        self.conversations = 0

    def say(self, conversation: str, seq: int, text: str) -> str:
        self.client.cookies.clear()
        started = time.perf_counter()
        status, replies, replica = 0, [], ""
        try:
            response = self.client.post("/chat/messages", json={"text": text}, name="/chat/messages",
                                        headers={"Cookie": f"fh_chat={conversation}"}, timeout=PLAN["timeout"])
            status = response.status_code
            replica = response.headers.get("X-Served-By", "")
            if status == 200:
                replies = [m["text"] for m in response.json()["messages"]]
        except Exception as error:  # noqa: BLE001 - a refused or cut connection is an error to count
            replies = [type(error).__name__]
        record(kind="web", family=self.family, conversation=conversation, seq=seq, text=text, status=status,
               ms=(time.perf_counter() - started) * 1000, replica=replica, replies=replies if status == 200 else [])
        time.sleep(random.uniform(*PLAN["think_seconds"]))
        return " ".join(" ".join(replies).split())

    @task
    def converse(self) -> None:
        conversation = secrets.token_hex(32)
        self.conversations += 1
        script = random.choices(list(PLAN["scripts"]), weights=[s["weight"] for s in PLAN["scripts"].values()])[0]
        steps = PLAN["scripts"][script]["steps"]
        if script == "questions":
            steps = random.sample(steps, k=min(len(steps), PLAN["questions_per_conversation"]))
        seq = 0
        last = ""
        for step in steps:
            if time.time() >= STOP_AT:
                return
            text = step
            if step == "{phone}":  # a mobile number of its own (Ofcom's drama range)
                text = f"07700 900{random.randrange(1000):03d}"
            if step.startswith("{number of "):  # "{number of Baby massage}": its number in the list offered
                title = step[len("{number of "):-1]
                found = re.search(rf"(\d+)\. {re.escape(title)} at", last)
                text = found.group(1) if found else "1"
            last = self.say(conversation, seq, text)
            seq += 1


class TextingFamily(HttpUser):
    weight = PLAN["sms_weight"]
    wait_time = between(*PLAN["sms_gap_seconds"])

    def on_start(self) -> None:
        with _lock:
            self.phone = PLAN["sms_families"].pop() if PLAN["sms_families"] else None
        self.seq = 0

    @task
    def text(self) -> None:
        if not self.phone or self.seq >= len(self.phone["texts"]) or time.time() >= STOP_AT:
            time.sleep(1)
            return
        message = self.phone["texts"][self.seq]
        started = time.perf_counter()
        status = 0
        try:
            response = self.client.post("/sms/inbound", data=message["fields"], name="/sms/inbound",
                                        headers={"X-Twilio-Signature": message["signature"],
                                                 "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                                 "User-Agent": "TwilioProxy/1.1"}, timeout=PLAN["timeout"])
            status = response.status_code
        except Exception:  # noqa: BLE001
            pass
        record(kind="sms", family=self.phone["number"], conversation=self.phone["number"], seq=self.seq,
               text=message["fields"]["Body"], sid=message["fields"]["MessageSid"], status=status,
               ms=(time.perf_counter() - started) * 1000, replica="", replies=[])
        if status == 200:
            self.seq += 1
