"""The managers' reports page with a year of data for a large borough
(`python -m bench.reports`, api venv).

Fills a fresh SQLite database (or a fresh schema in PostgreSQL with
--postgres URL) with the demo borough plus a year of made-up figures:
50,000 requests (topics, hubs, postcode districts, some out of hours,
contacted, closed with outcomes, feedback) and 200,000 bookings across the
year's session dates, then asks for /staff/reports as a signed-in manager
(the whole page: figures, SVG charts, tables) several times, and a CSV
download. Prints p50 and the slowest time. The target is under 1 s.
Never run by the tests.
"""
from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from api import crypto
from api.bookings.models import Booking, SessionDate
from api.db import make_engine, make_session_factory, migrate_to_head as migrate, normalise_database_url
from api.directory.models import Hub, HubSession, Worker
from api.directory.timetable import local
from api.main import create_app
from api.referrals.models import Referral
from api.seed import seed_all
from api.settings import REPO_ROOT, Settings
from api.staff.models import StaffUser
from api.staff.passwords import hash_password

TOPICS = ["money_help", "housing_help", "send_support", "sleep", "behaviour", "low_mood", "food_help",
          "school_refusal", "teenagers", "separation", "crying_baby", "benefits_and_debt"]
OUTCOMES = ["helped_here", "passed_on", "not_wanted", "not_reached", "other"]
DISTRICTS = ["FB1", "FB2", "FB3", "FB4", "FB5", "FB6", "FB7", "FB8", None]
BOOKING_STATUSES = ["attended"] * 6 + ["no_show"] * 2 + ["cancelled", "booked", "waiting"]
PASSWORD = "bench reports password"
KEY = "bench-reports-data-key"


def fill(url: str, requests: int, bookings: int, year_end: date) -> None:
    crypto.use_key(KEY)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(16)
    with factory() as session, session.begin():
        seed_all(session, REPO_ROOT / "data")
        session.add(StaffUser(email="manager@bench.example", name="Bench Manager", role="manager",
                              password_hash=hash_password(PASSWORD)))
    with factory() as session:
        hubs = [h.id for h in session.scalars(select(Hub))]
        workers = {hub: [w.id for w in session.scalars(select(Worker).where(Worker.hub_id == hub))] for hub in hubs}
        hubs = [hub for hub in hubs if workers[hub]]
        sessions = list(session.scalars(select(HubSession.id)))
    # Encrypted columns hold one token each, made once: the figures never read them.
    secret = crypto.cipher().encrypt('"x"')
    start = datetime.combine(year_end - timedelta(days=364), datetime.min.time(), timezone.utc)
    rows = []
    for n in range(requests):
        created = start + timedelta(seconds=rng.randrange(365 * 86400))
        hub = rng.choice(hubs)
        status = rng.choices(["new", "claimed", "contacted", "closed", "withdrawn"], [5, 5, 10, 75, 5])[0]
        contacted = created + timedelta(hours=rng.expovariate(1 / 20)) if status in ("contacted", "closed") else None
        feedback = rng.choice([None, None, None, 1, 1, 2, 3]) if status == "closed" else None
        rows.append(dict(
            reference=f"B{n:07d}", idempotency_key=f"bench-{n}", conversation_id=f"bench{n}-1", family_key=f"bench{n}",
            channel=rng.choice(["web", "sms"]), created_at=created, updated_at=created, consent_wording="x",
            consent_answer="yes", consent_at=created, first_name=secret, family_words=secret, transcript=secret,
            contact_method="text", phone=secret, phone_hash=secrets.token_hex(32), contact_times=secret,
            contact_needs=secret, safe_to_text=True, safe_to_leave_message=True, hub_id=hub,
            topics=(topics := rng.sample(TOPICS, rng.choice([0, 1, 1, 1, 2]))), topics_key=",".join(topics),
            urgent=rng.random() < 0.05,
            worker_id=rng.choice(workers[hub]), contact_by=created + timedelta(hours=24), contact_today=False,
            status=status, contacted_at=contacted, closed_at=contacted if status == "closed" else None,
            outcome=rng.choice(OUTCOMES) if status == "closed" else None, postcode_district=rng.choice(DISTRICTS),
            feedback_score=feedback, feedback_at=contacted + timedelta(days=4) if feedback else None,
            created_on=local(created).date(),
            out_of_hours=local(created).weekday() >= 5 or not 9 <= local(created).hour < 17))
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 5000):
            connection.execute(insert(Referral), rows[chunk:chunk + 5000])
    dates = []
    with engine.begin() as connection:
        day = year_end - timedelta(days=364)
        while day <= year_end:
            for session_id in sessions:
                if rng.random() < 1 / 7:
                    dates.append(dict(session_id=session_id, on_date=day, places_taken=0, cancelled=False))
            day += timedelta(days=1)
        connection.execute(insert(SessionDate), dates)
        date_ids = [row[0] for row in connection.execute(select(SessionDate.id))]
    booking_rows = []
    for n in range(bookings):
        created = start + timedelta(seconds=rng.randrange(365 * 86400))
        booking_rows.append(dict(
            reference=f"X{n:07d}", idempotency_key=f"bench-booking-{n}", session_date_id=rng.choice(date_ids),
            family_key=f"benchfam{n % 40000}", conversation_id=f"benchfam{n % 40000}-1", channel="sms",
            first_name=secret, phone=secret, phone_hash=secrets.token_hex(32), children=1, child_ages_months=secret,
            adults=1, places=2, status=rng.choice(BOOKING_STATUSES), created_at=created, updated_at=created))
    with engine.begin() as connection:
        for chunk in range(0, len(booking_rows), 10000):
            connection.execute(insert(Booking), booking_rows[chunk:chunk + 10000])
    engine.dispose()


