"""The handover as service functions: checking, assigning, promising a
time, idempotency, withdrawing, messages after the handover, claiming, and
personal data kept encrypted. Runs on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from api import crypto
from api.outbox.models import OutboxMessage
from api.referrals import service
from api.referrals.models import Referral
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    encryption_key, london, make_staff, new_key, no_referrals, payload, utc,
)

MONDAY_10AM = london(2026, 11, 23, 10, 0)
TUESDAY_10AM = london(2026, 11, 24, 10, 0)


def create(session, now=MONDAY_10AM, key=None, **changes):
    return service.create_referral(session, payload(**changes), key or new_key(), now)


def count_referrals(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(Referral.id)))


# --- bad input: a clear 422 message, and nothing written ---

BAD = [
    ({"first_name": None}, "first_name"),
    ({"first_name": ""}, "first_name"),
    ({"family_words": "x" * 10_000}, "family_words"),
    ({"conversation_id": ""}, "conversation_id"),
    ({"contact__phone": None}, "contact.phone"),
    ({"contact__phone": "not a number"}, "contact.phone"),
    ({"contact__method": "pigeon"}, "contact.method"),
    ({"contact__safe_to_text": "yes"}, "contact.safe_to_text"),
    ({"contact__safe_to_leave_message": None}, "contact.safe_to_leave_message"),
    ({"consent": None}, "consent"),
    ({"consent__wording": ""}, "consent.wording"),
    ({"consent__at": "last tuesday"}, "consent.at"),
    ({"hub": "Atlantis"}, "hub"),
    ({"hub": None, "postcode": "ZZ9 9ZZ"}, "postcode"),
    ({"hub": None}, "hub or postcode"),
    ({"channel": "fax"}, "channel"),
    ({"urgent": "very"}, "urgent"),
]


@pytest.mark.parametrize("changes, field", BAD, ids=[field for _, field in BAD])
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(db, session_factory, changes, field):
    before = count_referrals(session_factory)
    with pytest.raises(service.ReferralInvalid) as refused:
        create(db, **changes)
    assert str(refused.value).startswith(field)
    assert count_referrals(session_factory) == before


@pytest.mark.parametrize("answer", ["no", "maybe", "ok then", ""])
def test_no_clear_yes_means_no_referral(db, session_factory, answer):
    with pytest.raises(service.ReferralInvalid) as refused:
        create(db, consent__answer=answer)
    assert "consent" in str(refused.value)
    assert count_referrals(session_factory) == 0


def test_missing_idempotency_key_is_refused(db, session_factory):
    with pytest.raises(service.ReferralInvalid, match="Idempotency-Key"):
        service.create_referral(db, payload(), "", MONDAY_10AM)
    assert count_referrals(session_factory) == 0


def test_without_an_encryption_key_nothing_personal_is_written(db, session_factory):
    crypto.use_key("")
    with pytest.raises(crypto.EncryptionKeyMissing):
        create(db)
    assert count_referrals(session_factory) == 0


# --- the confirmation, the worker and the time ---

def test_the_family_is_told_who_will_text_and_by_when(db):
    result = create(db, now=london(2026, 11, 23, 19, 0))  # Monday evening
    assert result.created
    assert result.messages == ["Thanks Jo. Amira from Riverside Family Hub will text you by 10am tomorrow. "
                               "You won't need to explain everything again."]
    assert utc(result.referral.contact_by) == utc(london(2026, 11, 24, 10, 0))


def test_call_instead_of_text_when_they_chose_a_call(db):
    result = create(db, now=london(2026, 11, 23, 19, 0), contact__method="call")
    assert "will call you by 10am tomorrow" in result.messages[0]


def test_asked_for_a_text_but_not_safe_to_text_means_a_call(db):
    result = create(db, now=london(2026, 11, 23, 19, 0), contact__safe_to_text=False)
    assert "will call you" in result.messages[0] and "text you" not in result.messages[0]


def test_on_a_saturday_the_promise_is_for_monday(db):
    result = create(db, now=london(2026, 11, 28, 10, 0))
    assert "Amira from Riverside Family Hub will text you by 10am on Monday." in result.messages[0]


def test_a_bank_holiday_weekend_moves_the_promise_to_tuesday(db):
    # Friday 28 May 2027, evening; Monday 31 May is the late May bank holiday.
    result = create(db, now=london(2027, 5, 28, 19, 0))
    assert "will text you by 10am on Tuesday." in result.messages[0]
    assert utc(result.referral.contact_by) == utc(london(2027, 6, 1, 10, 0))


def test_christmas_closure_moves_the_promise_to_january(db):
    result = create(db, now=london(2026, 12, 23, 18, 0))
    assert "will text you by 10am on Monday 4 January." in result.messages[0]


def test_a_worker_on_duty_now_promises_by_the_end_of_their_shift(db):
    # Millbrook on a Saturday morning: Priya works 9:30 to 12:30.
    result = create(db, now=london(2026, 11, 28, 10, 0), hub="millbrook")
    assert result.referral.worker.name == "Priya Sharma"
    assert "Priya from Millbrook Family Hub will text you by 12:30pm today." in result.messages[0]


def test_nobody_on_duty_now_goes_to_whoever_is_on_next(db):
    # Northgate on a Wednesday at 8am: Grace is off on Wednesdays; Daniel starts at 9.
    result = create(db, now=london(2026, 11, 25, 8, 0), hub="northgate")
    assert result.referral.worker.name == "Daniel Price"
    assert "by 10am today" in result.messages[0]


def test_urgent_and_the_worker_is_in_means_today(db):
    result = create(db, urgent=True)
    assert result.messages[0] == ("Thanks Jo. Amira from Riverside Family Hub will text you today. "
                                  "You won't need to explain everything again.")


def test_urgent_out_of_hours_does_not_promise_today(db):
    result = create(db, now=london(2026, 11, 28, 22, 0), urgent=True)
    assert "today" not in result.messages[0]
    assert "by 10am on Monday" in result.messages[0]


def test_the_on_duty_worker_with_fewest_open_referrals_gets_the_next_one(db):
    # Tuesday: Amira and Tom are both in at Riverside.
    first = create(db, now=TUESDAY_10AM)
    second = create(db, now=TUESDAY_10AM)
    third = create(db, now=TUESDAY_10AM)
    assert first.referral.worker.name == "Amira Hassan"
    assert second.referral.worker.name == "Tom Whitaker"
    assert third.referral.worker.name == "Amira Hassan"


def test_closed_referrals_do_not_count_against_a_worker(db, session_factory):
    staff = make_staff(session_factory, "front_door")
    first = create(db, now=TUESDAY_10AM)
    service.claim_referral(db, service.load_referral(db, first.referral.reference), staff, TUESDAY_10AM)
    service.change_status(db, service.load_referral(db, first.referral.reference), staff, "closed",
                          "Helped on the phone.", TUESDAY_10AM)
    assert create(db, now=TUESDAY_10AM).referral.worker.name == "Amira Hassan"


def test_a_postcode_finds_the_hub(db):
    result = create(db, hub=None, postcode="FB3 1ZZ", now=TUESDAY_10AM)
    assert result.referral.hub.slug == "northgate"


# --- idempotency ---

def test_the_same_key_gives_the_same_referral(db, session_factory):
    key = new_key()
    first = create(db, key=key)
    again = create(db, key=key, now=MONDAY_10AM + timedelta(seconds=30))
    assert not again.created
    assert again.referral.reference == first.referral.reference
    assert again.messages == first.messages
    assert count_referrals(session_factory) == 1


def test_two_identical_requests_at_once_make_one_referral(session_factory):
    key, barrier, results, errors = new_key(), threading.Barrier(2), [], []

    def send():
        try:
            with session_factory() as session:
                barrier.wait()
                results.append(service.create_referral(session, payload(), key, MONDAY_10AM))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len({r.referral.reference for r in results}) == 1
    assert sorted(r.created for r in results) == [False, True]
    assert count_referrals(session_factory) == 1


# --- queue order ---

def test_urgent_referrals_come_first_then_the_oldest(db):
    old = create(db, now=MONDAY_10AM)
    newer = create(db, now=MONDAY_10AM + timedelta(minutes=5))
    urgent = create(db, now=MONDAY_10AM + timedelta(minutes=10), urgent=True)
    order = [r.reference for r in service.queue(db)]
    assert order == [urgent.referral.reference, old.referral.reference, newer.referral.reference]


# --- after the handover ---

def test_the_family_can_withdraw(db):
    made = create(db)
    referral, texts = service.withdraw_referral(db, "c0ffee-1", "We sorted it out.", MONDAY_10AM)
    assert referral.reference == made.referral.reference
    assert "stopped your request" in texts[0]
    again = service.load_referral(db, made.referral.reference)
    assert again.status == "withdrawn" and again.status_reason == "We sorted it out."
    assert again.events[-1].kind == "withdrawn"
    assert made.referral.reference not in [r.reference for r in service.queue(db)]
    assert made.referral.reference in [r.reference for r in service.queue(db, status="withdrawn")]


def test_withdrawing_with_nothing_open_says_so(db):
    referral, texts = service.withdraw_referral(db, "nobody-here", "", MONDAY_10AM)
    assert referral is None and "nothing to stop" in texts[0]


def test_a_message_after_the_handover_goes_onto_the_referral(db):
    made = create(db)
    referral, texts = service.add_family_message(db, "c0ffee-1", "Please call after 4, not before.",
                                                 MONDAY_10AM + timedelta(hours=1))
    assert referral.reference == made.referral.reference
    assert texts == ["Thanks. I have added this to your request. Amira will see it."]
    events = service.load_referral(db, made.referral.reference).events
    assert events[-1].kind == "family_message" and events[-1].body == "Please call after 4, not before."


def test_a_family_texting_in_can_ask_to_be_contacted_on_the_number_they_text_from(db):
    """Rasa and the actions only see a pseudonym: the api fills in the number."""
    from api.bookings.service import remember_contact

    remember_contact(db, "sms-family-1", "+447700900555", MONDAY_10AM)
    db.commit()
    made = create(db, conversation_id="sms-family-1", channel="sms", contact__phone=None,
                  contact__use_sender_number=True)
    assert made.referral.phone == "+447700900555"


def test_this_number_with_no_number_known_is_refused_and_nothing_is_made(db):
    with pytest.raises(service.ReferralInvalid, match="use_sender_number"):
        create(db, conversation_id="nobody-known", channel="sms", contact__phone=None,
               contact__use_sender_number=True)


def test_the_family_is_told_once_that_their_messages_go_onto_the_request(db):
    create(db)
    later = MONDAY_10AM + timedelta(hours=1)
    _, first = service.add_family_message(db, "c0ffee-1", "one more thing", later)
    referral, second = service.add_family_message(db, "c0ffee-1", "and another", later + timedelta(minutes=2))
    assert first and second == []
    assert [e.kind for e in service.load_referral(db, referral.reference).events].count("family_message") == 2


def test_a_message_with_no_open_referral_is_not_attached(db):
    assert service.add_family_message(db, "someone-else", "hello", MONDAY_10AM) == (None, [])


# --- personal data at rest ---

def test_personal_fields_are_not_stored_in_plain_text(db):
    made = create(db)
    row = db.execute(text("SELECT first_name, phone, family_words, transcript, contact_times FROM referrals "
                          "WHERE reference = :ref"), {"ref": made.referral.reference}).one()
    for stored, plain in zip(row, ["Jo", "7700900123", "worried sick", "school", "any time"]):
        assert stored.startswith("gAAAAA") and stored != plain  # a Fernet token
        if len(plain) >= 6:  # two letters like "Jo" turn up by chance in about 3% of random tokens
            assert plain not in stored
    assert service.load_referral(db, made.referral.reference).first_name == "Jo"


def test_the_phone_can_be_found_by_its_keyed_hash(db):
    made = create(db, contact__phone="+44 7700 900123")
    found = db.scalar(select(Referral).where(Referral.phone_hash == crypto.phone_hash("07700900123")))
    assert found.reference == made.referral.reference


# --- claiming ---

def test_two_staff_claiming_at_once_gives_exactly_one_claim(session_factory):
    first, second = make_staff(session_factory, "front_door"), make_staff(session_factory, "front_door")
    with session_factory() as session:
        reference = create(session).referral.reference
    barrier, results = threading.Barrier(2), {}

    def claim(staff):
        with session_factory() as session:
            referral = service.load_referral(session, reference)
            barrier.wait()
            results[staff.id] = service.claim_referral(session, referral, staff, MONDAY_10AM)

    threads = [threading.Thread(target=claim, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [staff_id for staff_id, result in results.items() if result.won]
    assert len(winners) == 1
    loser = next(result for result in results.values() if not result.won)
    assert loser.holder_id == winners[0]
    with session_factory() as session:
        referral = service.load_referral(session, reference)
        assert referral.claimed_by_id == winners[0]
        assert [e.kind for e in referral.events].count("claimed") == 1
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_claiming_sends_the_family_an_introduction_text(db, session_factory):
    staff = make_staff(session_factory, "worker", hub_slug="riverside", name="Amira Hassan")
    made = create(db)
    assert service.claim_referral(db, service.load_referral(db, made.referral.reference), staff, MONDAY_10AM).won
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.referral_id == made.referral.id))
    assert message.kind == "worker_introduction" and message.to_phone == "+447700900123"
    assert message.body.startswith("Hello Jo, this is Amira from Riverside Family Hub.")


def test_no_introduction_text_when_texts_are_not_safe(db, session_factory):
    staff = make_staff(session_factory, "front_door")
    made = create(db, contact__method="call", contact__safe_to_text=False)
    assert service.claim_referral(db, service.load_referral(db, made.referral.reference), staff, MONDAY_10AM).won
    assert db.scalar(select(func.count(OutboxMessage.id))) == 0
    assert service.load_referral(db, made.referral.reference).events[-1].kind == "introduction_not_sent"


def test_sending_a_text_is_blocked_when_not_safe(db, session_factory):
    staff = make_staff(session_factory, "front_door")
    made = create(db, contact__method="call", contact__safe_to_text=False)
    with pytest.raises(service.ReferralChangeRefused, match="not safe"):
        service.send_text(db, service.load_referral(db, made.referral.reference), staff, "Hello", MONDAY_10AM)
    assert db.scalar(select(func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize("status", ["closed", "declined"])
def test_closing_or_declining_needs_a_reason(db, session_factory, status):
    staff = make_staff(session_factory, "front_door")
    made = create(db)
    referral = service.load_referral(db, made.referral.reference)
    service.claim_referral(db, referral, staff, MONDAY_10AM)
    with pytest.raises(service.ReferralChangeRefused, match="reason"):
        service.change_status(db, referral, staff, status, "  ", MONDAY_10AM)
    service.change_status(db, referral, staff, status, "Moved away.", MONDAY_10AM)
    assert service.load_referral(db, made.referral.reference).status == status
