"""Whole text conversations: the trained model, the real action server, the
api, the SMS workers and their scheduler, real Redis, and the real twilio
library sending to a loopback stand-in for Twilio's REST API.

The clock is frozen on Sunday 22 November 2026 at 8pm (so "Tuesday" is 24
November whatever day the tests run, and it is quiet hours: replies go,
notices wait). A late reply gets its holding text after 8 seconds here,
not a minute, so the test of Rasa being down does not take all day.
"""
import os

import pytest

from tests.support.sms_stack import TextingFamily, start_sms_stack
from tests.support.stack import MODEL
from tests.support.twilio import TwilioStandIn

REDIS_DB = int(os.environ.get("TEST_SMS_REDIS_DB", "7"))
HOLDING_AFTER_SECONDS = 8


@pytest.fixture(scope="session")
def twilio():
    with TwilioStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def sms_stack(tmp_path_factory, twilio):
    if not MODEL.exists():
        pytest.fail("No trained model: `make test` trains one before the tests run.")
    stack = start_sms_stack(tmp_path_factory.mktemp("sms"), REDIS_DB, twilio,
                            CLOCK_FROZEN_AT="2026-11-22T20:00:00+00:00",
                            SMS_HOLDING_AFTER_SECONDS=str(HOLDING_AFTER_SECONDS),
                            # The clock is frozen, so a minute's cap would never lift; the
                            # held-out crisis run sends hundreds of texts in a few minutes.
                            SMS_MAX_PER_MINUTE="100000")
    yield stack
    stack.stop_all()


_numbers = iter(range(100, 1000))


@pytest.fixture
def family(sms_stack, twilio):
    """A family texting from a number of its own (Ofcom's drama range)."""
    return TextingFamily(sms_stack, twilio, f"+447700900{next(_numbers):03d}")
