"""Calling another service of the plein: its authorised, audited API, with this service's own
credential (role ``dienst``) and the current trace context.

A service calls another only at the base URL configured for it (``JBPLEIN_<DIENST>_URL``),
never at a URL taken from a message: an event's ``dataref`` pointing elsewhere would otherwise
receive the credential, and with it the gezin's details (issue 11). So a caller names the
service and the path, not a URL; the path must be a plain path; and the credential is added
by an ``httpx.Auth`` that refuses any request outside the configured base URLs, so that no
later change (a redirect followed, a URL built another way) can send it elsewhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator
from typing import Any, Literal

import httpx
from opentelemetry import propagate

from .settings import ServiceSettings

log = logging.getLogger("jbplein.dienst")

Dienst = Literal["intake", "tafel", "toewijzing", "notificatie"]

# A path of the plein's APIs: segments of letters, digits and ``-._~`` that do not start with a
# dot (no ``..``), no query, no fragment, no backslash, no ``//`` that could start an authority.
PAD = re.compile(r"^(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/?$")


class DienstFout(Exception):
    """Another service could not answer now; ``reden`` says why in a few words (no body)."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


class Geweigerd(DienstFout):
    """The call would go somewhere else than a configured service: it is not made."""


def _oorsprong(url: httpx.URL) -> tuple[str, str, int | None]:
    standaard = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or standaard


class _Basis:
    """A configured base URL: scheme, host, port and path prefix."""

    def __init__(self, url: str) -> None:
        parsed = httpx.URL(url.rstrip("/"))
        if parsed.scheme not in {"http", "https"} or not parsed.host or parsed.userinfo:
            raise ValueError(f"not a base URL of a service: {url!r}")
        self.url = str(parsed)
        self.oorsprong = _oorsprong(parsed)
        self.prefix = parsed.path.rstrip("/")

    def bevat(self, url: httpx.URL) -> bool:
        if _oorsprong(url) != self.oorsprong or url.userinfo:
            return False
        return url.path == self.prefix or url.path.startswith(self.prefix + "/")


class _DienstAuth(httpx.Auth):
    """Adds the credential to a request for a configured base URL; refuses any other request
    (it is never sent, with or without the credential)."""

    def __init__(self, header: str, basissen: tuple[_Basis, ...]) -> None:
        self._header = header
        self._basissen = basissen

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not any(b.bevat(request.url) for b in self._basissen):
            raise Geweigerd("not a configured service")
        request.headers["Authorization"] = self._header
        yield request


class Diensten:
    def __init__(self, settings: ServiceSettings) -> None:
        token = settings.dienst_token
        self._basis: dict[str, _Basis] = {
            naam: _Basis(url)
            for naam, url in (
                ("intake", settings.intake_url),
                ("tafel", settings.tafel_url),
                ("toewijzing", settings.toewijzing_url),
                ("notificatie", settings.notificatie_url),
            )
            if url
        }
        self._auth = (
            _DienstAuth(f"Bearer {token.get_secret_value()}", tuple(self._basis.values()))
            if token
            else None
        )
        self._client: httpx.AsyncClient | None = None

    def url(self, dienst: Dienst, pad: str) -> str:
        """The URL of ``pad`` at ``dienst``'s configured base URL; :class:`Geweigerd` (logged,
        without the path) when the path is not a plain path, :class:`DienstFout` when the
        service's URL is not configured."""
        basis = self._basis.get(dienst)
        if basis is None:
            raise DienstFout(f"no JBPLEIN_{dienst.upper()}_URL: cannot call {dienst}")
        if not PAD.fullmatch(pad):
            log.warning("refused a call to %s: not a plain path", dienst)
            raise Geweigerd("not a plain path")
        return basis.url + pad

    async def haal(self, dienst: Dienst, pad: str) -> dict[str, Any]:
        """The JSON at ``pad`` of ``dienst``; :class:`DienstFout` when it cannot be had now."""
        url = self.url(dienst, pad)
        if self._auth is None:
            raise DienstFout("no JBPLEIN_DIENST_TOKEN: cannot call another service")
        if self._client is None:
            # Never follow a redirect, never take a proxy from the environment: the credential
            # goes to the configured service and nowhere else.
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(3.0), follow_redirects=False, trust_env=False
            )
        headers: dict[str, str] = {}
        propagate.inject(headers)
        try:
            response = await self._client.get(url, headers=headers, auth=self._auth)
        except Geweigerd:
            log.warning("refused a call to %s: not its configured base URL", dienst)
            raise
        except httpx.HTTPError as exc:
            raise DienstFout(f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DienstFout(f"answered {response.status_code}")
        try:
            result = response.json()
        except ValueError as exc:
            raise DienstFout("answered no JSON") from exc
        if not isinstance(result, dict):
            raise DienstFout("answered no JSON object")
        return result

    async def haal_op(self, dienst: Dienst, pad: str) -> dict[str, Any] | None:
        """The JSON at ``pad`` of ``dienst``, or None when it cannot be had now (the caller
        shows that)."""
        try:
            return await self.haal(dienst, pad)
        except DienstFout as fout:
            log.warning("service call failed: %s", fout.reden)
            return None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
