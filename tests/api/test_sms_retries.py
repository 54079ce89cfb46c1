"""When the assistant is down or slow: texts wait and are retried by rq,
the family gets one holding text after a minute, nothing is lost when a
job is, and a text is answered exactly once. After a handover, texts go
onto the family's referral, as in the web chat."""

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker
from rq.job import Job
from sqlalchemy import select

from api.referrals.models import ReferralEvent
from api.referrals.service import create_referral
from api.sms.models import SmsInbound
from api.sms.runtime import QUEUES, current_runtime
from api.sms.turns import answer_waiting_texts
from api.sms.upkeep import look_after_texts
from tests.api.referral_helpers import PAYLOAD, new_key
from tests.api.sms_helpers import (  # noqa: F401 - fixtures
    FAMILY, OTHER_FAMILY, encryption_key, inbound_rows, no_texts, outbox, run_jobs, sms_app, text_in, twilio,
)
from tests.support.ports import unused_port

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
HOLDING = "Sorry, I am slow to answer just now. I have your message and will reply soon. If anyone is in danger, call 999."


def rasa_down() -> str:
    return f"http://127.0.0.1:{unused_port()}"


def seconds_pass(session_factory, seconds: int) -> None:
    """As if the family's texts had come `seconds` earlier."""
    with session_factory() as session:
        for row in session.scalars(select(SmsInbound)):
            row.received_at = row.received_at.replace(tzinfo=timezone.utc) - timedelta(seconds=seconds)
            if row.last_tried_at:
                row.last_tried_at = row.last_tried_at.replace(tzinfo=timezone.utc) - timedelta(seconds=seconds)
        session.commit()


def bodies(twilio, number=FAMILY) -> list[str]:
    return [message["Body"] for message in twilio.to(number)]


def test_rasa_down_the_text_waits_then_is_answered_exactly_once(sms_app, fake_rasa, twilio, session_factory):
    client = sms_app(rasa_url=rasa_down(), clock_frozen_at=MONDAY_10AM)
    text_in(client, "when is riverside open")
    run_jobs()
    [row] = inbound_rows(session_factory)
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "AssistantUnavailable")
    assert twilio.messages == []
    job = Job.fetch(f"sms-in-{row.id}", connection=current_runtime().redis)
    assert job.get_status() == "scheduled"  # rq tries again in 5 seconds, then 10, 20...

    # Rasa comes back (the same worker settings, Rasa on a live port).
    sms_app(clock_frozen_at=MONDAY_10AM)
    time.sleep(5.5)
    rt = current_runtime()
    SimpleWorker([rt.queue(name) for name in QUEUES], connection=rt.redis).work(burst=True, with_scheduler=True)
    assert [call["json"]["message"] for call in fake_rasa.received] == ["when is riverside open"]
    assert len(twilio.to(FAMILY)) == 1
    [row] = inbound_rows(session_factory)
    assert (row.state, row.attempts) == ("answered", 2)

    # Anything that asks again changes nothing.
    assert answer_waiting_texts(rt, row.id) == 0
    look_after_texts(rt)
    run_jobs()
    assert len(fake_rasa.received) == 1 and len(twilio.to(FAMILY)) == 1


def test_a_late_reply_gets_one_holding_text_per_number(sms_app, fake_rasa, twilio, session_factory):
    client = sms_app(rasa_url=rasa_down(), clock_frozen_at=MONDAY_10AM)
    text_in(client, "is the hub open")
    text_in(client, "hello?")
    text_in(client, "hi", from_number=OTHER_FAMILY)
    run_jobs()
    look_after_texts(current_runtime())
    run_jobs()
    assert twilio.messages == []  # not late yet

    seconds_pass(session_factory, 61)
    look_after_texts(current_runtime())
    look_after_texts(current_runtime())
    run_jobs()
    assert bodies(twilio) == [HOLDING]
    assert bodies(twilio, OTHER_FAMILY) == [HOLDING]

    # Still down a while later: no second holding text.
    seconds_pass(session_factory, 300)
    look_after_texts(current_runtime())
    run_jobs()
    assert bodies(twilio) == [HOLDING]

    # Back up: both texts answered, in order, once.
    sms_app(clock_frozen_at=MONDAY_10AM)
    for row in inbound_rows(session_factory):
        answer_waiting_texts(current_runtime(), row.id)
    run_jobs()
    assert [c["json"]["message"] for c in fake_rasa.received] == ["is the hub open", "hello?", "hi"]
    assert len(bodies(twilio)) == 3 and len(bodies(twilio, OTHER_FAMILY)) == 2


def test_a_lost_job_is_put_back_by_the_upkeep_job(sms_app, fake_rasa, twilio, session_factory, test_redis):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "what's on tomorrow")
    # Redis loses the queue (a restart without persistence, say).
    for key in test_redis.keys("rq:*"):
        test_redis.delete(key)
    run_jobs()
    assert fake_rasa.received == []
    look_after_texts(current_runtime())
    run_jobs()
    assert [c["json"]["message"] for c in fake_rasa.received] == ["what's on tomorrow"]
    assert len(twilio.to(FAMILY)) == 1


def test_a_text_queued_by_another_process_is_sent_by_the_upkeep_job(sms_app, twilio, session_factory, test_redis):
    from api.outbox.service import queue_text

    sms_app(clock_frozen_at=MONDAY_10AM)
    with session_factory() as session:  # the reminders loop queues its texts like this
        queue_text(session, None, FAMILY, "Reminder: messy play tomorrow at 10am", "booking_reminder", MONDAY_10AM)
        session.commit()
    for key in test_redis.keys("rq:*"):  # its process has no send jobs
        test_redis.delete(key)
    look_after_texts(current_runtime())
    run_jobs()
    assert bodies(twilio) == ["Reminder: messy play tomorrow at 10am"]


