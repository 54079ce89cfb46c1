"""Browser tests: the api alone under uvicorn, driven by Debian's chromium.

The api gets a fresh SQLite file (migrated and seeded with the demo staff)
and real Redis db 12. Playwright drives /usr/bin/chromium; its own browser
download (`playwright install`) is never used. Screenshots go to
var/screenshots/.
"""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.ports import unused_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REDIS_DB = 12
DEMO_PASSWORD = "demo-password-" + secrets.token_hex(8)
SCREENSHOTS = REPO / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class Site:
    url: str
    password: str
    log: Path
    actions_token: str


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the api stopped at start-up:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/staff/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the api did not start:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """The api on a free loopback port, with the demo staff seeded."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    workdir = tmp_path_factory.mktemp("browser")
    port, actions_token = unused_port(), secrets.token_hex(16)
    env = {**os.environ, "API_PORT": str(port), "DATABASE_URL": f"sqlite:///{workdir / 'familyhub.db'}",
           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": str(REDIS_DB), "REDIS_PASSWORD": "",
           "DEMO_STAFF_PASSWORD": DEMO_PASSWORD, "PSEUDONYM_KEY": secrets.token_hex(16),
           "ACTIONS_API_TOKEN": actions_token, "DATA_ENCRYPTION_KEY": secrets.token_hex(32),
           "RASA_TOKEN": secrets.token_hex(16),
           "RASA_URL": f"http://127.0.0.1:{unused_port()}", "ACTIONS_URL": f"http://127.0.0.1:{unused_port()}",
           "SECURE_COOKIES": "false"}
    for args in (["-m", "alembic", "upgrade", "head"], ["-m", "api.seed"]):
        subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True, capture_output=True)
    log = workdir / "api.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--no-access-log", "--timeout-graceful-shutdown", "3"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Site(url=url, password=DEMO_PASSWORD, log=log, actions_token=actions_token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    """A fresh browser tab with no cookies, pointed at the api."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                     f"{[n['target'] for n in v['nodes']][:3]}" for v in violations)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
