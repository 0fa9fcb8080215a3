"""The pure rules of webhook delivery: backoff, Retry-After, and which subscription gets what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

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
from jbplein_notificatie.leveringen import retry_after, wachttijd
from jbplein_notificatie.partners import ADRESSEERBAAR, PARTNER_TYPES, past

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
