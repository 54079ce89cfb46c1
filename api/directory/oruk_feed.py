"""Read a council's Open Referral UK (HSDS 3) API into the directory, through
the same one-transaction import the JSON file takes (api/directory/oruk_import.py).

    ORUK_FEED_URL=https://directory.example.gov.uk/api   (the API's base)

`/services?page=N&per_page=M` is read page by page until `last_page` is true
or `page_number` reaches `total_pages`; a service in the list that is only a
summary (no `service_at_locations`, `schedules` or `x_family_hub`) is read in
full from `/services/{id}`. Each request has a timeout, and a request that
fails (a timeout, a refused connection, a 5xx or 429) is tried again
ORUK_FEED_RETRIES times, waiting ORUK_FEED_BACKOFF_SECONDS, then twice that,
and so on. When a page still fails, or a page is not JSON, nothing is
changed: the run is recorded as failed (what was read, what failed) on
/staff/directory/imports, and "last succeeded" stays as it was.

The one scheduler (`python -m api.sms.worker --cron`) queues `oruk_feed_job`
every ORUK_FEED_EVERY_SECONDS, only when ORUK_FEED_URL is set; an admin's
"read the feed now" queues the same job.
"""

import logging
import time
from urllib.parse import parse_qsl, urlsplit

import httpx

from api.directory.oruk_import import FeedRefused, FeedUnreadable, run_import_from

log = logging.getLogger(__name__)

MOST_PAGES = 10000  # a feed that never says it ended
FULL_RECORD_FIELDS = ("service_at_locations", "schedules", "x_family_hub")
FEED_JOB_ID = "oruk-feed-now"


def _get_json(client: httpx.Client, url: str, params: dict | None, retries: int, backoff: float, what: str):
    """GET `url` as JSON, trying again with backoff when it fails."""
    wait = backoff
    for attempt in range(retries + 1):
        try:
            response = client.get(url, params=params)
            if response.status_code >= 500 or response.status_code == 429:
                problem = f"{what} answered {response.status_code}"
            elif response.status_code >= 400:
                raise FeedUnreadable(f"{what} answered {response.status_code}")
            else:
                try:
                    return response.json()
                except ValueError as error:
                    raise FeedUnreadable(f"{what} is not JSON") from error
        except httpx.HTTPError as error:
            problem = f"{what} failed ({type(error).__name__})"
        if attempt < retries:
            time.sleep(wait)
            wait *= 2
    raise FeedUnreadable(f"{problem} after {retries + 1} tries")


def _is_summary(record) -> bool:
    return isinstance(record, dict) and not any(key in record for key in FULL_RECORD_FIELDS)


def read_feed(base_url: str, *, per_page: int = 100, timeout: float = 30.0, retries: int = 3,
              backoff: float = 2.0) -> list:
    """Every service record in the API at `base_url`, in full. FeedUnreadable
    if any page or record could not be read; FeedRefused if it is not a feed."""
    # A key some councils give in the query (?api_key=...) is sent with every request.
    parts = urlsplit(base_url)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    kept = dict(parse_qsl(parts.query))
    records: list = []
    page = 1
    with httpx.Client(timeout=timeout, follow_redirects=True, headers={"Accept": "application/json"}) as client:
        while True:
            try:
                body = _get_json(client, f"{base}/services", {**kept, "page": page, "per_page": per_page}, retries, backoff,
                                 f"page {page} of /services")
                if not isinstance(body, dict) or not isinstance(body.get("contents"), list):
                    raise FeedRefused(f"page {page} of /services is not an ORUK page (no contents)")
                for item in body["contents"]:
                    if _is_summary(item) and item.get("id") not in (None, ""):
                        item = _get_json(client, f"{base}/services/{item['id']}", kept or None, retries, backoff,
                                         f"/services/{str(item['id'])[:80]} (on page {page})")
                    records.append(item)
            except (FeedUnreadable, FeedRefused) as problem:
                read = f"read before it: {len(records)} services on {page - 1} page{'' if page == 2 else 's'}"
                raise type(problem)(f"{problem}; {read}") from problem
            total_pages = body.get("total_pages")
            if (body.get("last_page") is True or not body["contents"]
                    or (isinstance(total_pages, int) and page >= total_pages) or page >= MOST_PAGES):
                break
            page += 1
    if not records:
        raise FeedRefused("the feed has no services (a feed that lost its services would retire every one)")
    return records


def feed_source(url: str) -> str:
    """The feed's address as recorded (no user, password or query: a key
    given in the query is not shown to staff)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def import_feed(session_factory, settings, now=None):
    """Read the feed at settings.oruk_feed_url and import it: the recorded run."""
    url = settings.oruk_feed_url
    return run_import_from(
        session_factory,
        lambda: read_feed(url, per_page=settings.oruk_feed_per_page, timeout=settings.oruk_feed_timeout_seconds,
                          retries=settings.oruk_feed_retries, backoff=settings.oruk_feed_backoff_seconds),
        feed_source(url), now)


def oruk_feed_job() -> str:
    """rq job (api/sms/worker.py registers it when ORUK_FEED_URL is set)."""
    from api.sms.runtime import runtime

    rt = runtime()
    if not rt.settings.oruk_feed_url:
        return "no feed"
    run = import_feed(rt.session_factory, rt.settings)
    log.info("directory feed: %s read=%d added=%d updated=%d unchanged=%d retired=%d %s", run.outcome,
             run.read_count, run.added, run.updated, run.unchanged, run.retired, run.problem)
    return run.outcome
