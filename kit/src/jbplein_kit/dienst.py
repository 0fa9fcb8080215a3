"""Calling another service of the plein: its authorised, audited API, with this service's own
credential (role ``dienst``) and the current trace context."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from opentelemetry import propagate

from .settings import ServiceSettings

log = logging.getLogger("jbplein.dienst")


class Diensten:
    def __init__(self, settings: ServiceSettings) -> None:
        token = settings.dienst_token
        self._headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self._client: httpx.AsyncClient | None = None

    async def haal_op(self, url: str) -> dict[str, Any] | None:
        """The JSON at ``url``, or None when it cannot be had now (the caller shows that)."""
        if not self._headers:
            log.warning("no JBPLEIN_DIENST_TOKEN: cannot call another service")
            return None
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
        headers = dict(self._headers)
        propagate.inject(headers)
        try:
            response = await self._client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("service call failed: %s", type(exc).__name__)
            return None
        if response.status_code != 200:
            log.warning("service call answered %d", response.status_code)
            return None
        result: dict[str, Any] = response.json()
        return result

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
