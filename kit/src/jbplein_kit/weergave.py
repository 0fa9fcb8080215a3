"""How the screens write things, the same on every screen: dates as dd-mm-jjjj (times in the
plein's zone), Dutch weekday and month names (from Babel's Dutch locale, for the screens and
notificatie's letter alike), an address as "straat huisnummer, postcode woonplaats", and
names where the data holds codes (organisations, municipalities). Pure functions, installed as
Jinja filters; and the menu, which shows each role only the screens it may open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from jbplein_contracts.werkdagen import AMSTERDAM

from .auth import STAF, Actor, Rol


def _als_datum(waarde: date | datetime | str) -> date | datetime:
    if isinstance(waarde, str):
        return datetime.fromisoformat(waarde) if "T" in waarde else date.fromisoformat(waarde)
    return waarde


def datum(waarde: date | datetime | str | None) -> str:
    """``dd-mm-jjjj``; a moment is first put in the plein's time zone. ``-`` when unknown."""
    if waarde is None or waarde == "":
        return "-"
    dag = _als_datum(waarde)
    if isinstance(dag, datetime):
        dag = dag.astimezone(AMSTERDAM) if dag.tzinfo else dag
    return dag.strftime("%d-%m-%Y")


TAAL = "nl_NL"
"""The locale of every Dutch name of a day or a month: always given to Babel, so the machine's
own locale (LC_ALL, LANG) never decides the language of a screen or a letter."""


def weekdag(dag: date) -> str:
    """The Dutch name of the day of the week: 'donderdag'."""
    return format_date(dag, format="EEEE", locale=TAAL)


def datum_nl(dag: date) -> str:
    """A date as a Dutch letter writes it: '3 december 2026'."""
    return format_date(dag, format="d MMMM y", locale=TAAL)


def datum_met_weekdag_nl(dag: date) -> str:
    """A date with its weekday: 'donderdag 3 december 2026'."""
    return format_date(dag, format="EEEE d MMMM y", locale=TAAL)


_INVOERDATUM = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def datum_uit_invoer(tekst: str) -> str:
    """A date as staff type it (``dd-mm-jjjj``; ``/`` or ``.`` also do) as ISO ``jjjj-mm-dd``.
    Anything else is returned unchanged, for the model's own check to refuse by name."""
    gevonden = _INVOERDATUM.match(tekst.strip())
    if not gevonden:
        return tekst
    dag, maand, jaar = (int(d) for d in gevonden.groups())
    return f"{jaar:04d}-{maand:02d}-{dag:02d}"


def datumtijd(waarde: datetime | str | None) -> str:
    """``dd-mm-jjjj uu:mm`` in the plein's time zone."""
    if waarde is None or waarde == "":
        return "-"
    moment = _als_datum(waarde)
    if not isinstance(moment, datetime):
        return datum(moment)
    if moment.tzinfo:
        moment = moment.astimezone(AMSTERDAM)
    return moment.strftime("%d-%m-%Y %H:%M")


def _veld(bron: Any, naam: str) -> str:
    waarde = bron.get(naam) if isinstance(bron, Mapping) else getattr(bron, naam, None)
    return str(waarde).strip() if waarde else ""


def adres(bron: Any) -> str:
    """ "straat huisnummer, postcode woonplaats" (as a letter is addressed); parts that are
    unknown are left out, never shown as a placeholder."""
    if not bron:
        return "-"
    straat = " ".join(d for d in (_veld(bron, "straat"), _veld(bron, "huisnummer")) if d)
    postcode = _veld(bron, "postcode").replace(" ", "").upper()
    if len(postcode) == 6:
        postcode = f"{postcode[:4]} {postcode[4:]}"  # as the post writes it: 3011 AD
    plaats = " ".join(d for d in (postcode, _veld(bron, "woonplaats")) if d)
    return ", ".join(d for d in (straat, plaats) if d) or "-"


@pass_context
def organisatie(context: Context, code: str | None) -> str:
    """The organisation's name for its code (the accounts file names it)."""
    if not code:
        return "-"
    request = context.get("request")
    accounts = getattr(getattr(getattr(request, "app", None), "state", None), "accounts", None)
    gevonden = accounts.organisaties.get(code) if accounts is not None else None
    return gevonden.naam if gevonden is not None else code


@pass_context
def gemeente(context: Context, code: str | None) -> str:
    """The municipality's name for its CBS code."""
    if not code:
        return "-"
    request = context.get("request")
    service = getattr(getattr(getattr(request, "app", None), "state", None), "service", None)
    gevonden = service.gemeenten.get(code) if service is not None else None
    return str(gevonden.naam) if gevonden is not None else code


@dataclass(frozen=True)
class Menupunt:
    dienst: str
    pad: str
    tekst: str
    rollen: tuple[Rol, ...]


ONDERSTEUNER = (Rol.ONDERSTEUNER,)
VERZENDING = (Rol.ONDERSTEUNER, Rol.BEHEER)

MENU: tuple[Menupunt, ...] = (
    Menupunt("intake", "/meldingen/nieuw", "Melding registreren", ONDERSTEUNER),
    Menupunt("intake", "/meldingen", "Meldingen", STAF),
    Menupunt("tafel", "/agenda", "Agenda", STAF),
    Menupunt("tafel", "/termijnen", "Termijnen", STAF),
    Menupunt("notificatie", "/brieven", "Brieven", STAF),
    Menupunt("notificatie", "/leveringen", "Leveringen", VERZENDING),
)
"""Every screen of the menu with the roles that may open it; the screens' own dependencies use
the same tuples, and a test holds the two together."""


def menu(actor: object, links: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """(address, text) of each screen ``actor`` may open, on the services whose address is known;
    nothing for a page without a logged-in actor (the login page)."""
    if not isinstance(actor, Actor):
        return []
    return [
        (f"{links[p.dienst]}{p.pad}", p.tekst)
        for p in MENU
        if links.get(p.dienst) and actor.heeft(*p.rollen)
    ]


def install(environment: Environment) -> None:
    environment.filters.update(
        {
            "datum": datum,
            "datumtijd": datumtijd,
            "adres": adres,
            "organisatie": organisatie,
            "gemeente": gemeente,
        }
    )
    environment.globals["menu"] = menu
    environment.globals["weekdag"] = weekdag
