"""Booking under load: 20 families booking at once (`python -m bench.bookings`).

Starts the api alone (uvicorn, as `make run` does) on a fresh SQLite
database, or on a fresh schema in PostgreSQL with --postgres URL, then
fires concurrent bookers at POST /internal/bookings for a while. Each
booker books one child (or one adult for an adults-only course) on a
random upcoming occurrence of a session that needs booking, with the
demo capacities, so dates fill up and later requests get "full" (409).

Prints bookings per second, p50 and p95 latency, how many were booked and
how many found the session full, and checks that no date was overbooked.
Never run by the tests.
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import func, select

from tests.support.stack import Stack, prepare_database, stack_env

BENCH_REDIS_DB = 12


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    if not ordered:
        return "no samples"
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def bookable_occurrences(database_url: str) -> list[tuple[str, int]]:
    """(occurrence, a child's age in months that fits) for every upcoming
    occurrence of a session that needs booking, in the booking window."""
    from api.bookings.slots import BOOK_AHEAD_DAYS, upcoming_slots
    from api.db import make_engine, make_session_factory
    from api.directory.models import HubSession
    from api.directory.timetable import local

    engine = make_engine(database_url)
    now = local(datetime.now(timezone.utc))
    with make_session_factory(engine)() as session:
        sessions = list(session.scalars(select(HubSession).where(HubSession.booking_required.is_(True))))
        slots = upcoming_slots(session, sessions, now.date(), now.date() + timedelta(days=BOOK_AHEAD_DAYS), now)
        found = [(slot.occurrence, (slot.hub_session.min_age_months + slot.hub_session.max_age_months) // 2)
                 for slot in slots]
    engine.dispose()
    return found


def overbooked_dates(database_url: str) -> tuple[int, int]:
    """(dates with more places taken than capacity, dates whose count does
    not match their bookings)."""
    from api.bookings.models import HOLDING_STATUSES, Booking, SessionDate
    from api.db import make_engine, make_session_factory

    engine = make_engine(database_url)
    over = mismatched = 0
    with make_session_factory(engine)() as session:
        for row in session.scalars(select(SessionDate)):
            held = session.scalar(select(func.coalesce(func.sum(Booking.places), 0)).where(
                Booking.session_date_id == row.id, Booking.status.in_(HOLDING_STATUSES)))
            over += row.session.capacity is not None and row.places_taken > row.session.capacity
            mismatched += held != row.places_taken
    engine.dispose()
    return over, mismatched


def fire(api: str, token: str, occurrences: list[tuple[str, int]], bookers: int,
         seconds: float) -> tuple[list[float], Counter, float, float]:
    """`bookers` threads book for `seconds`; latencies of answered requests,
    status counts, the time it took, and when the last booking was made."""
    latencies: list[float] = []
    last_booked = [0.0]
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(bookers + 1)
    stop_at = [0.0]

    def booker(index: int) -> None:
        rng = random.Random(index)
        with httpx.Client(base_url=api, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            start.wait()
            while time.monotonic() < stop_at[0]:
                occurrence, age = rng.choice(occurrences)
                body = {"conversation_id": f"{secrets.token_hex(16)}-{secrets.token_hex(4)}", "channel": "web",
                        "occurrence": occurrence, "first_name": "Bench", "children": 1,
                        "child_ages_months": [age], "adults": 1, "phone": "07700 900123"}
                began = time.perf_counter()
                try:
                    response = http.post("/internal/bookings", json=body,
                                         headers={"Idempotency-Key": secrets.token_hex(12)})
                    status = response.status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                took = time.perf_counter() - began
                with lock:
                    statuses[status] += 1
                    if isinstance(status, int):
                        latencies.append(took)
                    if status == 201:
                        last_booked[0] = time.perf_counter()

    threads = [threading.Thread(target=booker, args=(i,), daemon=True) for i in range(bookers)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - began, max(0.0, last_booked[0] - began)


def run(bookers: int = 20, seconds: float = 20.0, postgres: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        env = stack_env(Path(workdir), BENCH_REDIS_DB)
        # Every booker books for the same made-up number: the per-number and
        # per-chat limits (which would refuse most of them) are not what is measured.
        env["BOOKING_MAX_PER_NUMBER"] = env["BOOKING_MAX_PER_BROWSER_PER_DAY"] = "1000000"
        admin = schema = None
        if postgres:
            import psycopg

            from api.db import normalise_database_url

            base = normalise_database_url(postgres)
            admin = psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            schema = f"bench_{secrets.token_hex(4)}"
            admin.execute(f'CREATE SCHEMA "{schema}"')
            joiner = "&" if "?" in base else "?"
            env["DATABASE_URL"] = f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
        database = "PostgreSQL" if postgres else "SQLite"
        stack = Stack(workdir=Path(workdir), env=env)
        try:
            prepare_database(env)
            occurrences = bookable_occurrences(env["DATABASE_URL"])
            stack.start("api")
            stack.wait_until_healthy(timeout=60, path="/staff/login")
            latencies, statuses, took, selling = fire(stack.api_url, env["ACTIONS_API_TOKEN"], occurrences,
                                                      bookers, seconds)
            over, mismatched = overbooked_dates(env["DATABASE_URL"])
        finally:
            stack.stop_all()
            errors = stack.log_tail("api", 400).splitlines()
            if admin is not None:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
                admin.close()

    answered = sum(n for status, n in statuses.items() if isinstance(status, int))
    print(f"Booking, {bookers} bookers at once for {took:.0f} s on {database} "
          f"({len(occurrences)} dates open to book)")
    print(f"  booked (201): {statuses[201]}   full (409): {statuses[409]}   "
          f"other: {answered - statuses[201] - statuses[409]}   failed: {sum(statuses.values()) - answered}")
    selling = selling or took
    print(f"  bookings per second                  {statuses[201] / selling:7.1f}   "
          f"(until the last place went, {selling:.1f} s)")
    print(f"  requests per second                  {answered / took:7.1f}")
    print(f"  POST /internal/bookings              {percentiles(latencies)}")
    print(f"  dates overbooked: {over}   dates whose count differs from their bookings: {mismatched}")
    failures = [f"{status}: {n}" for status, n in statuses.items() if status not in (201, 409)]
    if failures:
        print("  other answers: " + ", ".join(failures))
        print("  the api's log:\n    " + "\n    ".join(errors[-60:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookers", type=int, default=20, help="families booking at once")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to keep booking")
    parser.add_argument("--postgres", metavar="URL", help="use a fresh schema in this PostgreSQL database")
    args = parser.parse_args()
    run(args.bookers, args.seconds, args.postgres)


if __name__ == "__main__":
    main()
