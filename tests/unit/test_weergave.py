"""How the screens write dates, addresses and names (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jbplein_kit.auth import Actor, OrganisatieSoort, Rol
from jbplein_kit.weergave import MENU, adres, datum, datum_uit_invoer, datumtijd, menu


def test_dates_are_written_dd_mm_jjjj_whatever_their_type() -> None:
    assert datum(date(2026, 3, 7)) == "07-03-2026"
    assert datum("2026-03-07") == "07-03-2026"  # as intake's JSON gives a birth date
    # a moment late in the evening in UTC is the next day on the plein
    assert datum(datetime(2026, 3, 7, 23, 30, tzinfo=UTC)) == "08-03-2026"
    assert datum("2026-03-07T23:30:00+00:00") == "08-03-2026"
    assert datumtijd(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "01-07-2026 10:05"
    assert datum(None) == "-" and datumtijd(None) == "-"


@pytest.mark.parametrize(
    ("gegeven", "verwacht"),
    [
        (
            {
                "straat": "Coolsingel",
                "huisnummer": "40",
                "postcode": "3011 AD",
                "woonplaats": "Rotterdam",
            },
            "Coolsingel 40, 3011 AD Rotterdam",
        ),
        ({"huisnummer": "12-b", "postcode": "3011ad"}, "12-b, 3011 AD"),
        (
            {"straat": "Hoofdweg", "huisnummer": "1", "postcode": "3000 AA", "woonplaats": None},
            "Hoofdweg 1, 3000 AA",
        ),
        (None, "-"),
    ],
)
def test_an_address_reads_street_number_then_postcode_town(
    gegeven: dict[str, str | None] | None, verwacht: str
) -> None:
    assert adres(gegeven) == verwacht


def _actor(*rollen: Rol) -> Actor:
    return Actor(
        id="iemand", organisatie="plein", soort=OrganisatieSoort.PLEIN, rollen=frozenset(rollen)
    )


def test_the_menu_shows_each_role_only_what_it_may_open() -> None:
    links = {d: f"http://{d}" for d in ("intake", "tafel", "toewijzing", "notificatie")}
    teksten = lambda *rollen: [t for _, t in menu(_actor(*rollen), links)]  # noqa: E731
    assert "Melding registreren" in teksten(Rol.ONDERSTEUNER)
    assert "Melding registreren" not in teksten(Rol.VOORZITTER)
    assert "Leveringen" not in teksten(Rol.VOORZITTER)
    assert "Leveringen" in teksten(Rol.BEHEER)
    assert menu(None, links) == []
    assert len(teksten(Rol.ONDERSTEUNER)) == len(MENU)
    assert ("http://tafel/agenda", "Agenda") in menu(_actor(Rol.VOORZITTER), links)
    # a service whose address is not known is left out
    assert all("intake" not in a for a, _ in menu(_actor(Rol.ONDERSTEUNER), {"tafel": "http://t"}))


@pytest.mark.parametrize(
    ("getypt", "iso"),
    [
        ("05-05-2014", "2014-05-05"),
        ("5-5-2014", "2014-05-05"),
        ("05/05/2014", "2014-05-05"),
        (" 31.12.2025 ", "2025-12-31"),
        ("2014-05-05", "2014-05-05"),  # already ISO: left for the model
        ("morgen", "morgen"),  # not a date: the model refuses it by name
    ],
)
def test_a_date_typed_as_dd_mm_jjjj_is_read_as_that_date(getypt: str, iso: str) -> None:
    assert datum_uit_invoer(getypt) == iso
