"""Fuzz the api's OpenAPI schema for a while and print what was tried.

    .venvs/api/bin/python -m bench.fuzz_api [--seconds 120] [--redis-db 10] [--postgres URL] [--as-staff ROLE]

The api runs in this process (FastAPI's TestClient) on a fresh SQLite
database (or a fresh schema of --postgres), migrated and seeded, with
Redis database --redis-db (flushed before and after) and loopback
stand-ins for Rasa and the action server. Requests come from
`tests.support.openapi_fuzz` (hypothesis, every operation in
`app.openapi()`, with and without the bearer token); any 5xx is a finding.
Prints requests and answers per operation, then every 5xx with the request
that caused it, and exits 1 if there was one. With --as-staff (admin,
front_door, comms, ...) the requests come from a signed-in member of
staff with the session's CSRF token, so the staff pages are fuzzed past
their sign-in (signing out and in are left out).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from api import crypto
from api.db import make_engine, make_session_factory, normalise_database_url
from api.main import create_app
from api.seed import seed_all
from api.settings import REPO_ROOT, Settings
from tests.api.conftest import ACTIONS_TOKEN, Recorder, make_settings, migrate
from tests.support.openapi_fuzz import operations, request_strategy, send

DATA_KEY = "bench-fuzz-data-encryption-key"


def fresh_database(workdir: Path, postgres: str | None) -> tuple[str, callable]:
    if not postgres:
        url = f"sqlite:///{workdir / 'familyhub.db'}"
        migrate(url)
        return url, lambda: None
    import psycopg

    base = normalise_database_url(postgres)
    admin = psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    schema = f"fuzz_{secrets.token_hex(4)}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in base else "?"
    url = f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
    migrate(url)

    def drop() -> None:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    return url, drop


def signed_in(client, url: str, role: str) -> str:
    """Sign in a new member of staff with this role; the CSRF token."""
    import re

    from api.staff.models import StaffUser
    from api.staff.passwords import hash_password

    password = secrets.token_urlsafe(16)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        session.add(StaffUser(email=f"fuzz-{role}@fernbridge.example", name="Fuzz Staff", role=role,
                              hub_slug="riverside" if role in ("worker", "manager") else None,
                              password_hash=hash_password(password)))
    engine.dispose()
    token = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/staff/login").text).group(1)
    answer = client.post("/staff/login", data={"email": f"fuzz-{role}@fernbridge.example", "password": password,
                                               "next": "", "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.status_code
    return re.search(r'name="csrf_token" value="([^"]*)"', client.get("/staff").text).group(1)


def run(seconds: float, redis_db: int, postgres: str | None, as_staff: str | None = None) -> int:
    app_settings = Settings()
    store = redis.Redis(host=app_settings.redis_host, port=app_settings.redis_port,
                        password=app_settings.redis_password or None, db=redis_db)
    store.flushdb()
    tried: dict[str, Counter] = defaultdict(Counter)
    server_errors: list[tuple[str, int, str]] = []
    with tempfile.TemporaryDirectory() as workdir, Recorder() as rasa, Recorder() as actions:
        url, drop = fresh_database(Path(workdir), postgres)
        try:
            engine = make_engine(url)
            with make_session_factory(engine)() as session, session.begin():
                seed_all(session, REPO_ROOT / "data")
            engine.dispose()
            crypto.use_key(DATA_KEY)
            app = create_app(make_settings(url, redis_db=redis_db, rasa_url=rasa.url, actions_url=actions.url,
                                           data_encryption_key=DATA_KEY, health_timeout_seconds=1))
            with TestClient(app, raise_server_exceptions=False) as client:
                spec = app.openapi()
                csrf = signed_in(client, url, as_staff) if as_staff else None
                # Signed in: not signing out or in again, not the live queue's event
                # stream (it never ends, by design), and never "Teach the assistant"
                # (a training worker on this Redis database would train a model).
                left_out = ("/staff/logout", "/staff/login", "/staff/queue/events", "/staff/content/teach")
                staff_only = (lambda op: op.path in left_out) if as_staff else (lambda op: False)
                print(f"{len(operations(spec))} operations in the api's OpenAPI schema; fuzzing for {seconds:.0f} s")
                stop_at = time.monotonic() + seconds
                batch = 0
                while time.monotonic() < stop_at:
                    batch += 1

                    @settings(max_examples=100, deadline=None, database=None, phases=[Phase.generate],
                              suppress_health_check=list(HealthCheck))
                    @given(request_strategy(spec, ACTIONS_TOKEN, skip=staff_only))
                    def one(request):
                        if time.monotonic() >= stop_at:
                            return
                        if csrf:
                            request.headers["X-CSRF-Token"] = csrf
                        response = send(client, request)
                        tried[request.operation.name][response.status_code] += 1
                        if response.status_code >= 500:
                            sent = request.json_body or request.form_body or request.raw_body
                            server_errors.append((request.describe(), response.status_code, repr(sent)[:200]))

                    one()
        finally:
            drop()
            store.flushdb()
    total = sum(sum(c.values()) for c in tried.values())
    width = max((len(name) for name in tried), default=10)
    print(f"\n{'operation':<{width}}  requests  answers")
    for name in sorted(tried):
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(tried[name].items()))
        print(f"{name:<{width}}  {sum(tried[name].values()):>8}  {answers}")
    print(f"\n{total} requests to {len(tried)} operations; {len(server_errors)} answered 5xx")
    for described, status, body in server_errors[:20]:
        print(f"  {status}  {described}  body={body}")
    return 1 if server_errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--redis-db", type=int, default=10)  # the other benches use 9, 11, 12, 13
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh schema is made and dropped)")
    parser.add_argument("--as-staff", metavar="ROLE", help="fuzz as a signed-in member of staff with this role")
    args = parser.parse_args()
    sys.exit(run(args.seconds, args.redis_db, args.postgres, args.as_staff))


if __name__ == "__main__":
    main()
