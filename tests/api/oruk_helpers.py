"""Shared pieces for the Open Referral UK tests: the demo feed, a fresh
migrated database (SQLite and PostgreSQL), and a counter of the SQL writes
an import makes."""

import copy
import json
import secrets
from contextlib import contextmanager

import psycopg
from sqlalchemy import event

from api.db import make_engine, make_session_factory, normalise_database_url
from api.settings import REPO_ROOT
from tests.api.conftest import POSTGRES_URL, _postgres_schema_url, migrate
from tests.support.parts import part_missing

DEMO_FEED = REPO_ROOT / "data" / "demo" / "oruk_feed.json"


def demo_services() -> list[dict]:
    return copy.deepcopy(json.loads(DEMO_FEED.read_text(encoding="utf-8"))["contents"])


def by_key(services: list[dict], key: str) -> dict:
    return next(s for s in services if s.get("x_family_hub", {}).get("key") == key)


@contextmanager
def fresh_database(kind: str, tmp_path):
    """A new, migrated, empty database of `kind` ("sqlite" or "postgresql"): its URL."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'fresh-{secrets.token_hex(3)}.db'}"
        migrate(url)
        yield url
        return
    plain = normalise_database_url(POSTGRES_URL).replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        part_missing("postgresql", f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
    schema = f"oruk_test_{secrets.token_hex(4)}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = _postgres_schema_url(schema)
        migrate(url)
        yield url
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@contextmanager
def fresh_session_factory(kind: str, tmp_path):
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            yield make_session_factory(engine)
        finally:
            engine.dispose()


@contextmanager
def writes_counted(session):
    """Count INSERT, UPDATE and DELETE statements on `session`'s connection,
    except the import's own run record."""
    writes: list[str] = []
    connection = session.connection()

    def note(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and "oruk_imports" not in statement:
            writes.append(statement.split("\n")[0][:120])

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield writes
    finally:
        event.remove(connection, "before_cursor_execute", note)
