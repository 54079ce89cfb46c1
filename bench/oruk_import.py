"""Directory import time for a large Open Referral UK feed
(`python -m bench.oruk_import [--services 5000] [--postgres URL]`).

Makes a feed of N services from the demo feed's records (new ids, every
tenth at a hub with a schedule the assistant can offer, the rest plain
directory services), imports it into a fresh SQLite database (or a fresh
schema in PostgreSQL), then imports it again unchanged, then with one
service in ten changed and one in a hundred gone. Prints the time of each.
Never run by the tests.
"""
from __future__ import annotations

import argparse
import copy
import json
import secrets
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote


from api.db import make_engine, make_session_factory, migrate_to_head as migrate, normalise_database_url
from api.directory.oruk_import import run_import
from api.seed import load_borough, seed_directory
from api.settings import REPO_ROOT

FEED = REPO_ROOT / "data" / "demo" / "oruk_feed.json"


def big_feed(count: int) -> list[dict]:
    demo = json.loads(FEED.read_text(encoding="utf-8"))["contents"]
    sessions = [s for s in demo if "key" in s.get("x_family_hub", {})]
    services = []
    for number in range(count):
        record = copy.deepcopy(sessions[number % len(sessions)])
        record["id"] = f"bench-{number:05d}"
        record["name"] = f"{record['name']} {number}"
        extension = record["x_family_hub"]
        extension["key"] = f"bench_{number:05d}"
        if number % 10:
            del record["x_family_hub"]  # not a hub session: kept only in the directory
            for item in record["service_at_locations"]:
                item["location"].pop("x_family_hub", None)
                item["location"]["id"] = f"bench-location-{number:05d}"
        services.append(record)
    return services


def timed(factory, services: list[dict], label: str) -> None:
    text = json.dumps({"contents": services})
    started = time.perf_counter()
    run = run_import(factory, text, label, datetime.now(timezone.utc))
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:7.2f} s  {run.outcome}: added {run.added}, updated {run.updated}, "
          f"unchanged {run.unchanged}, retired {run.retired}, refused {len(run.refused)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--postgres", help="a PostgreSQL URL: a fresh schema is made in it and dropped")
    args = parser.parse_args()
    schema = None
    if args.postgres:
        import psycopg
        schema = f"bench_oruk_{secrets.token_hex(4)}"
        plain = normalise_database_url(args.postgres).replace("postgresql+psycopg://", "postgresql://")
        admin = psycopg.connect(plain, autocommit=True)
        admin.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{normalise_database_url(args.postgres)}?options={quote(f'-csearch_path={schema}')}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    try:
        migrate(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as session, session.begin():
            seed_directory(session, load_borough(REPO_ROOT / "data" / "demo" / "borough.yml"))
        services = big_feed(args.services)
        print(f"{args.services} services on {engine.dialect.name}")
        timed(factory, services, "first import")
        timed(factory, services, "again, unchanged")
        changed = copy.deepcopy(services)
        for number, record in enumerate(changed):
            if number % 10 == 0:
                record["description"] += " Changed."
                record["last_modified"] = "2026-12-02T00:00:00Z"
        changed = [r for number, r in enumerate(changed) if number % 100 != 1]
        timed(factory, changed, "1 in 10 changed, 1 in 100 gone")
        engine.dispose()
    finally:
        if schema:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()


if __name__ == "__main__":
    main()