def run(requests: int, bookings: int, rounds: int, postgres: str | None) -> None:
    year_end = date(2026, 11, 30)
    with tempfile.TemporaryDirectory() as folder:
        schema = None
        if postgres:
            import psycopg
            base = normalise_database_url(postgres)
            admin = psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            schema = f"bench_reports_{secrets.token_hex(4)}"
            admin.execute(f'CREATE SCHEMA "{schema}"')
            url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
        else:
            url = f"sqlite:///{Path(folder) / 'reports.db'}"
        try:
            started = time.perf_counter()
            migrate(url)
            fill(url, requests, bookings, year_end)
            print(f"database: {'PostgreSQL' if postgres else 'SQLite'}; {requests:,} requests and {bookings:,} "
                  f"bookings made in {time.perf_counter() - started:.0f} s")
            app = create_app(Settings(database_url=url, data_encryption_key=KEY, pseudonym_key="bench",
                                      redis_db=12, data_dir=REPO_ROOT / "data"))
            with TestClient(app) as client:
                form = client.get("/staff/login").text
                token = re.search(r'name="csrf_token" value="([^"]*)"', form).group(1)
                client.post("/staff/login", data={"email": "manager@bench.example", "password": PASSWORD,
                                                  "next": "", "csrf_token": token})
                params = {"start": (year_end - timedelta(days=364)).isoformat(), "end": year_end.isoformat()}
                times = []
                for _ in range(rounds):
                    began = time.perf_counter()
                    response = client.get("/staff/reports", params=params)
                    times.append(time.perf_counter() - began)
                    assert response.status_code == 200, response.status_code
                shown = re.search(r"([\d,]+) requests? from", response.text).group(1)
                began = time.perf_counter()
                client.get("/staff/reports", params={**params, "download": "by_week"})
                csv_time = time.perf_counter() - began
            print(f"reports page, a year for all hubs ({shown} requests shown): p50 "
                  f"{statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms "
                  f"over {rounds} requests; CSV download {csv_time * 1000:.0f} ms (target: under 1000 ms)")
        finally:
            if schema:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
                admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--bookings", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh schema is made and dropped)")
    args = parser.parse_args()
    run(args.requests, args.bookings, args.rounds, args.postgres)


if __name__ == "__main__":
    main()
