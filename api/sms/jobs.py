"""Putting SMS work on the Redis job queue (rq), and handing every new
outbox text to the sender.

Jobs carry only row ids, never a number or words. Each job has a fixed id
(`sms-in-<id>`, `sms-out-<id>`), so asking twice for the same work while a
job is waiting, running or due to retry adds nothing; and every job checks
the row's state first, so running twice changes nothing either. The
database is the record of what is still to do: the upkeep job
(`api.sms.upkeep`) puts back any work whose job was lost.

Every text to a family is written to the outbox first, by whatever code
wants it sent (referrals, bookings, reminders, the SMS module itself).
`install_outbox_dispatch` makes each committed outbox row a send job at
once; a process without it (the reminders loop) relies on the upkeep job.
"""

import logging

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.sms.runtime import SEND_QUEUE, TURN_QUEUE, SmsRuntime, current_runtime

log = logging.getLogger("api.sms")

LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# Rasa or the action server down: try again after 5s, 10s, 20s... up to
# 10 minutes apart; then the upkeep job starts the round again.
TURN_RETRY = Retry(max=12, interval=[5, 10, 20, 30, 60, 60, 120, 120, 300, 300, 600, 600])
# Twilio unreachable or busy.
SEND_RETRY = Retry(max=6, interval=[10, 30, 60, 120, 300, 600])
RESULT_TTL = 300
FAILURE_TTL = 7 * 86400


# Each worker process keeps this key alive while it runs (api.sms.worker):
# a job "started" by a worker whose key has gone was cut off when the
# worker died (killed, its machine lost), and is run again at once rather
# than after rq notices, minutes later. Jobs are idempotent, so that is safe.
WORKER_ALIVE = "sms:worker-alive:{name}"
WORKER_ALIVE_SECONDS = 15


def worker_died(rt: SmsRuntime, job: Job) -> bool:
    """True if the job is marked started by a worker that is no longer alive."""
    name = job.worker_name
    return bool(name) and not rt.redis.exists(WORKER_ALIVE.format(name=name))


def ensure_job(rt: SmsRuntime, queue: str, function: str, row_id: int, job_id: str, retry: Retry,
               timeout: int) -> bool:
    """Queue `function(row_id)` unless a job with this id is already waiting,
    running (in a live worker) or due to retry. True if a job was queued."""
    try:
        job = Job.fetch(job_id, connection=rt.redis)
        status = job.get_status(refresh=False)
        if status in LIVE and not (status == JobStatus.STARTED and worker_died(rt, job)):
            return False
        if status == JobStatus.STARTED:
            log.warning("job %s was cut off by its worker stopping: queued again", job_id)
        job.delete()
    except NoSuchJobError:
        pass
    rt.queue(queue).enqueue(function, row_id, job_id=job_id, retry=retry, job_timeout=timeout,
                            result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL)
    return True


def enqueue_turn(rt: SmsRuntime, inbound_id: int) -> bool:
    timeout = int(rt.settings.rasa_timeout_seconds * 4) + 60
    return ensure_job(rt, TURN_QUEUE, "api.sms.turns.answer_job", inbound_id, f"sms-in-{inbound_id}",
                      TURN_RETRY, timeout)


def enqueue_send(rt: SmsRuntime, outbox_id: int) -> bool:
    return ensure_job(rt, SEND_QUEUE, "api.sms.sender.send_job", outbox_id, f"sms-out-{outbox_id}",
                      SEND_RETRY, 120)


# --- every committed outbox row goes to the sender ---

NEW_TEXTS = "sms_new_outbox_ids"


def _note_new_texts(session: Session, _flush_context) -> None:
    from api.outbox.models import OutboxMessage

    ids = [item.id for item in session.new if isinstance(item, OutboxMessage) and item.id is not None]
    if ids:
        session.info.setdefault(NEW_TEXTS, []).extend(ids)


def _send_new_texts(session: Session) -> None:
    ids = session.info.pop(NEW_TEXTS, None)
    rt = current_runtime()
    if not ids or rt is None:
        return
    try:
        for outbox_id in ids:
            enqueue_send(rt, outbox_id)
    except RedisError as error:  # the upkeep job sends them later
        log.warning("could not queue %d texts to send: %s", len(ids), type(error).__name__)


def _forget_new_texts(session: Session, _previous_transaction) -> None:
    session.info.pop(NEW_TEXTS, None)


def install_outbox_dispatch() -> None:
    """Queue a send job for each outbox row when its transaction commits
    (never before: a rolled-back text must not go out). Once per process."""
    if not event.contains(Session, "after_commit", _send_new_texts):
        event.listen(Session, "after_flush", _note_new_texts)
        event.listen(Session, "after_commit", _send_new_texts)
        event.listen(Session, "after_soft_rollback", _forget_new_texts)
