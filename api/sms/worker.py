"""The SMS worker processes (two lines in `make run`'s Procfile).

    python -m api.sms.worker          rq workers (SMS_WORKERS of them): answer
                                      texts with the assistant, send texts
    python -m api.sms.worker --cron   rq's cron scheduler: queues the upkeep
                                      job (api.sms.upkeep) every few seconds
                                      and booking reminders every minute,
                                      and the retention job
                                      (api.privacy.retention) every hour;
                                      the council's ORUK feed
                                      (api.directory.oruk_feed) every
                                      ORUK_FEED_EVERY_SECONDS, if
                                      ORUK_FEED_URL is set

Run as many workers as the load needs, but only ONE `--cron` (the
Kubernetes scheduler Deployment has one replica and the Recreate strategy,
so an upgrade never runs two side by side). Two at once would do no harm,
every job is idempotent (row states claimed by conditional updates, fixed
job ids), only the work twice.

Workers are rq SimpleWorkers in an rq WorkerPool: each runs its jobs in its
own process (no fork per job), with its own database connections.
"""

import argparse
import logging
import threading

from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.worker_pool import WorkerPool

from api.bookings.reminders import LOOP_SECONDS, reminders_job
from api.directory.oruk_feed import oruk_feed_job
from api.languages.service import warm_up
from api.privacy.erasure import finish_erasures_job
from api.privacy.retention import RETENTION_EVERY_SECONDS, retention_job
from api.settings import get_settings
from api.sms.jobs import WORKER_ALIVE, WORKER_ALIVE_SECONDS, install_outbox_dispatch
from api.sms.runtime import QUEUES, UPKEEP_QUEUE, make_sync_redis
from api.sms.upkeep import UPKEEP_EVERY_SECONDS, upkeep_job


def make_scheduler(connection, settings=None) -> CronScheduler:
    """The one scheduler: SMS upkeep every few seconds, booking reminders
    every minute, retention hourly, and the council's directory feed when
    ORUK_FEED_URL is set."""
    settings = settings or get_settings()
    scheduler = CronScheduler(connection=connection, logging_level="WARNING")
    scheduler.register(upkeep_job, UPKEEP_QUEUE, interval=UPKEEP_EVERY_SECONDS, job_timeout=120)
    scheduler.register(reminders_job, UPKEEP_QUEUE, interval=LOOP_SECONDS, job_timeout=120)
    # The retention schedule (api/privacy/retention.py).
    scheduler.register(retention_job, UPKEEP_QUEUE, interval=RETENTION_EVERY_SECONDS, job_timeout=1800)
    # A family's own "delete my data", finished once their reply has gone.
    scheduler.register(finish_erasures_job, UPKEEP_QUEUE, interval=UPKEEP_EVERY_SECONDS, job_timeout=120)
    # The council's Open Referral UK API (api/directory/oruk_feed.py), only if set.
    if settings.oruk_feed_url:
        scheduler.register(oruk_feed_job, UPKEEP_QUEUE, interval=max(60, settings.oruk_feed_every_seconds),
                           job_timeout=3600)
    return scheduler


class SmsWorker(SimpleWorker):
    """An rq SimpleWorker that keeps `sms:worker-alive:<name>` alive in Redis
    from a thread of its own, even while a job runs: when the key lapses the
    worker has died, and the upkeep job runs its cut-off job again."""

    def work(self, *args, **kwargs):
        stop = threading.Event()
        key = WORKER_ALIVE.format(name=self.name)

        def keep_alive() -> None:
            while not stop.is_set():
                try:
                    self.connection.set(key, "1", ex=WORKER_ALIVE_SECONDS)
                except Exception:  # noqa: BLE001 - Redis away: the key lapses, as it should
                    pass
                stop.wait(WORKER_ALIVE_SECONDS / 3)

        threading.Thread(target=keep_alive, name="sms-worker-alive", daemon=True).start()
        try:
            return super().work(*args, **kwargs)
        finally:
            stop.set()
            try:
                self.connection.delete(key)
            except Exception:  # noqa: BLE001
                pass


def main() -> None:  # pragma: no cover - process wiring around tested functions
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cron", action="store_true", help="run the scheduler that queues the upkeep job")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    connection = make_sync_redis(settings)
    if args.cron:
        logging.getLogger("rq.cron").setLevel(logging.WARNING)  # not a line every few seconds
        make_scheduler(connection, settings).start()
        return
    install_outbox_dispatch()  # replies committed by a job are sent at once
    warm_up(settings)  # the language detector's models, loaded once here and shared by the forked workers
    pool = WorkerPool(list(QUEUES), connection=connection, num_workers=max(1, settings.sms_workers),
                      worker_class=SmsWorker)
    pool.start(logging_level="WARNING")  # rq logs every job at INFO; ours log what matters


if __name__ == "__main__":
    main()
