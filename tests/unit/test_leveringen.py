"""The pure rules of webhook delivery: backoff, Retry-After, which subscription gets what, and
which addresses a webhook may go to."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    PartnerBesluitGenomen,
    PartnerBesluitGenomenData,
    PartnerMeldingBesloten,
    PartnerMeldingBeslotenData,
)
from jbplein_contracts.waarden import Aanpak
from jbplein_notificatie import doelen
from jbplein_notificatie.leveringen import retry_after, wachttijd
from jbplein_notificatie.partners import ADRESSEERBAAR, PARTNER_TYPES, past
from jbplein_notificatie.settings import Settings

NU = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_backoff_doubles_from_the_first_wait_up_to_the_maximum() -> None:
    assert [wachttijd(n, 30, 3600).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


@given(st.integers(min_value=1, max_value=200))
def test_backoff_never_exceeds_its_maximum_and_never_shrinks(n: int) -> None:
    assert timedelta(seconds=30) <= wachttijd(n, 30, 3600) <= timedelta(seconds=3600)
    assert wachttijd(n + 1, 30, 3600) >= wachttijd(n, 30, 3600)


def test_retry_after_in_seconds_or_as_an_http_date_within_bounds() -> None:
    assert retry_after("120", NU) == timedelta(seconds=120)
    assert retry_after("Mon, 23 Nov 2026 13:30:00 GMT", NU) == timedelta(minutes=90)
    assert retry_after("Mon, 23 Nov 2026 11:00:00 GMT", NU) == timedelta(0)
    assert retry_after("999999999", NU) == timedelta(hours=24)
    assert retry_after(None, NU) is None
    assert retry_after("soon", NU) is None
    assert retry_after("-5", NU) is None


def _besluit() -> PartnerBesluitGenomen:
    zaak = uuid4()
    return PartnerBesluitGenomen.maak(
        PartnerBesluitGenomenData(
            gemeente="0599", zaak_ref=zaak, aanpak=Aanpak.DRANG, besluit_datum=NU.date()
        ),
        bron=Bron.NOTIFICATIE,
        tijd=NU,
        onderwerp=zaak,
    )


def _besloten(aan: str) -> PartnerMeldingBesloten:
    zaak = uuid4()
    return PartnerMeldingBesloten.maak(
        PartnerMeldingBeslotenData(
            gemeente="0606",
            ontvanger=aan,
            zaak_ref=zaak,
            aanpak=Aanpak.VRIJWILLIG,
            besluit_datum=NU.date(),
        ),
        bron=Bron.NOTIFICATIE,
        tijd=NU,
        onderwerp=zaak,
    )


def test_a_subscription_gets_the_types_and_municipalities_it_names() -> None:
    event = _besluit()
    assert past("politie", [event.type], ["0599"], event)
    assert not past("politie", [event.type], ["0606"], event)
    assert not past("politie", ["nl.jbplein.partner.melding.besloten.v1"], ["0599"], event)


def test_an_addressed_event_goes_to_its_organisation_only() -> None:
    event = _besloten("veilig-thuis")
    assert past("veilig-thuis", [event.type], ["0606"], event)
    assert not past("politie", [event.type], ["0606"], event)


def test_subscriptions_may_name_the_partner_events_only() -> None:
    assert {
        "nl.jbplein.partner.besluit.genomen.v1",
        "nl.jbplein.partner.melding.besloten.v1",
        "nl.jbplein.partner.raadsonderzoek.gevraagd.v1",
    } == PARTNER_TYPES
    assert PARTNER_TYPES - {"nl.jbplein.partner.besluit.genomen.v1"} == ADRESSEERBAAR


# --- where a webhook may go (issue 11) --------------------------------------------------------


@pytest.mark.parametrize(
    ("adres", "reden"),
    [
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "non-public"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("fec0:1:2:3::4", "site-local"),
        ("fd12:3456::1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:a00:1::", "private"),
        ("ff02::1", "multicast"),
    ],
)
def test_an_internal_address_is_no_webhook_target(adres: str, reden: str) -> None:
    assert doelen.waarom_intern(ipaddress.ip_address(adres)) == reden


@pytest.mark.parametrize("adres", ["93.184.215.14", "145.21.1.1", "2a00:1450:400e:80c::200e"])
def test_a_public_address_is_a_webhook_target(adres: str) -> None:
    assert doelen.waarom_intern(ipaddress.ip_address(adres)) is None


async def test_a_name_is_judged_by_every_address_it_resolves_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    namen = {"goed.example": ["93.184.215.14"], "gemengd.example": ["93.184.215.14", "::1"]}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in namen:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return namen[host]

    monkeypatch.setattr(doelen, "resolve", resolve)
    assert await doelen.controleer("goed.example", 443, interne_toegestaan=False) == [
        ipaddress.ip_address("93.184.215.14")
    ]
    with pytest.raises(doelen.DoelGeweigerd, match="loopback"):
        await doelen.controleer("gemengd.example", 443, interne_toegestaan=False)
    assert len(await doelen.controleer("gemengd.example", 443, interne_toegestaan=True)) == 2
    with pytest.raises(doelen.DoelGeweigerd, match="does not resolve"):
        await doelen.controleer("nergens.invalid", 443, interne_toegestaan=False)


def test_production_refuses_internal_webhook_targets() -> None:
    productie = {
        "omgeving": "productie",
        "database_url": "postgresql://x@db/notificatie",
        "accounts_file": "/etc/jbplein/accounts.toml",
        "public_url": "https://notificatie.jbplein.nl",
        "session_secret": "s" * 40,
        "webhook_alleen_https": True,
    }
    assert Settings(**productie).webhook_interne_doelen is False, "the safe default"
    with pytest.raises(ValueError, match="JBPLEIN_WEBHOOK_INTERNE_DOELEN"):
        Settings(**productie, webhook_interne_doelen=True)


async def test_a_resolver_that_does_not_answer_refuses_the_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow DNS must not stall the delivery worker: after the timeout the target is refused
    (at delivery: a failed attempt, retried later)."""
    nooit = asyncio.Event()

    async def resolve(host: str, port: int) -> list[str]:
        await nooit.wait()
        return ["93.184.215.14"]

    monkeypatch.setattr(doelen, "resolve", resolve)
    monkeypatch.setattr(doelen, "DNS_TIMEOUT", 0.05)
    with pytest.raises(doelen.DoelGeweigerd, match="in time"):
        await doelen.controleer("traag.example", 443, interne_toegestaan=False)
