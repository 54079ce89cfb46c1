"""The action server's settings, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSettings:
    api_url: str
    api_token: str
    timeout_seconds: float
    # An answer given with less intent confidence than this is a guess, and
    # goes on the comms team's "what we could not answer" page.
    unanswered_below_confidence: float = 0.7


def load_settings() -> ActionSettings:
    return ActionSettings(
        api_url=os.environ.get("API_URL", "http://127.0.0.1:8000").rstrip("/"),
        api_token=os.environ.get("ACTIONS_API_TOKEN", ""),
        timeout_seconds=float(os.environ.get("ACTIONS_API_TIMEOUT", "10")),
        unanswered_below_confidence=float(os.environ.get("UNANSWERED_BELOW_CONFIDENCE", "0.7")),
    )
