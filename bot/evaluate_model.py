"""What a trained model understands of messages it was never trained on,
for the quality gate (api/teaching/gate.py judges the figures).

Run with the Rasa venv, from the repository root (the spaCy pipeline is
found from there):

    .venvs/rasa/bin/python -m bot.evaluate_model MODEL NLU_HELDOUT CRISIS_HELDOUT OUT_JSON

Writes {"nlu": [[text, expected, predicted]], "crisis": [[text, category,
is_crisis]]}: each held-out NLU example with the intent the model gave,
and each held-out crisis example (data/safety/crisis_examples/heldout.yml)
with whether the model called it a crisis.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from pathlib import Path
from typing import List, Tuple

import yaml


def nlu_examples(path: Path) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:]).strip()
                    found.append((text, str(block["intent"])))
    return found


def crisis_examples(path: Path) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(str(item["text"]), str(item["category"])) for item in data.get("examples") or []]


async def evaluate(model: str, nlu: Path, crisis: Path) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def intent_of(text: str) -> str:
        result = await agent.parse_message(text)
        return (result.get("intent") or {}).get("name") or "nlu_fallback"

    return {
        "nlu": [[text, want, await intent_of(text)] for text, want in nlu_examples(nlu)],
        "crisis": [[text, category, await intent_of(text) == "crisis"] for text, category in crisis_examples(crisis)],
    }


def main(argv: List[str]) -> None:  # pragma: no cover - command line around evaluate()
    model, nlu, crisis, out = argv
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(evaluate(model, Path(nlu), Path(crisis)))
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
