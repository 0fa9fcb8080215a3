"""Calling another service of the plein: its authorised, audited API, with this service's own
credential (role ``dienst``) and the current trace context."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from opentelemetry import propagate

from .settings import ServiceSettings

log = logging.getLogger("jbplein.dienst")


class DienstFout(Exception):
    """Another service could not answer now; ``reden`` says why in a few words (no body)."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


class Diensten:
    def __init__(self, settings: ServiceSettings) -> None:
        token = settings.dienst_token
        self._headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
        self._client: httpx.AsyncClient | None = None

    async def haal(self, url: str) -> dict[str, Any]:
        """The JSON at ``url``; :class:`DienstFout` when it cannot be had now."""
        if not self._headers:
            raise DienstFout("no JBPLEIN_DIENST_TOKEN: cannot call another service")
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
        headers = dict(self._headers)
        propagate.inject(headers)
        try:
            response = await self._client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise DienstFout(f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DienstFout(f"answered {response.status_code}")
        try:
            result: dict[str, Any] = response.json()
        except ValueError as exc:
            raise DienstFout("answered no JSON") from exc
        return result

    async def haal_op(self, url: str) -> dict[str, Any] | None:
        """The JSON at ``url``, or None when it cannot be had now (the caller shows that)."""
        try:
            return await self.haal(url)
        except DienstFout as fout:
            log.warning("service call failed: %s", fout.reden)
            return None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
