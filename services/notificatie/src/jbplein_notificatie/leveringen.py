"""Webhook deliveries to partners without NATS, after the NL GOV CloudEvents webhook guideline:
an HTTP POST of the CloudEvent (structured mode) with the subscription's Bearer credential.

* 2xx: delivered. 410 Gone: the endpoint is gone; the delivery fails at once and the
  subscription is switched off.
* anything else (or no answer): tried again with an exponential backoff for about a day; a
  429 or 503 with ``Retry-After`` is tried again no sooner than it asks.
* every attempt is logged; a delivery that finally fails stays visible, raises the alert
  ``levering.mislukt``, and can be sent again.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import select

from jbplein_contracts.envelope import CONTENT_TYPE, Bron
from jbplein_contracts.v1 import LeveringMislukt, LeveringMisluktData
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from . import doelen
from .models import BEZORGD, MISLUKT, TE_BEZORGEN, Abonnement, Levering, Poging
from .settings import Settings

log = logging.getLogger("jbplein.notificatie.leveringen")

LEASE = timedelta(seconds=90)
"""Longer than an attempt can take (the HTTP timeout, at most 60 s)."""
MAX_RETRY_AFTER = timedelta(hours=24)


def wachttijd(pogingen: int, eerste: float, maximum: float) -> timedelta:
    """Exponential backoff: ``eerste`` after the first failed attempt, doubling, capped."""
    return timedelta(seconds=min(maximum, eerste * 2 ** max(pogingen - 1, 0)))


def retry_after(waarde: str | None, nu: datetime) -> timedelta | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), within bounds;
    None when absent or unreadable."""
    if not waarde:
        return None
    waarde = waarde.strip()
    if waarde.isdigit():
        wacht = timedelta(seconds=int(waarde))
    else:
        try:
            moment = parsedate_to_datetime(waarde)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        wacht = moment - nu
    return max(timedelta(0), min(wacht, MAX_RETRY_AFTER))


def volgende(
    settings: Settings, levering: Levering, status: int | None, gevraagd: timedelta | None
) -> timedelta:
    """When to try again after a failed attempt."""
    wacht = wachttijd(
        levering.pogingen,
        settings.webhook_eerste_wachttijd_seconden,
        settings.webhook_max_wachttijd_seconden,
    )
    if status in (429, 503) and gevraagd is not None:
        return max(wacht, gevraagd)
    return wacht


def origin(settings: Settings) -> str:
    return urlsplit(settings.base_url()).netloc or "jbplein"


