"""Figures for comms owning the words and teaching the assistant
(`python -m bench.teaching`). Never run by the tests.

Starts the whole stack (tests/support/stack.py: Rasa pulling its model
from the api, the action server, the api; a fresh SQLite database, Redis
db 12) and prints:

- a published word change reaching the next family: from comms pressing
  Publish on the editor page to the next answer the assistant gives with
  the new words (the api's answer route, as action_answer asks it), p50,
  p95 and worst of 20 changes; target under 1 s;
- Rasa's NLG callback (`POST /internal/nlg`, every utter_* response's
  words): p50 and p95 of the call alone, and of a whole turn whose reply
  is an utter_* response (the first handover question), through Rasa REST;
  the turn's overhead from the NLG endpoint, as turn / (turn - NLG call);
  target at most 1.3x.

`--words-only` starts the api alone and prints only the first figure.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.stack import Stack, prepare_database, stack_env, start_stack
from tests.support.staff import csrf_token, logged_in

BENCH_REDIS_DB = 12
CHANGES = 20
CALLS = 50


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, worst {ordered[-1] * 1000:.0f} ms"


def word_change_to_family(api: str, password: str, token: str) -> list[float]:
    comms = logged_in(api, "comms@fernbridge.example", password)
    internal = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    samples = []
    for change in range(CHANGES):
        page = comms.get("/staff/content/answers/thank").text
        version = int(page.split('name="version" value="')[1].split('"')[0])
        words = f"You are welcome. Ask me again any time, day {change + 1}."
        started = time.perf_counter()
        response = comms.post("/staff/content/answers/thank/publish", data={
            "sms": words, "web": words, "note": "bench", "version": version, "csrf_token": csrf_token(page)})
        assert response.status_code in (200, 303), response.text[:300]
        while words not in internal.get("/internal/answers/thank", params={"channel": "web"}).text:
            pass
        samples.append(time.perf_counter() - started)
    return samples


def nlg_overhead(api: str, rasa: str, token: str) -> tuple[list[float], list[float]]:
    internal = httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    body = {"response": "utter_ask_consent", "arguments": {}, "tracker": {"slots": {}, "latest_message": {}},
            "channel": {"name": "rest"}}
    calls = []
    for _ in range(CALLS):
        started = time.perf_counter()
        assert internal.post("/internal/nlg", json=body).status_code == 200
        calls.append(time.perf_counter() - started)
    turns = []
    with httpx.Client(timeout=60) as client:
        for _ in range(CALLS // 2):
            sender = uuid.uuid4().hex
            started = time.perf_counter()
            replies = client.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": "talk to a person"}).json()
            turns.append(time.perf_counter() - started)
            assert replies, "Rasa said nothing"
    return calls, turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words-only", action="store_true",
                        help="start the api alone and print only the word change figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        if args.words_only:
            env = stack_env(Path(workdir), BENCH_REDIS_DB)
            prepare_database(env)
            stack = Stack(workdir=Path(workdir), env=env)
            stack.start("api")
            try:
                stack.wait_until_healthy(path="/staff/login")
                changes = word_change_to_family(stack.api_url, env["DEMO_STAFF_PASSWORD"], env["ACTIONS_API_TOKEN"])
                print(f"A published word change reaches the next family: {percentiles(changes)} "
                      f"({CHANGES} changes; target under 1 s)")
            finally:
                stack.stop_all()
            return
        stack = start_stack(Path(workdir), BENCH_REDIS_DB)
        try:
            env = stack.env
            changes = word_change_to_family(stack.api_url, env["DEMO_STAFF_PASSWORD"], env["ACTIONS_API_TOKEN"])
            print(f"A published word change reaches the next family: {percentiles(changes)} "
                  f"({CHANGES} changes; target under 1 s)")
            calls, turns = nlg_overhead(stack.api_url, stack.rasa_url, env["ACTIONS_API_TOKEN"])
            call, turn = statistics.median(calls), statistics.median(turns)
            print(f"NLG endpoint call: {percentiles(calls)}; a turn answered by an utter_* response: "
                  f"{percentiles(turns)}")
            print(f"Turn overhead of the NLG endpoint: {turn / max(turn - call, 1e-6):.2f}x (target at most 1.3x)")
        finally:
            stack.stop_all()


if __name__ == "__main__":
    main()
