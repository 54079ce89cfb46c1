"""One family, one record: earlier requests, bookings and texts found by the
keyed phone hash and the conversation's family key; a returning family
offered the worker who helped them; messages after a handover attached to
the open request whatever the day. Runs on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select

from api.bookings.service import create_booking
from api.outbox.models import OutboxMessage
from api.referrals import service
from api.staff.audit import AuditEvent
from tests.api.booking_helpers import MESSY_TUESDAY, booking_body, no_bookings  # noqa: F401 - fixture
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)

MARCH = london(2026, 3, 10, 10, 0)        # a Tuesday: Amira and Tom are both in
TUESDAY_10AM = london(2026, 11, 24, 10, 0)


def create(session, now, **changes):
    return service.create_referral(session, payload(**changes), new_key(), now)


def helped_and_closed(session, session_factory, now, **changes):
    """A request that a worker took up and closed."""
    made = create(session, now, **changes)
    staff = make_staff(session_factory, "front_door")
    referral = service.load_referral(session, made.referral.reference)
    service.claim_referral(session, referral, staff, now)
    service.change_status(session, service.load_referral(session, made.referral.reference), staff, "closed",
                          "Helped on the phone with a housing letter.", now)
    return made.referral


def busy(session, worker_name, now, count=2):
    """Give `worker_name` some open requests from other families."""
    for n in range(count):
        made = create(session, now, conversation_id=f"other-{worker_name[:4]}-{n}",
                      contact__phone=f"07700 90{n:04d}")
        assert made.referral.worker.name == worker_name


# --- the same worker again ---

def test_a_returning_family_is_offered_the_worker_who_helped_them(db, session_factory):
    first = helped_and_closed(db, session_factory, MARCH, conversation_id="famjo-ep1")
    assert first.worker.name == "Amira Hassan"
    busy(db, "Amira Hassan", TUESDAY_10AM, count=1)  # now Tom has fewer open requests...
    made = create(db, TUESDAY_10AM, conversation_id="famjo-ep9")
    assert made.referral.worker.name == "Amira Hassan"  # ...but Amira helped this family
    assert made.messages[1] == "Amira helped you in March, so we have asked Amira to get in touch again."


def test_the_same_phone_from_a_new_web_chat_is_the_same_family(db, session_factory):
    helped_and_closed(db, session_factory, MARCH, conversation_id="browser-one-ep1")
    busy(db, "Amira Hassan", TUESDAY_10AM, count=1)
    made = create(db, TUESDAY_10AM, conversation_id="browser-two-ep1")  # same phone, new browser
    assert made.referral.worker.name == "Amira Hassan" and len(made.messages) == 2


def test_a_worker_at_another_hub_is_not_offered(db, session_factory):
    helped_and_closed(db, session_factory, MARCH, conversation_id="famjo-ep1")
    made = create(db, TUESDAY_10AM, conversation_id="famjo-ep2", hub="northgate")
    assert made.referral.worker.hub.slug == "northgate"
    assert len(made.messages) == 1 and "helped you" not in made.messages[0]


def test_a_new_family_is_not_told_anyone_helped_them(db):
    made = create(db, TUESDAY_10AM, conversation_id="newfam-ep1", contact__phone="07700 900999")
    assert len(made.messages) == 1


# --- messages after a handover ---

def test_a_message_days_later_in_a_new_conversation_goes_onto_the_open_request(db):
    made = create(db, TUESDAY_10AM, conversation_id="famjo-ep1")
    referral, replies = service.add_family_message(db, "famjo-ep7", "the letter came today",
                                                   london(2026, 11, 28, 9, 0))
    assert referral is not None and referral.reference == made.referral.reference
    assert replies == ["Thanks. I have added this to your request. Amira will see it."]
    bodies = [e.body for e in service.load_referral(db, made.referral.reference).events
              if e.kind == "family_message"]
    assert bodies == ["the letter came today"]
    assert service.add_family_message(db, "otherfam-ep1", "hello", TUESDAY_10AM) == (None, [])


# --- what the worker sees ---

@pytest.fixture
def client(make_client):
    return make_client(now=TUESDAY_10AM, data_encryption_key=TEST_DATA_KEY)


def test_the_worker_sees_earlier_requests_bookings_and_texts_and_the_view_is_audited(client, db,
                                                                                     session_factory):
    helped_and_closed(db, session_factory, MARCH, conversation_id="famjo-ep1")
    booked = create_booking(db, booking_body(conversation_id="famjo-ep2"), new_key(), london(2026, 11, 23, 10))
    assert booked.booking.status == "booked"
    made = create(db, TUESDAY_10AM, conversation_id="famjo-ep3")
    staff = make_staff(session_factory, "worker", hub_slug="riverside")
    sign_in(client, staff)
    page = " ".join(client.get(f"/staff/referrals/{made.referral.reference}").text.split())
    earlier = page[page.index('id="earlier-requests"'):]
    assert "Tuesday 10 March 2026" in earlier and "Amira Hassan" in earlier
    assert "Closed: Helped on the phone with a housing letter." in earlier
    bookings = page[page.index('id="family-bookings"'):]
    assert "Messy play" in bookings and "Tuesday 24 November 2026" in bookings and "Booked" in bookings
    texts = page[page.index('id="family-texts"'):]
    assert "To the family" in texts and "this is Test from Riverside Family Hub" in texts
    with session_factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "family_record.viewed",
                                                        AuditEvent.subject_id == made.referral.reference))
    assert event.staff_id == staff.id
    assert event.detail["earlier"] == 1 and event.detail["bookings"] == 1 and event.detail["texts"] >= 1


def test_a_different_family_sees_nothing_of_this_one(client, db, session_factory):
    helped_and_closed(db, session_factory, MARCH, conversation_id="famjo-ep1")
    made = create(db, TUESDAY_10AM, conversation_id="famsam-ep1", contact__phone="07700 900777")
    sign_in(client, make_staff(session_factory, "front_door"))
    page = client.get(f"/staff/referrals/{made.referral.reference}").text
    assert "Nothing before this request." in page and 'id="earlier-requests"' not in page
    assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.to_phone_hash == made.referral.phone_hash)) is None
