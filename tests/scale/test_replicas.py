"""Several replicas of every service, with one of each killed mid-load:
nothing a family sent is lost or answered twice (bench/scale.py, in its
short form: 40 families for 60 s at 2 replicas; `make scale` runs it in
full and prints the figures).

Real processes on loopback: 2 Rasa servers, 2 action servers, 2 api
processes, 2 SMS workers and the one scheduler, HAProxy in front, a Redis of
its own, a fresh PostgreSQL schema (TEST_POSTGRES_URL), locust as the load.
"""
import os

import pytest

from bench.scale import LOCUST_BIN, MODEL, POSTGRES_URL, find_haproxy, run


def test_nothing_lost_or_doubled_when_a_replica_of_each_service_dies(tmp_path):
    if not MODEL.exists():
        pytest.fail("No trained model: `make test` trains one before the tests run.")
    if find_haproxy() is None or not LOCUST_BIN.exists():
        pytest.skip("haproxy or locust missing: `make test` installs both (scripts/ensure_tools.sh, make setup)")
    import psycopg

    from api.db import normalise_database_url

    try:
        psycopg.connect(normalise_database_url(POSTGRES_URL).replace("postgresql+psycopg://", "postgresql://"),
                        connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
    families = int(os.environ.get("SCALE_TEST_FAMILIES", "40"))
    seconds = int(os.environ.get("SCALE_TEST_SECONDS", "60"))
    outcome = run(families, seconds, [2], apis=2, kills=True, workdir=tmp_path)
    [phase] = outcome.phases
    # The kills happened, in the middle of real traffic through both api replicas.
    assert set(phase.kill_times) == {"rasa-1", "api-1", "sms-worker-1"}
    served_by = {row["replica"] for row in phase.rows if row["kind"] == "web" and row["status"] == 200}
    assert {"api-1", "api-2"} <= served_by, served_by
    assert sum(1 for row in phase.rows if row["status"] == 200) >= families
    assert outcome.problems == [], "\n".join(outcome.problems)
