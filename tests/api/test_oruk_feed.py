"""Reading a council's Open Referral UK API (not a file) on a schedule: a real
loopback HTTP server serves a paged /services feed."""

import json
import math
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import redis
from rq import Queue
from sqlalchemy import func, select

from api.directory.oruk_feed import FEED_JOB_ID, import_feed, oruk_feed_job
from api.directory.oruk_models import OrukImport, OrukService
from api.settings import Settings
from api.sms.runtime import UPKEEP_QUEUE
from api.sms.worker import make_scheduler
from tests.api.oruk_helpers import demo_services, fresh_session_factory
from tests.api.test_staff_auth import hidden_token, signed_in

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)
SUMMARY_FIELDS = ("id", "name", "description", "status", "last_modified")


class Feed:
    """What the server serves, and what it was asked."""

    def __init__(self, services, summaries=False):
        self.services = services
        self.summaries = summaries
        self.failing_pages: dict[int, str] = {}  # page -> "500" | "bad json"
        self.asked: list[str] = []


@contextmanager
def serving(feed: Feed):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            parts = urlsplit(self.path)
            feed.asked.append(self.path)
            if parts.path == "/api/services":
                query = parse_qs(parts.query)
                page, size = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["50"])[0])
                failing = feed.failing_pages.get(page)
                if failing == "500":
                    return self._send(500, b'{"error": "oops"}')
                if failing == "bad json":
                    return self._send(200, b'{"contents": [')
                total_pages = max(1, math.ceil(len(feed.services) / size))
                items = feed.services[(page - 1) * size: page * size]
                if feed.summaries:
                    items = [{key: item[key] for key in SUMMARY_FIELDS if key in item} for item in items]
                body = {"total_items": len(feed.services), "total_pages": total_pages, "page_number": page,
                        "size": len(items), "first_page": page == 1, "last_page": page >= total_pages,
                        "empty": not items, "contents": items}
                return self._send(200, json.dumps(body).encode())
            if parts.path.startswith("/api/services/"):
                wanted = parts.path.rsplit("/", 1)[1]
                found = next((s for s in feed.services if s["id"] == wanted), None)
                return self._send(200 if found else 404, json.dumps(found or {}).encode())
            return self._send(404, b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


def _settings(url: str, **overrides) -> Settings:
    values = dict(oruk_feed_url=url, oruk_feed_per_page=12, oruk_feed_timeout_seconds=2,
                  oruk_feed_retries=2, oruk_feed_backoff_seconds=0.01)
    values.update(overrides)
    return Settings(**values)


def _stored(factory) -> dict:
    with factory() as session:
        return {row.id: (row.fingerprint, row.retired, row.updated_at)
                for row in session.scalars(select(OrukService))}


def test_a_three_page_feed_imports_every_service_and_reading_it_again_rewrites_nothing(tmp_path):
    services = demo_services()
    feed = Feed(services)
    with serving(feed) as url, fresh_session_factory("sqlite", tmp_path) as factory:
        run = import_feed(factory, _settings(url), NOW)
        assert (run.outcome, run.problem, run.refused) == ("imported", "", [])
        assert run.read_count == run.added == len(services) == 32
        assert sum("/services?" in path for path in feed.asked) == 3  # 12 + 12 + 8
        assert not any("/services/" in path for path in feed.asked)  # full records in the list
        assert set(_stored(factory)) == {s["id"] for s in services}
        before = _stored(factory)

        again = import_feed(factory, _settings(url), NOW)
        assert (again.outcome, again.added, again.updated, again.retired) == ("imported", 0, 0, 0)
        assert again.unchanged == len(services)
        assert _stored(factory) == before


def test_a_page_that_fails_half_way_changes_nothing_and_the_failure_is_recorded(tmp_path):
    services = demo_services()
    feed = Feed(services)
    with serving(feed) as url, fresh_session_factory("sqlite", tmp_path) as factory:
        assert import_feed(factory, _settings(url), NOW).outcome == "imported"
        before = _stored(factory)
        for service in services:
            service["name"] += " (changed)"
            service["last_modified"] = "2026-12-02T00:00:00Z"

        feed.failing_pages[2] = "500"
        feed.asked.clear()
        run = import_feed(factory, _settings(url), NOW)
        assert run.outcome == "failed"
        assert run.problem == ("page 2 of /services answered 500 after 3 tries; read before it: "
                               "12 services on 1 page: nothing was changed")
        assert sum("page=2" in path for path in feed.asked) == 3  # tried again twice
        assert _stored(factory) == before

        feed.failing_pages[2] = "bad json"
        run = import_feed(factory, _settings(url), NOW)
        assert run.outcome == "failed" and run.problem.startswith("page 2 of /services is not JSON; read before")
        assert _stored(factory) == before
        with factory() as session:
            outcomes = session.scalars(select(OrukImport.outcome).order_by(OrukImport.id)).all()
            assert outcomes == ["imported", "failed", "failed"]


def test_an_unreachable_feed_is_recorded_as_failed(tmp_path):
    with fresh_session_factory("sqlite", tmp_path) as factory:
        with serving(Feed([])) as url:
            pass  # the server has gone: nothing answers at url
        run = import_feed(factory, _settings(url, oruk_feed_retries=1), NOW)
        assert run.outcome == "failed" and "page 1 of /services failed" in run.problem
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(OrukService)) == 0


