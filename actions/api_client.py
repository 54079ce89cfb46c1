"""The one place the action server speaks to the api.

Every call returns the texts to send, already in family words, or raises
``ApiUnavailable`` so the action can fall back to words from ``domain.yml``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Dict, List, Optional

import aiohttp

from actions.settings import ActionSettings, load_settings

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 1.0)


class ApiUnavailable(Exception):
    """The api could not give an answer (down, slow, or refused the request)."""


class ApiClient:
    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self._settings = settings or load_settings()

    async def texts(self, path: str, channel: str, **query: Optional[str]) -> List[str]:
        """GET an ``/internal`` route and return the texts it answered with."""
        params: Dict[str, str] = {"channel": channel}
        params.update({k: v for k, v in query.items() if v})
        url = f"{self._settings.api_url}/internal/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._settings.api_token}"}
        timeout = aiohttp.ClientTimeout(total=self._settings.timeout_seconds)
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS)):
            await asyncio.sleep(delay)
            try:
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.get(url, params=params, headers=headers) as response:
                        if response.status >= 500:
                            logger.warning("api answered %s for %s", response.status, path)
                            continue
                        if response.status != 200:
                            logger.error("api refused %s with %s", path, response.status)
                            raise ApiUnavailable(f"{path}: {response.status}")
                        body = await response.json()
                        return [m["text"] for m in body["messages"] if m.get("text")]
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("api call %s failed (try %d): %s", path, attempt + 1, type(error).__name__)
        raise ApiUnavailable(path)