def test_after_a_day_unanswered_the_family_is_told_to_call(sms_app, twilio, session_factory):
    client = sms_app(rasa_url=rasa_down(), clock_frozen_at=MONDAY_10AM)
    text_in(client, "can someone call me")
    run_jobs()
    seconds_pass(session_factory, 86401)
    look_after_texts(current_runtime())
    run_jobs()
    assert bodies(twilio) == ["Sorry, I could not answer your message. Please call us on 01632 960000. "
                              "If anyone is in danger, call 999."]
    [row] = inbound_rows(session_factory)
    assert row.state == "failed"


class SilentRasa:
    """Rasa up but its action server down: it answers with no messages."""

    def __init__(self):
        self.received = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                outer.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                body = b"[]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def silent_rasa():
    rasa = SilentRasa()
    yield rasa
    rasa.server.shutdown()
    rasa.server.server_close()


def test_the_action_server_down_counts_as_not_answered(sms_app, silent_rasa, twilio, session_factory):
    client = sms_app(rasa_url=silent_rasa.url, clock_frozen_at=MONDAY_10AM)
    text_in(client, "when is riverside open")
    run_jobs()
    assert len(silent_rasa.received) == 1
    assert twilio.messages == []
    [row] = inbound_rows(session_factory)
    assert (row.state, row.last_error) == ("queued", "AssistantUnavailable")


def test_after_a_handover_texts_go_onto_the_referral(sms_app, fake_rasa, twilio, session_factory):
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "hello")
    run_jobs()
    sender = fake_rasa.received[0]["json"]["sender"]
    with session_factory() as session:
        made = create_referral(session, {**PAYLOAD, "conversation_id": sender, "channel": "sms",
                                         "contact": {**PAYLOAD["contact"], "phone": FAMILY}}, new_key(), MONDAY_10AM)
        worker = made.referral.worker.name.split()[0]
        referral_id = made.referral.id
    text_in(client, "also my youngest has asthma")
    run_jobs()
    with session_factory() as session:
        events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id,
                                                             ReferralEvent.kind == "family_message")).all()
        assert [event.body for event in events] == ["also my youngest has asthma"]
    last = bodies(twilio)[-1]
    assert f"I have added this to your request. {worker} will see it." in last


def test_a_job_cut_off_by_a_worker_dying_is_run_again_at_once(sms_app, fake_rasa, twilio, session_factory):
    """A worker killed mid-job leaves rq saying "started" for minutes. While
    the worker is alive its job is left alone; once it has died, the upkeep
    job runs the text again, and it is answered once."""
    from rq.job import JobStatus

    from api.sms.jobs import WORKER_ALIVE
    from api.sms.runtime import TURN_QUEUE

    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "what's on tomorrow")
    [row] = inbound_rows(session_factory)
    rt = current_runtime()
    job = Job.fetch(f"sms-in-{row.id}", connection=rt.redis)
    rt.queue(TURN_QUEUE).remove(job)  # a worker took it...
    job.worker_name = "sms-worker-on-a-lost-machine"
    job.set_status(JobStatus.STARTED)
    job.save()
    rt.redis.set(WORKER_ALIVE.format(name=job.worker_name), "1", ex=15)  # ...and is still working on it
    look_after_texts(rt)
    run_jobs()
    assert fake_rasa.received == []
    rt.redis.delete(WORKER_ALIVE.format(name=job.worker_name))  # the worker died
    look_after_texts(rt)
    run_jobs()
    assert [c["json"]["message"] for c in fake_rasa.received] == ["what's on tomorrow"]
    assert len(twilio.to(FAMILY)) == 1


def test_a_text_rasa_already_answered_is_not_put_to_it_twice(sms_app, fake_rasa, twilio, session_factory):
    """A worker killed after Rasa answered, before the answer was kept: the
    retry finds the text in Rasa's tracker (by its turn id) and sends the
    answer Rasa gave, instead of asking Rasa again (a "yes" taken twice
    could answer two questions)."""
    client = sms_app(clock_frozen_at=MONDAY_10AM)
    text_in(client, "yes")
    [row] = inbound_rows(session_factory)
    rt = current_runtime()
    Job.fetch(f"sms-in-{row.id}", connection=rt.redis).delete()  # the job died with its worker...
    from api.turns.conversation import conversation_sender
    from api.deps import make_redis

    async def sender_of() -> str:
        redis = make_redis(rt.settings)
        try:
            return await conversation_sender(redis, rt.settings.pseudonym_key, FAMILY, 86400)
        finally:
            await redis.aclose()

    import asyncio

    sender = asyncio.run(sender_of())
    fake_rasa.trackers[sender] = [  # ...after Rasa had taken the text and answered
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "yes", "metadata": {"channel": "sms", "turn_id": f"sms-{row.id}"}},
        {"event": "bot", "text": "Thanks. What is your first name?", "data": {}},
    ]
    with session_factory() as session:  # its try was counted
        session.get(SmsInbound, row.id).attempts = 1
        session.commit()
    look_after_texts(rt)
    run_jobs()
    assert fake_rasa.received == []
    assert bodies(twilio) == ["Thanks. What is your first name?"]
    [row] = inbound_rows(session_factory)
    assert row.state == "answered"