def test_a_list_of_summaries_is_read_in_full_record_by_record(tmp_path):
    services = demo_services()
    feed = Feed(services, summaries=True)
    with serving(feed) as url, fresh_session_factory("sqlite", tmp_path) as factory:
        run = import_feed(factory, _settings(f"{url}?api_key=s3cret"), NOW)
        assert (run.outcome, run.added) == ("imported", len(services))
        assert sum("/services/" in path for path in feed.asked) == len(services)
        assert all("api_key=s3cret" in path for path in feed.asked)  # the council's key, on every request
        assert run.source == url  # ...but not shown to staff
        with factory() as session:
            stored = {row.id: row.record for row in session.scalars(select(OrukService))}
        assert all("service_at_locations" in stored[s["id"]] for s in services)


def test_the_feed_job_is_scheduled_only_when_a_feed_url_is_set(test_redis):
    connection = redis.Redis(**{k: v for k, v in test_redis.connection_pool.connection_kwargs.items()
                                if k in ("host", "port", "db", "password")})
    without = {job.func for job in make_scheduler(connection, Settings(oruk_feed_url="")).get_jobs()}
    assert oruk_feed_job not in without
    with_feed = {job.func: job for job in make_scheduler(
        connection, Settings(oruk_feed_url="https://directory.example.gov.uk/api",
                             oruk_feed_every_seconds=3600)).get_jobs()}
    assert with_feed[oruk_feed_job].interval == 3600


# --- "read the feed now" on the imports page ---

FEED_URL = "https://directory.example.gov.uk/api"


def test_an_admin_queues_a_read_of_the_feed_and_the_web_request_does_not_read_it(
        make_client, session_factory, test_redis):
    client, _ = signed_in(make_client, session_factory, "admin", oruk_feed_url=FEED_URL)
    page = client.get("/staff/directory/imports")
    assert 'id="read-now"' in page.text
    token = hidden_token(page.text)
    assert client.post("/staff/directory/imports/read-now", data={"csrf_token": "wrong"},
                       follow_redirects=False).status_code == 403
    with session_factory() as session:
        runs_before = session.scalar(select(func.count()).select_from(OrukImport))
    response = client.post("/staff/directory/imports/read-now", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/staff/directory/imports?done=queued")
    connection = redis.Redis(**{k: v for k, v in test_redis.connection_pool.connection_kwargs.items()
                                if k in ("host", "port", "db", "password")})
    job = Queue(UPKEEP_QUEUE, connection=connection).fetch_job(FEED_JOB_ID)
    assert job is not None and job.func_name == "api.directory.oruk_feed.oruk_feed_job"
    job.delete()
    with session_factory() as session:  # queued, not run here
        assert session.scalar(select(func.count()).select_from(OrukImport)) == runs_before
    assert "will be read in the background" in client.get(response.headers["location"]).text


def test_only_an_admin_sees_or_may_press_read_the_feed_now(make_client, session_factory, test_redis):
    client, _ = signed_in(make_client, session_factory, "front_door", oruk_feed_url=FEED_URL)
    page = client.get("/staff/directory/imports")
    assert page.status_code == 200 and 'id="read-now"' not in page.text
    assert client.post("/staff/directory/imports/read-now", data={"csrf_token": hidden_token(page.text)},
                       follow_redirects=False).status_code == 403
    admin, _ = signed_in(make_client, session_factory, "admin")  # no feed set: no button
    assert 'id="read-now"' not in admin.get("/staff/directory/imports").text
