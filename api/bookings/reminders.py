"""Reminder texts the day before a booked session.

`queue_due_reminders(session, now)` queues every reminder that is due now:
the session is tomorrow (London time), it is between 8am and 8pm, and the
booking has not had one. A booking made the day before or on the day gets
none: its confirmation is fresh, and a second text would only add noise.
Each booking gets one reminder at most, even with two runs at once (a
conditional UPDATE of `reminder_sent_at` decides).

`reminders_job` is a scheduled job: the one scheduler
(`python -m api.sms.worker --cron`) queues it every minute and any SMS
worker runs it, so however many replicas run, nothing loops on its own.
`python -m api.bookings.reminders` still runs the old loop by hand.
"""

import logging
import signal
import threading
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from api.bookings.models import Booking, SessionDate
from api.bookings.slots import begin_write
from api.bookings.wording import hub_address
from api.content.service import render
from api.directory.models import HubSession
from api.directory.timetable import local
from api.directory.wording import family_time
from api.outbox.service import queue_text

log = logging.getLogger("api.bookings.reminders")

SEND_FROM = time(8, 0)  # never before 8am...
SEND_UNTIL = time(20, 0)  # ...or from 8pm, London time
LOOP_SECONDS = 60


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def gets_reminder(booking: Booking) -> bool:
    """True if the booking was made before the day before its session."""
    day = booking.session_date.on_date
    return local(_aware(booking.created_at)).date() < day - timedelta(days=1)


def decent_hour(now: datetime) -> bool:
    return SEND_FROM <= local(now).time() < SEND_UNTIL


def queue_due_reminders(session: Session, now: datetime) -> int:
    """Queue the reminders due at `now`; commits; returns how many."""
    if not decent_hour(now):
        return 0
    tomorrow = local(now).date() + timedelta(days=1)
    due = session.scalars(
        select(Booking).join(Booking.session_date)
        .options(selectinload(Booking.session_date).selectinload(SessionDate.session).selectinload(HubSession.hub))
        .where(Booking.status == "booked", Booking.reminder_sent_at.is_(None), SessionDate.on_date == tomorrow,
               Booking.number_confirmed_at.is_not(None),  # a number typed in gets nothing before its YES
               SessionDate.cancelled.is_(False))
        .order_by(Booking.id)).all()
    queued = 0
    for booking in due:
        if not gets_reminder(booking):
            continue
        begin_write(session)
        claimed = session.execute(
            update(Booking).where(Booking.id == booking.id, Booking.reminder_sent_at.is_(None),
                                  Booking.status == "booked")
            .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        hub_session = booking.session_date.session
        text = render(session, "booking_reminder_text", "sms", title=hub_session.title, hub=hub_session.hub.name,
                      starts=family_time(hub_session.starts), ends=family_time(hub_session.ends),
                      address=hub_address(hub_session.hub), reference=booking.reference)
        queue_text(session, None, booking.phone, text, "booking_reminder", now=now, booking_id=booking.id)
        queued += 1
    session.commit()
    return queued


def reminders_job() -> int:
    """rq cron job (registered by `api.sms.worker --cron`)."""
    from api.sms.runtime import runtime

    rt = runtime()
    with rt.session_factory() as session:
        count = queue_due_reminders(session, rt.now())
    if count:
        log.info("booking reminders queued: %d", count)
    return count


def main() -> None:  # pragma: no cover - the loop around the tested function
    from api.clock import get_now
    from api.crypto import use_key
    from api.db import make_engine, make_session_factory
    from api.models import load_all_models
    from api.settings import get_settings

    load_all_models()  # the outbox's foreign keys name tables from other packages
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = get_settings()
    use_key(settings.data_encryption_key, settings.lookup_hash_key)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("booking reminders: checking every %d seconds", LOOP_SECONDS)
    while not stop.is_set():
        try:
            with factory() as session:
                count = queue_due_reminders(session, get_now())
            if count:
                log.info("booking reminders queued: %d", count)
        except Exception as error:  # noqa: BLE001 - keep the loop alive; try again next time
            log.error("booking reminders failed: %s", type(error).__name__)
        stop.wait(LOOP_SECONDS)
    engine.dispose()


if __name__ == "__main__":
    main()
