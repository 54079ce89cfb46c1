"""Print the SMS figures. Never run by the tests.

    .venvs/api/bin/python -m bench.sms [--turns N]

Starts the whole front door with the SMS workers (tests/support/sms_stack.py),
the real twilio library sending to a loopback stand-in for Twilio, then, at
1 and 10 conversations at once, each family texting held-out questions:

- webhook acknowledgement: from posting Twilio's signed form to
  /sms/inbound to the empty TwiML answer, p50 and p95;
- full SMS turn: from that post to the last outbound request of the
  answer reaching Twilio's REST API (the stand-in), p50 and p95;
- bare Rasa REST, the same texts and concurrency, measured in the same run;
- segments and texts per answer (what an average answer costs).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.run import heldout_texts, percentiles, timed_turns
from tests.support.sms_stack import PUBLIC_BASE_URL, TextingFamily, start_sms_stack
from tests.support.twilio import TwilioStandIn, inbound_fields, signed_post

BENCH_REDIS_DB = 9
KEYWORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "start", "unstop", "help"}


def sms_turns(stack, twilio, conversations: int, turns: int, texts: list[str], first_number: int):
    """Acknowledgement times, turn times, and (segments, texts) per answer."""
    acks, turn_times, costs, failures = [], [], [], []
    lock = threading.Lock()

    def one_family(index: int) -> None:
        family = TextingFamily(stack, twilio, f"+447700900{first_number + index:03d}")
        for turn in range(turns):
            text = texts[(index * turns + turn) % len(texts)]
            fields = inbound_fields(family.number, text)
            start = time.perf_counter()
            response = signed_post(family.http, "/sms/inbound", fields, sign_url=PUBLIC_BASE_URL + "/sms/inbound")
            acked = time.perf_counter()
            if response.status_code != 200:
                with lock:
                    failures.append(f"{response.status_code} after {text!r}")
                continue
            try:
                family.wait(fields["MessageSid"], timeout=120)
            except AssertionError:
                with lock:
                    failures.append(f"no answer to {text!r}")
                continue
            sent = stack.query("SELECT d.twilio_sid, d.segments FROM sms_deliveries d JOIN sms_inbound i "
                               "ON i.id = d.inbound_id JOIN outbox_messages o ON o.id = d.outbox_message_id "
                               "WHERE i.message_sid = ? AND o.kind = 'reply'", fields["MessageSid"])
            arrived = {m["sid"]: m["at"] for m in twilio.to(family.number)}
            times = [arrived[sid] for sid, _ in sent if sid in arrived]
            with lock:
                acks.append(acked - start)
                if times:
                    turn_times.append(max(times) - start)
                    costs.append((sum(segments for _, segments in sent), len(sent)))
                else:
                    failures.append(f"an empty answer to {text!r}")

    threads = [threading.Thread(target=one_family, args=(i,)) for i in range(conversations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acks, turn_times, costs, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=12, help="turns per conversation")
    args = parser.parse_args()
    texts = [t for t in heldout_texts() if t.strip(" .!?").lower() not in KEYWORDS]

    with tempfile.TemporaryDirectory() as workdir, TwilioStandIn() as twilio:
        # The default overall limit (SMS_MAX_PER_MINUTE=60, about one text a
        # second like a single long code) would hold ten fast families' texts
        # for the next minute; measure the pipeline, not the limit.
        stack = start_sms_stack(Path(workdir), BENCH_REDIS_DB, twilio, SMS_MAX_PER_MINUTE="100000")
        try:
            rasa = stack.rasa_url

            async def via_rasa(client, sender, text):
                return await client.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text})

            all_costs = []
            first_number = 100
            for conversations in (1, 10):
                acks, turn_times, costs, failures = sms_turns(stack, twilio, conversations, args.turns, texts,
                                                              first_number)
                first_number += conversations
                all_costs += costs
                rasa_times, rasa_failures = asyncio.run(timed_turns(via_rasa, conversations, args.turns, texts))
                print(f"SMS webhook acknowledgement  x{conversations:<2d}  {percentiles(acks)}")
                print(f"SMS turn, inbound to outbound x{conversations:<2d} {percentiles(turn_times)}")
                print(f"bare Rasa REST turn          x{conversations:<2d}  {percentiles(rasa_times)}")
                for problem in (failures + rasa_failures)[:5]:
                    print(f"    not answered: {problem}")
            segments = [cost[0] for cost in all_costs]
            texts_sent = [cost[1] for cost in all_costs]
            print(f"an answer costs on average {statistics.mean(segments):.2f} segments in "
                  f"{statistics.mean(texts_sent):.2f} texts (max {max(segments)} segments; n={len(segments)}); "
                  f"{sum(1 for s in segments if s == 1) * 100 // len(segments)}% fit in one segment")
        finally:
            stack.stop_all()


if __name__ == "__main__":
    main()
