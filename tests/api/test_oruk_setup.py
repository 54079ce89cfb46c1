"""`make run` and docker-compose set the database up with `python -m api.seed`:
the demo borough, then the same borough as an Open Referral UK feed through
the import a council's feed takes."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from api.db import make_engine, make_session_factory
from api.directory.oruk_import import run_import
from api.directory.oruk_models import OrukImport, OrukService
from api.seed import DEMO_FEED_SOURCE, import_demo_feed, load_borough, seed_directory
from api.settings import REPO_ROOT
from tests.api.oruk_helpers import demo_services, fresh_database, fresh_session_factory
from tests.api.test_oruk_import import _directory

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)


def _setup_database(url: str) -> None:
    """What `make database` and docker-compose's migrate job run after migrating."""
    env = {**os.environ, "DATABASE_URL": url, "DEMO_MODE": "false"}
    subprocess.run([sys.executable, "-m", "api.seed"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_setting_up_twice_fills_the_directory_from_the_feed_once_and_changes_no_hub_or_session(kind, tmp_path):
    with fresh_session_factory(kind, tmp_path) as seed_only:
        with seed_only() as session, session.begin():
            seed_directory(session, load_borough(REPO_ROOT / "data" / "demo" / "borough.yml"))
            expected = _directory(session)
    with fresh_database(kind, tmp_path) as url:
        _setup_database(url)
        _setup_database(url)
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                assert _directory(session) == expected  # hubs, sessions, bookable settings as the seed made them
                current = session.scalar(select(func.count()).select_from(OrukService)
                                         .where(OrukService.retired.is_(False)))
                assert current == len(demo_services())
                runs = list(session.scalars(select(OrukImport).order_by(OrukImport.id)))
        finally:
            engine.dispose()
    assert [(r.source, r.outcome, r.refused) for r in runs] == [(DEMO_FEED_SOURCE, "imported", [])] * 2
    assert (runs[0].added, runs[1].added, runs[1].updated, runs[1].unchanged) == (current, 0, 0, current)


def test_a_site_reading_the_councils_own_feed_is_not_given_the_demo_feed(tmp_path):
    with fresh_session_factory("sqlite", tmp_path) as factory:
        council = [{"id": "council-1", "name": "Fernbridge Food Bank", "description": "Food parcels."}]
        source = "https://directory.fernbridge.example"
        assert run_import(factory, json.dumps(council), source, NOW).outcome == "imported"
        assert import_demo_feed(factory, REPO_ROOT / "data") is None
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(OrukImport)) == 1
            assert not session.get(OrukService, "council-1").retired
