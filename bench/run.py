"""Print the front door's figures (`make bench`). Never run by the tests.

- NLU parse time (Rasa's /model/parse), p50 and p95
- one chat turn through the api next to the same turn on bare Rasa REST,
  at 1 and 10 conversations at once, p50 and p95
- from the family's last handover answer to the referral appearing on an
  open staff queue page (its server-sent event), p50 and p95
- booking: 20 families booking at once, bookings per second, p50 and p95
  (bench/bookings.py; skip with --no-bookings)
- time to train the model from scratch (skip with --no-train)
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import yaml

from bench.bookings import run as booking_figures
from tests.support.handover import answer_until_the_last_question
from tests.support.staff import logged_in
from tests.support.stack import REPO, RASA_BIN, start_stack

BENCH_REDIS_DB = 13


def heldout_texts() -> list[str]:
    data = yaml.safe_load((REPO / "tests/nlu/heldout.yml").read_text())
    texts = []
    for block in data["nlu"]:
        texts += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return texts


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


async def timed_turns(send, conversations: int, turns: int, texts: list[str]) -> tuple[list[float], list[str]]:
    """Times of the turns that were answered, and what went wrong with the rest."""
    samples: list[float] = []
    failures: list[str] = []

    async def one_conversation(index: int) -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            sender = uuid.uuid4().hex
            for turn in range(turns):
                text = texts[(index * turns + turn) % len(texts)]
                start = time.perf_counter()
                response = await send(client, sender, text)
                if response.status_code == 200:
                    samples.append(time.perf_counter() - start)
                else:
                    failures.append(f"{response.status_code} after {text!r}")

    await asyncio.gather(*(one_conversation(i) for i in range(conversations)))
    return samples, failures


def handover_to_queue(api: str, staff_password: str, handovers: int) -> list[float]:
    """Seconds from the family's last answer to the queue page's live update."""
    staff = logged_in(api, "frontdoor1@fernbridge.example", staff_password)
    arrivals: list[float] = []
    listening = threading.Event()

    def listen() -> None:
        with staff.stream("GET", "/staff/queue/events", timeout=None) as events:
            listening.set()
            for line in events.iter_lines():
                if line.startswith("event: referral"):
                    arrivals.append(time.perf_counter())
                if len(arrivals) >= handovers:
                    return

    threading.Thread(target=listen, daemon=True).start()
    listening.wait(30)
    samples = []
    for _ in range(handovers):
        with httpx.Client(base_url=api, timeout=120) as family:
            def say(text):
                return [m["text"] for m in family.post("/chat/messages", json={"text": text}).json()["messages"]]

            answer_until_the_last_question(say)
            seen = len(arrivals)
            start = time.perf_counter()
            say("riverside")
            deadline = time.monotonic() + 30
            while len(arrivals) <= seen and time.monotonic() < deadline:
                time.sleep(0.005)
            samples.append(arrivals[seen] - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation")
    parser.add_argument("--handovers", type=int, default=10, help="handovers to time")
    parser.add_argument("--no-train", action="store_true", help="skip the training figure")
    parser.add_argument("--no-bookings", action="store_true", help="skip the booking figures")
    args = parser.parse_args()
    texts = heldout_texts()

    with tempfile.TemporaryDirectory() as workdir:
        stack = start_stack(Path(workdir), BENCH_REDIS_DB)
        try:
            rasa, api, token = stack.rasa_url, stack.api_url, stack.env["RASA_TOKEN"]

            with httpx.Client(timeout=60) as client:
                parse_times = []
                for text in texts:
                    start = time.perf_counter()
                    client.post(f"{rasa}/model/parse", params={"token": token},
                                json={"text": text}).raise_for_status()
                    parse_times.append(time.perf_counter() - start)
            print(f"NLU parse (Rasa /model/parse)          {percentiles(parse_times)}")

            async def via_api(client, sender, text):
                # A fresh cookie per conversation: the client keeps it.
                return await client.post(f"{api}/chat/messages", json={"text": text})

            async def via_rasa(client, sender, text):
                return await client.post(f"{rasa}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text})

            for conversations in (1, 10):
                for label, send in (("chat turn through the api", via_api),
                                    ("bare Rasa REST turn", via_rasa)):
                    samples, failures = asyncio.run(timed_turns(send, conversations, args.turns, texts))
                    print(f"{label:27s} x{conversations:<2d}    {percentiles(samples)}")
                    if failures:
                        print(f"    not answered: {len(failures)}: {failures[:5]}")

            samples = handover_to_queue(api, stack.env["DEMO_STAFF_PASSWORD"], args.handovers)
            print(f"last answer to live queue update       {percentiles(samples)}")
        finally:
            stack.stop_all()

    if not args.no_bookings:
        booking_figures(bookers=20, seconds=20)

    if not args.no_train:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([str(RASA_BIN), "train", "--data", "data/nlu", "data/rules.yml", "--force", "--quiet", "--out", out],
                           cwd=REPO, check=True, capture_output=True)
            print(f"Train from scratch                     {time.perf_counter() - start:7.1f} s")


if __name__ == "__main__":
    main()
