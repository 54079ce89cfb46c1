"""The current time, as a dependency so tests can fix it.

`CLOCK_FROZEN_AT` (an ISO time with its offset) freezes the api's clock for a
whole running stack, so a conversation test can be "on a bank holiday
weekend" whatever day it runs. Leave it unset in real use.
"""

from datetime import datetime, timezone

from api.settings import get_settings


def as_utc(moment: datetime | None) -> datetime | None:
    """A time read back from the database, as an aware UTC time: SQLite
    gives back the UTC it was given without its zone (PostgreSQL keeps it)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def get_now() -> datetime:
    frozen = get_settings().clock_frozen_at
    return frozen if frozen is not None else datetime.now(timezone.utc)
