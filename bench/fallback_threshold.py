"""How the fallback threshold trades wrong answers for "sorry, I can't help".

Run with the Rasa venv: `.venvs/rasa/bin/python -m bench.fallback_threshold`.
It parses every held-out example (never used in training) with the trained
model and, for each threshold, counts what a family would get: the right
answer, a wrong answer, or the honest fallback. An out-of-scope question is
handled well when it gets the fallback or the out_of_scope answer (both say
what the assistant can help with).
"""
import asyncio
import os

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
NOT_JUDGED = {"crisis"}  # decided by the safety rules, never by the threshold


def main() -> None:
    agent = Agent.load("models/current.tar.gz")
    examples = load_data("tests/nlu/heldout.yml").intent_examples
    parsed = []
    for example in examples:
        result = asyncio.run(agent.parse_message(example.get("text")))
        ranking = [r for r in result["intent_ranking"] if r["name"] != "nlu_fallback"]
        parsed.append((example.get("intent"), ranking[0]["name"], ranking[0]["confidence"]))
    print(f"{'threshold':>9}  {'right':>6}  {'wrong':>6}  {'fallback':>8}  out of scope handled")
    for threshold in THRESHOLDS:
        right = wrong = fallback = oos_ok = oos = 0
        for expected, guess, confidence in parsed:
            if expected in NOT_JUDGED:
                continue
            falls_back = confidence < threshold
            if expected == "out_of_scope":
                oos += 1
                oos_ok += falls_back or guess == "out_of_scope"
            elif falls_back:
                fallback += 1
            elif guess == expected:
                right += 1
            else:
                wrong += 1
        print(f"{threshold:>9.1f}  {right:>6}  {wrong:>6}  {fallback:>8}  {oos_ok}/{oos}")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
