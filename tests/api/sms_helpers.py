"""Shared pieces for the SMS tests: clean tables, an api with Twilio
pointed at the loopback stand-in, signed webhooks, and running the job
queue in this process (rq's SimpleWorker in burst mode, so each test
decides exactly when the worker runs). Imported by tests/api/test_sms_*.py."""

from collections.abc import Iterator

import pytest
from rq import SimpleWorker
from sqlalchemy import delete, select

from api.bookings.models import Booking, ConversationContact, SessionDate
from api.outbox.models import OutboxMessage
from api.sms.models import SmsDelivery, SmsInbound, SmsOptOut
from api.sms.runtime import QUEUES, current_runtime
from tests.api.referral_helpers import TEST_DATA_KEY, encryption_key  # noqa: F401 - re-exported with its fixture
from tests.support.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn, inbound_fields, signed_post

PUBLIC = "https://hub.example.org"  # what Twilio posts to; the api itself is behind a proxy
FAMILY = "+447700900123"
OTHER_FAMILY = "+447700900456"


@pytest.fixture(autouse=True)
def no_texts(session_factory, encryption_key):
    with session_factory() as session, session.begin():
        session.execute(delete(SmsDelivery))
        session.execute(delete(OutboxMessage))
        session.execute(delete(SmsInbound))
        session.execute(delete(SmsOptOut))
        session.execute(delete(ConversationContact))
        # No booking from an earlier test waiting for a YES from these numbers.
        session.execute(delete(Booking))
        session.execute(delete(SessionDate))
    yield


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn() as stand_in:
        yield stand_in


def twilio_settings(twilio: TwilioStandIn, **overrides) -> dict:
    values = dict(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN, twilio_from_number=FROM_NUMBER,
                  public_base_url=PUBLIC, twilio_api_base_url=twilio.url, data_encryption_key=TEST_DATA_KEY)
    values.update(overrides)
    return values


@pytest.fixture
def sms_app(make_client, fake_rasa, twilio):
    """Build an api client with Twilio on the stand-in and Rasa on `fake_rasa`."""
    def build(**overrides):
        return make_client(**{"rasa_url": fake_rasa.url, **twilio_settings(twilio, **overrides)})
    return build


def text_in(client, body: str, from_number: str = FAMILY, **options):
    """A family's text, posted and signed exactly as Twilio does (to the public URL)."""
    fields = inbound_fields(from_number, body, **options)
    response = signed_post(client, "/sms/inbound", fields, sign_url=PUBLIC + "/sms/inbound")
    return response, fields


def run_jobs() -> None:
    """Run every job waiting on the SMS queues, in this process, until none is left."""
    rt = current_runtime()
    SimpleWorker([rt.queue(name) for name in QUEUES], connection=rt.redis).work(burst=True)


def inbound_rows(session_factory) -> list[SmsInbound]:
    with session_factory() as session:
        return list(session.scalars(select(SmsInbound).order_by(SmsInbound.id)))


def outbox(session_factory, kind: str | None = None) -> list[tuple[OutboxMessage, SmsDelivery | None]]:
    with session_factory() as session:
        query = select(OutboxMessage, SmsDelivery).outerjoin(
            SmsDelivery, SmsDelivery.outbox_message_id == OutboxMessage.id).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.execute(query).tuples())
