"""Browser tests: the api alone under uvicorn, driven by Debian's chromium.

The api gets a fresh SQLite file (migrated and seeded with the demo staff)
and real Redis db 12. Playwright drives /usr/bin/chromium; its own browser
download (`playwright install`) is never used. Screenshots go to
var/screenshots/.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.support.parts import part_missing
from tests.support.stack import Stack, prepare_database, stack_env

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REDIS_DB = int(os.environ.get("TEST_BROWSER_REDIS_DB", "12"))
SCREENSHOTS = REPO / "var" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class Site:
    url: str
    password: str
    log: Path
    actions_token: str


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """The api on a free loopback port, with the demo staff seeded."""
    if not CHROMIUM.exists():
        part_missing("browser", "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    workdir = tmp_path_factory.mktemp("browser")
    env = stack_env(workdir, REDIS_DB)
    client = redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), db=REDIS_DB,
                         password=env["REDIS_PASSWORD"] or None)
    try:
        client.ping()
    except redis.ConnectionError:
        part_missing("redis", f"Redis is not running on {env['REDIS_HOST']}:{env['REDIS_PORT']}")
    client.flushdb()
    prepare_database(env)
    # The api alone: Rasa and the action server are not needed for staff pages.
    api = Stack(workdir=workdir, env=env)
    api.start("api")
    try:
        api.wait_until_healthy(timeout=60, path="/staff/login")
        yield Site(url=api.api_url, password=env["DEMO_STAFF_PASSWORD"], log=workdir / "api.log",
                   actions_token=env["ACTIONS_API_TOKEN"])
    finally:
        api.stop_all()
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
