"""A green test run means what it says: the tests use the Redis the app is
told to use (so the fallback Redis on its own port is used, not skipped),
and a run with a whole part missing fails and says so, unless that part was
left out by name (tests/conftest.py, tests/support/parts.py)."""
import os
import subprocess
import sys
from pathlib import Path

import redis

from tests.api.test_conversation_privacy import own_redis  # noqa: F401 - fixture
from tests.support.ports import unused_port

REPO = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/api/test_chat.py::test_secure_cookie_behind_https"


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=REPO,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


def test_the_api_tests_use_the_redis_the_app_is_told_to_use(own_redis):
    port = own_redis("--save", "", "--appendonly", "no")
    run = pytest_run(ONE_TEST, "-k", "sqlite", REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), REDIS_PASSWORD="",
                     TEST_REDIS_DB="2")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "nothing was skipped" in run.stdout
    used = redis.Redis(port=port).info("commandstats")
    assert used.get("cmdstat_flushdb", {}).get("calls", 0) >= 1  # the test's Redis was this one


def test_a_run_without_postgresql_fails_and_says_so_unless_left_out_by_name():
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{unused_port()}/nowhere"
    run = pytest_run(ONE_TEST, TEST_POSTGRES_URL=closed, TEST_LEAVE_OUT="")
    assert run.returncode != 0
    assert "1 passed" in run.stdout and "1 skipped" in run.stdout
    assert "PostgreSQL (TEST_POSTGRES_URL) is missing" in run.stdout and "TEST_LEAVE_OUT=postgresql" in run.stdout

    left_out = pytest_run(ONE_TEST, TEST_POSTGRES_URL=closed, TEST_LEAVE_OUT="postgresql")
    assert left_out.returncode == 0, left_out.stdout[-3000:]
    assert "Left out by name (TEST_LEAVE_OUT): PostgreSQL" in left_out.stdout
