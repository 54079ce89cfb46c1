"""The current time, as a dependency so tests can fix it.

`CLOCK_FROZEN_AT` (an ISO time with its offset) freezes the api's clock for a
whole running stack, so a conversation test can be "on a bank holiday
weekend" whatever day it runs. Leave it unset in real use.
"""

from datetime import datetime, timezone

from api.settings import get_settings


def get_now() -> datetime:
    frozen = get_settings().clock_frozen_at
    return frozen if frozen is not None else datetime.now(timezone.utc)
