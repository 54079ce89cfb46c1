"""The one place the action server speaks to the api.

Every call returns the api's JSON, or raises ``ApiUnavailable`` so the action
can fall back to words from ``domain.yml``. Calls are retried a couple of
times; a POST that creates something carries an idempotency key, so a retry
never makes two.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Set

import aiohttp

from actions.settings import ActionSettings, load_settings

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 1.0)
REPORT_TIMEOUT_SECONDS = 3.0


class ApiUnavailable(Exception):
    """The api could not give an answer (down, slow, or refused the request)."""


class ApiRefused(ApiUnavailable):
    """The api answered, but refused the request (4xx); ``body`` says why."""

    def __init__(self, path: str, status: int, body: Dict[str, Any]) -> None:
        super().__init__(f"{path}: {status}")
        self.status = status
        self.body = body


class ApiClient:
    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self._settings = settings or load_settings()
        self._reports: Set["asyncio.Future[bool]"] = set()  # kept so they are not dropped mid-flight

    @property
    def settings(self) -> ActionSettings:
        return self._settings

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, str]] = None,
        json: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Dict[str, Any]:
        """Call an ``/internal`` route and return its JSON body."""
        url = f"{self._settings.api_url}/internal/{path.lstrip('/')}"
        all_headers = {"Authorization": f"Bearer {self._settings.api_token}", **(headers or {})}
        timeout = aiohttp.ClientTimeout(total=self._settings.timeout_seconds)
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS)):
            await asyncio.sleep(delay)
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.request(
                        method, url, params=params, json=json, headers=all_headers
                    ) as response:
                        if response.status >= 500:
                            logger.warning("api answered %s for %s", response.status, path)
                            continue
                        body = await response.json(content_type=None)
                        if response.status >= 400:
                            logger.error("api refused %s with %s", path, response.status)
                            raise ApiRefused(path, response.status, body or {})
                        return body
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                logger.warning("api call %s failed (try %d): %s", path, attempt + 1, type(error).__name__)
        raise ApiUnavailable(path)

    async def report(self, path: str, json: Dict[str, Any]) -> bool:
        """POST something the api only records (one try, a short wait).
        Never raises: a refusal or failure is logged, without the body
        (it may hold the family's words), and False returned."""
        url = f"{self._settings.api_url}/internal/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._settings.api_token}"}
        timeout = aiohttp.ClientTimeout(total=min(self._settings.timeout_seconds, REPORT_TIMEOUT_SECONDS))
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, json=json, headers=headers) as response:
                    if response.status >= 400:
                        logger.warning("api did not record %s: %s", path, response.status)
                        return False
                    return True
        except Exception as error:  # noqa: BLE001 - a report must never break an answer
            logger.warning("api did not record %s: %s", path, type(error).__name__)
            return False

    def report_in_background(self, path: str, json: Dict[str, Any]) -> None:
        """Send a report without making the family wait for it."""
        task = asyncio.ensure_future(self.report(path, json))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def wait_for_reports(self) -> None:
        """Until every report sent in the background has finished (for tests)."""
        while self._reports:
            await asyncio.gather(*list(self._reports))

    async def texts(self, path: str, channel: str, **query: Optional[str]) -> List[str]:
        """GET a route that answers with texts for the family. Only ids and
        labels go in a query: never what the family wrote (see posted_texts)."""
        params: Dict[str, str] = {"channel": channel}
        params.update({k: v for k, v in query.items() if v})
        return message_texts(await self.call("GET", path, params=params))

    async def posted_texts(self, path: str, channel: str, **words: Optional[str]) -> List[str]:
        """POST the family's words (a hub, a day, a postcode as they wrote
        them) in a JSON body to a route that answers with texts: query
        strings end up in access logs."""
        body: Dict[str, str] = {"channel": channel}
        body.update({k: v for k, v in words.items() if v})
        return message_texts(await self.call("POST", path, json=body))


def message_texts(body: Dict[str, Any]) -> List[str]:
    return [m["text"] for m in body.get("messages", []) if m.get("text")]