class Bezorger:
    """The worker's state: one HTTP client for every delivery."""

    def __init__(self, service: Service, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.webhook_timeout_seconden),
                follow_redirects=False,
                # A connection is pooled by address, not by name: two partners behind one
                # address would share one TLS session checked for the first one's name.
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._client

    async def _claim(self) -> tuple[UUID, str, str, bytes, dict[str, str]] | None:
        async with self.service.unit_of_work() as uow:
            query = (
                select(Levering, Abonnement)
                .join(Abonnement, Abonnement.id == Levering.abonnement_id)
                .where(Levering.status == TE_BEZORGEN, Levering.volgende_poging_op <= uow.now)
                .order_by(Levering.volgende_poging_op)
                .limit(1)
            )
            if uow.session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Levering)
            row = (await uow.session.execute(query)).first()
            if row is None:
                return None
            levering, abonnement = row
            levering.volgende_poging_op = uow.now + LEASE
            return (
                levering.id,
                abonnement.url,
                abonnement.token,
                levering.payload,
                dict(levering.trace_context),
            )

    async def _doel(self, url: str, headers: dict[str, str]) -> tuple[httpx.URL, dict[str, Any]]:
        """The callback's URL with its host replaced by the address checked just now (DNS may
        have changed since the subscription was made, and may change again between a check
        and a connection of its own); the name still goes in ``Host`` and, for TLS, in SNI and
        the certificate check."""
        callback = httpx.URL(url)
        poort = callback.port or (443 if callback.scheme == "https" else 80)
        adressen = await doelen.controleer(
            doelen.host(callback.host),
            poort,
            interne_toegestaan=self.settings.webhook_interne_doelen,
        )
        headers["Host"] = callback.netloc.decode("ascii")
        extensions: dict[str, Any] = {}
        if callback.scheme == "https":
            extensions["sni_hostname"] = callback.host
        return callback.copy_with(host=str(adressen[0])), extensions

    async def bezorg_een(self) -> int:
        """Try one due delivery; returns 1 when one was tried."""
        claim = await self._claim()
        if claim is None:
            return 0
        levering_id, url, token, payload, trace_context = claim
        tracer = self.service.tracer
        with tracer.start_as_current_span(
            "webhook bezorgen",
            context=propagate.extract(trace_context),
            kind=SpanKind.CLIENT,
            attributes={"jbplein.levering_id": str(levering_id), "http.request.method": "POST"},
        ) as span:
            headers = {
                "Content-Type": f"{CONTENT_TYPE}; charset=utf-8",
                "Authorization": f"Bearer {token}",
                "WebHook-Request-Origin": origin(self.settings),
            }
            propagate.inject(headers)
            begin = time.monotonic()
            status: int | None = None
            fout: str | None = None
            gevraagd_header: str | None = None
            try:
                doel, extensions = await self._doel(url, headers)
                response = await self.client().post(
                    doel, content=payload, headers=headers, extensions=extensions
                )
                status = response.status_code
                gevraagd_header = response.headers.get("retry-after")
            except doelen.DoelGeweigerd as exc:
                fout = "DoelGeweigerd"
                log.warning("delivery %s not sent: %s", levering_id, exc.reden)
            except httpx.HTTPError as exc:
                fout = type(exc).__name__
            duur_ms = int((time.monotonic() - begin) * 1000)
            if status is not None:
                span.set_attribute("http.response.status_code", status)
            gelukt = status is not None and 200 <= status < 300
            if not gelukt:
                span.set_status(Status(StatusCode.ERROR, fout or f"HTTP {status}"))
            await self._vastleggen(levering_id, status, fout, duur_ms, gevraagd_header)
        return 1

    async def _vastleggen(
        self,
        levering_id: UUID,
        status: int | None,
        fout: str | None,
        duur_ms: int,
        gevraagd_header: str | None,
    ) -> None:
        async with self.service.unit_of_work() as uow:
            levering = await uow.session.get(Levering, levering_id)
            if levering is None:
                return
            levering.pogingen += 1
            levering.laatste_status = status
            levering.laatste_fout = fout
            poging = Poging(
                levering_id=levering.id,
                nummer=levering.pogingen,
                op=uow.now,
                http_status=status,
                fout=fout,
                duur_ms=duur_ms,
            )
            uow.session.add(poging)
            if status is not None and 200 <= status < 300:
                levering.status = BEZORGD
                levering.bezorgd_op = uow.now
                levering.volgende_poging_op = None
                return
            abonnement = await uow.session.get(Abonnement, levering.abonnement_id)
            assert abonnement is not None
            if status == 410:
                abonnement.actief = False
                log.warning("subscription %s answered 410 Gone: switched off", abonnement.id)
                opgeven(uow, levering, abonnement.organisatie)
                return
            wacht = volgende(self.settings, levering, status, retry_after(gevraagd_header, uow.now))
            if uow.now + wacht > levering.opgeven_na:
                opgeven(uow, levering, abonnement.organisatie)
                return
            levering.volgende_poging_op = uow.now + wacht
            poging.volgende_poging_op = levering.volgende_poging_op


def opgeven(uow: UnitOfWork, levering: Levering, organisatie: str) -> None:
    """The delivery failed for good: it stays visible, and the alert goes out."""
    levering.status = MISLUKT
    levering.opgegeven_op = uow.now
    levering.volgende_poging_op = None
    log.error(
        "delivery %s to subscription %s failed for good after %d attempts",
        levering.id,
        levering.abonnement_id,
        levering.pogingen,
    )
    uow.publish(
        LeveringMislukt.maak(
            LeveringMisluktData(
                gemeente=levering.gemeente,
                levering_id=levering.id,
                abonnement_id=levering.abonnement_id,
                organisatie=organisatie,
                event_id=levering.event_id,
                event_type=levering.event_type,
                pogingen=max(levering.pogingen, 1),
                laatste_status=levering.laatste_status,
                eerste_poging_op=levering.aangemaakt_op,
                opgegeven_op=uow.now,
            ),
            bron=Bron.NOTIFICATIE,
            tijd=uow.now,
            onderwerp=levering.id,
        )
    )
