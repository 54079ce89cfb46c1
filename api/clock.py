"""The current time, as a dependency so tests can fix it."""

from datetime import datetime, timezone


def get_now() -> datetime:
    return datetime.now(timezone.utc)
