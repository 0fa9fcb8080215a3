"""From the staff form's fields to the same model the API takes, and back to Dutch messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from jbplein_kit.weergave import datum_uit_invoer

from .schemas import MeldingIn

_INDEX = re.compile(r"\[(\d+)\]")

NEDERLANDS = {
    "missing": "Verplicht.",
    "string_too_short": "Verplicht.",
    "string_too_long": "Te lang.",
    "string_pattern_mismatch": "Ongeldig formaat.",
    "too_short": "Vul er ten minste één in.",
    "too_long": "Te veel.",
    "date_from_datetime_parsing": "Geen geldige datum.",
    "date_parsing": "Geen geldige datum.",
    "enum": "Kies een van de mogelijkheden.",
    "literal_error": "Kies een van de mogelijkheden.",
}
REDENEN = {
    "contains a NUL character": "Bevat een teken dat niet kan worden opgeslagen.",
    "fails the 11-proef": "Dit BSN klopt niet (11-proef).",
    "is not a Dutch postcode (1234 AB)": "Geen Nederlandse postcode (1234 AB).",
    "is not a house number (e.g. 12, 12A, 12-3)": "Geen huisnummer (bijv. 12, 12A).",
    "give either geboortedatum or verwachte_geboortedatum": (
        "Vul de geboortedatum in, of voor een ongeboren kind de verwachte datum."
    ),
    "a born child needs voornaam and achternaam": "Een geboren kind heeft een voor- en achternaam.",
    "an unborn child has no BSN": "Een ongeboren kind heeft nog geen BSN.",
    "spoed_reden is required when spoed is true": "Geef de reden van spoed.",
    "spoed_reden only goes with spoed: true": "Vink spoed aan, of laat de reden leeg.",
    "is not a municipality of the plein": "Geen gemeente van het plein.",
    "the child is 18 or older; the plein is for children under 18": (
        "Het kind is 18 jaar of ouder; het plein is er voor kinderen onder de 18."
    ),
    "names a kind of worry twice": "Twee keer dezelfde soort zorg.",
}


def _zet(doel: dict[str, Any], pad: list[str], waarde: Any) -> None:
    hier: Any = doel
    for i, deel in enumerate(pad):
        laatste = i == len(pad) - 1
        volgende_is_index = not laatste and pad[i + 1].isdigit()
        if deel.isdigit():
            index = int(deel)
            while len(hier) <= index:
                hier.append({} if not laatste else None)
            if laatste:
                hier[index] = waarde
            else:
                hier = hier[index]
        elif laatste:
            hier[deel] = waarde
        else:
            hier = hier.setdefault(deel, [] if volgende_is_index else {})


def uit_formulier(velden: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Nested data from dotted field names (``gezin.kinderen.0.voornaam``). Empty fields are
    left out, and empty rows of a list are dropped; returns the data and, per list, which form
    row each remaining item came from."""
    data: dict[str, Any] = {}
    meervoud: dict[str, list[str]] = {}
    for naam, waarde in velden:
        waarde = waarde.strip()
        if naam in {"csrf", "melder_organisatie", "kanaal"} or not waarde:
            continue
        if naam == "zorgen.soorten":
            meervoud.setdefault(naam, []).append(waarde)
            continue
        if naam == "spoed":
            data["spoed"] = waarde == "ja"
            continue
        if naam.endswith("datum"):
            waarde = datum_uit_invoer(waarde)  # typed as dd-mm-jjjj
        _zet(data, naam.split("."), waarde)
    for naam, waarden in meervoud.items():
        _zet(data, naam.split("."), waarden)
    rijen: dict[str, list[int]] = {}
    for pad in (("gezin", "kinderen"), ("gezin", "ouders"), ("bestaande_hulp",)):
        houder: Any = data
        for deel in pad[:-1]:
            houder = houder.get(deel, {}) if isinstance(houder, dict) else {}
        lijst = houder.get(pad[-1]) if isinstance(houder, dict) else None
        if isinstance(lijst, list):
            bewaard = [(i, rij) for i, rij in enumerate(lijst) if rij]
            houder[pad[-1]] = [rij for _, rij in bewaard]
            rijen[".".join(pad)] = [i for i, _ in bewaard]
    return data, rijen


def _formuliernaam(loc: Iterable[Any], rijen: dict[str, list[int]]) -> str:
    delen: list[str] = []
    for deel in loc:
        if isinstance(deel, int):
            lijst = ".".join(delen)
            deel = rijen.get(lijst, [])[deel] if deel < len(rijen.get(lijst, [])) else deel
        delen.append(str(deel))
    return ".".join(delen)


def dutch(reden: str, soort: str = "") -> str:
    reden = reden.removeprefix("Value error, ")
    return REDENEN.get(reden) or NEDERLANDS.get(soort) or reden


def fouten_uit_validatie(fout: ValidationError, rijen: dict[str, list[int]]) -> dict[str, str]:
    return {
        _formuliernaam(e["loc"], rijen): dutch(str(e["msg"]), str(e["type"])) for e in fout.errors()
    }


def fouten_uit_probleem(
    params: list[dict[str, str]], rijen: dict[str, list[int]]
) -> dict[str, str]:
    fouten = {}
    for param in params:
        loc: list[Any] = []
        for deel in param["name"].split("."):
            match = _INDEX.search(deel)
            if match:
                loc += [deel[: match.start()], int(match.group(1))]
            else:
                loc.append(deel)
        fouten[_formuliernaam(loc, rijen)] = dutch(param["reason"])
    return fouten


def valideer(data: dict[str, Any]) -> MeldingIn:
    return MeldingIn.model_validate(data)
