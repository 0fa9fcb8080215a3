"""How the screens write dates, addresses and names (pure functions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from jbplein_kit.auth import Actor, OrganisatieSoort, Rol
from jbplein_kit.screens import make_templates
from jbplein_kit.weergave import (
    MENU,
    adres,
    datum,
    datum_met_weekdag_nl,
    datum_nl,
    datum_uit_invoer,
    datumtijd,
    menu,
    weekdag,
)

MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MAANDAG = date(2026, 1, 5)


def test_dates_are_written_dd_mm_jjjj_whatever_their_type() -> None:
    assert datum(date(2026, 3, 7)) == "07-03-2026"
    assert datum("2026-03-07") == "07-03-2026"  # as intake's JSON gives a birth date
    # a moment late in the evening in UTC is the next day on the plein
    assert datum(datetime(2026, 3, 7, 23, 30, tzinfo=UTC)) == "08-03-2026"
    assert datum("2026-03-07T23:30:00+00:00") == "08-03-2026"
    assert datumtijd(datetime(2026, 7, 1, 8, 5, tzinfo=UTC)) == "01-07-2026 10:05"
    assert datum(None) == "-" and datumtijd(None) == "-"


def test_every_month_and_weekday_is_named_in_dutch() -> None:
    assert [datum_nl(date(2026, maand, 3)) for maand in range(1, 13)] == [
        f"3 {naam} 2026" for naam in MAANDEN
    ]
    week = [date(2026, 1, dag) for dag in range(5, 12)]  # maandag 5 to zondag 11 januari
    assert [weekdag(dag) for dag in week] == list(WEEKDAGEN)
    assert [datum_met_weekdag_nl(dag) for dag in week] == [
        f"{naam} {dag.day} januari 2026" for naam, dag in zip(WEEKDAGEN, week, strict=True)
    ]
    # as the letter writes them: no leading zero on the day, the year in full
    assert datum_nl(date(2026, 11, 26)) == "26 november 2026"
    assert datum_met_weekdag_nl(date(2026, 12, 3)) == "donderdag 3 december 2026"


_NAMEN_IN_EEN_ANDER_LOCALE = f"""
import json
from datetime import date, timedelta

from babel.dates import format_date

from jbplein_kit.weergave import datum_met_weekdag_nl, datum_nl, weekdag

maandag = date.fromisoformat({MAANDAG.isoformat()!r})
week = [maandag + timedelta(days=n) for n in range(7)]
print(json.dumps({{
    "machine": format_date(maandag, format="EEEE"),
    "maanden": [datum_nl(date(2026, maand, 3)) for maand in range(1, 13)],
    "weekdagen": [weekdag(dag) for dag in week],
    "voluit": [datum_met_weekdag_nl(dag) for dag in week],
}}))
"""


@pytest.mark.parametrize("machine", ["en_US.UTF-8", "C"])
def test_the_dutch_names_do_not_depend_on_the_machines_locale(machine: str) -> None:
    """A fresh interpreter whose locale says English (or nothing at all): Babel reads its own
    default from LC_ALL when the module is imported, so only a new process proves that the
    names come from the explicit Dutch locale."""
    omgeving = {
        **os.environ,
        "LC_ALL": machine,
        "LC_TIME": machine,
        "LANG": machine,
        "LANGUAGE": machine.split(".")[0],
    }
    uitkomst = subprocess.run(
        [sys.executable, "-c", _NAMEN_IN_EEN_ANDER_LOCALE],
        env=omgeving,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    namen = json.loads(uitkomst.stdout)
    # the machine's own default really is not Dutch, so this test could catch a missing locale
    assert namen["machine"] == "Monday"
    assert namen["maanden"] == [f"3 {naam} 2026" for naam in MAANDEN]
    assert namen["weekdagen"] == list(WEEKDAGEN)
    assert namen["voluit"] == [f"{naam} {5 + n} januari 2026" for n, naam in enumerate(WEEKDAGEN)]


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


def test_the_screens_templates_name_the_weekday_in_dutch() -> None:
    """The agenda's heading ("Agenda donderdag 03-12-2026") takes its weekday from the same
    place as the letter: the global ``weekdag`` the kit installs in every screen's templates."""
    templates = make_templates(None, {})
    heading = templates.env.from_string("Agenda {{ weekdag(dag) }} {{ dag|datum }}")
    assert heading.render(dag=date(2026, 12, 3)) == "Agenda donderdag 03-12-2026"
