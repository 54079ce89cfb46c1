"""Whole parts of the test run that need something outside Python: a
PostgreSQL server, Redis, a browser, a trained model (for the NLU
evaluation). A test that cannot run without one is skipped with the part's
name in its reason, and the run then FAILS (tests/conftest.py), with a
summary of what was not tested and why, unless the person running it left
that part out by name:

    TEST_LEAVE_OUT=postgresql,browser make test
"""
import os

import pytest

PARTS = {
    "postgresql": "PostgreSQL (TEST_POSTGRES_URL)",
    "redis": "Redis (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, as the app)",
    "browser": "the browser tests (chromium)",
    "nlu": "the NLU evaluation (a trained model)",
}
LEAVE_OUT = "TEST_LEAVE_OUT"
# Skip reasons that name no part but mean one is missing.
HINTS = {"no trained model": "nlu", "chromium": "browser", "postgresql": "postgresql", "redis is not": "redis"}


def left_out() -> set[str]:
    return {name.strip().lower() for name in os.environ.get(LEAVE_OUT, "").split(",") if name.strip()}


def tag(part: str) -> str:
    return f"[{part} missing]"


def part_missing(part: str, why: str) -> None:
    """Skip this test because `part` is missing (the run fails unless left out)."""
    assert part in PARTS, part
    pytest.skip(f"{tag(part)} {why}")


def part_of(reason: str) -> str | None:
    """The part a skip reason says is missing, if any."""
    lowered = reason.lower()
    for part in PARTS:
        if tag(part) in lowered:
            return part
    for hint, part in HINTS.items():
        if hint in lowered:
            return part
    return None
