"""The retention schedule (api/privacy/retention.py): with the clock moved
on, a run removes what has expired and nothing else; it is run by the one
scheduler `make run` and docker-compose start."""

from datetime import datetime, timezone

import redis
from sqlalchemy import select

from api.bookings.models import Booking
from api.privacy.retention import remove_expired, retention_job
from api.referrals.models import Referral
from api.sms.worker import make_scheduler
from api.staff.audit import AuditEvent
from tests.api.conftest import make_settings
from tests.api.privacy_helpers import (  # noqa: F401 - fixtures
    add_family, clean_privacy_tables, days_after, rows_tied_to, sms_conversation, web_conversation,
)
from tests.api.referral_helpers import encryption_key, no_referrals  # noqa: F401 - fixtures

UTC = timezone.utc
LONG_AGO = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_retention_run_removes_what_has_expired_and_nothing_else(session_factory, database_url,
                                                                   clean_privacy_tables):
    settings = make_settings(database_url)
    old = add_family(session_factory, LONG_AGO, phone="07700 900111", name="Oldfamily",
                     words="the old worry about rent arrears", conversation_id=sms_conversation("07700 900111"))
    run_at = days_after(LONG_AGO, 97)  # 97 days on: past the texts' 30 and the booking's 90 after its session
    recent = add_family(session_factory, days_after(run_at, -9), phone="07700 900222", name="Newfamily",
                        words="a recent worry about nursery", conversation_id=web_conversation("c" * 40),
                        with_booking=False)
    still_open = add_family(session_factory, LONG_AGO, phone="07700 900333", name="Openfamily",
                            words="an open worry about school", conversation_id=sms_conversation("07700 900333"),
                            referral_status="claimed", with_booking=False)

    with session_factory() as session:
        done = remove_expired(session, settings, run_at)

    # The old family's texts, conversation, unanswered message and booking
    # details went; their closed request stays until its own period ends.
    assert rows_tied_to(session_factory, old) == {"requests": 1, "readable": 3}
    assert done["texts received"] == 2 and done["bookings emptied"] == 1
    # Nothing recent was touched.
    assert rows_tied_to(session_factory, recent) == {
        "requests": 1, "texts in": 1, "texts out": 1, "contacts": 1, "starts": 1, "unanswered": 1, "audit": 1,
        "readable": 3}
    # An open request is kept, with the texts about it that a worker may need.
    assert rows_tied_to(session_factory, still_open)["requests"] == 1

    # Two years after it closed, the old request is emptied; the open one is kept.
    with session_factory() as session:
        remove_expired(session, settings, days_after(LONG_AGO, 731))
        assert session.scalar(select(Referral).where(Referral.reference == old.referral_refs[0])).family_words == ""
        kept = session.scalar(select(Referral).where(Referral.reference == still_open.referral_refs[0]))
        assert kept.family_words == "an open worry about school"
        assert session.scalar(select(Booking).where(Booking.reference == old.booking_refs[0])).first_name == ""
    assert rows_tied_to(session_factory, old) == {}
    # Audit lines are kept longest (six years), then go.
    with session_factory() as session:
        assert session.scalars(select(AuditEvent.id)).all()
        remove_expired(session, settings, days_after(LONG_AGO, 2200))
        assert session.scalars(select(AuditEvent.id).where(AuditEvent.at < days_after(LONG_AGO, 1))).all() == []


def test_the_scheduler_that_make_run_starts_runs_retention_hourly(test_redis):
    connection = redis.Redis(**{k: v for k, v in test_redis.connection_pool.connection_kwargs.items()
                                if k in ("host", "port", "db", "password")})
    jobs = {job.func: job for job in make_scheduler(connection).get_jobs()}
    assert retention_job in jobs
    assert jobs[retention_job].interval == 3600
