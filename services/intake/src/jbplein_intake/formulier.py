"""From the staff form's fields to the same model the API takes, and back to Dutch messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from jbplein_kit.weergave import datum_uit_invoer

from .schemas import (
    BSN_PATROON,
    EMAIL_PATROON,
    GEMEENTE_PATROON,
    HUISNUMMER_PATROON,
    POSTCODE_PATROON,
    TELEFOON_PATROON,
    MeldingIn,
)

_INDEX = re.compile(r"\[(\d+)\]")

# Pydantic's error type (ours from PydanticCustomError, or pydantic's own) to the form's Dutch
# message. Never the English message text: that is for the API, and may change.
NEDERLANDS = {
    "missing": "Verplicht.",
    "string_too_short": "Verplicht.",
    "string_too_long": "Te lang: ten hoogste {max_length} tekens.",
    "string_pattern_mismatch": "Ongeldig formaat.",
    "too_short": "Vul er ten minste één in.",
    "too_long": "Te veel: ten hoogste {max_length}.",
    "date_from_datetime_parsing": "Geen geldige datum (dd-mm-jjjj).",
    "date_from_datetime_inexact": "Geen geldige datum (dd-mm-jjjj).",
    "date_parsing": "Geen geldige datum (dd-mm-jjjj).",
    "date_type": "Geen geldige datum (dd-mm-jjjj).",
    "enum": "Kies een van de mogelijkheden.",
    "literal_error": "Kies een van de mogelijkheden.",
    "nul_teken": "Bevat een teken dat niet kan worden opgeslagen.",
    "bsn_11_proef": "Dit BSN klopt niet (11-proef).",
    "postcode": "Geen Nederlandse postcode (1234 AB).",
    "huisnummer": "Geen huisnummer (bijv. 12, 12A).",
    "kind_geboren_of_ongeboren": (
        "Vul de geboortedatum in, of voor een ongeboren kind de verwachte datum."
    ),
    "kind_zonder_naam": "Een geboren kind heeft een voor- en achternaam.",
    "ongeboren_met_bsn": "Een ongeboren kind heeft nog geen BSN.",
    "spoed_zonder_reden": "Geef de reden van spoed.",
    "reden_zonder_spoed": "Vink spoed aan, of laat de reden leeg.",
    "zorg_dubbel": "Twee keer dezelfde soort zorg.",
}
ONBEKEND = "Ongeldige invoer."
# A pattern mismatch says which pattern (pydantic's ctx); the form names what was meant.
PATRONEN = {
    POSTCODE_PATROON: NEDERLANDS["postcode"],
    HUISNUMMER_PATROON: NEDERLANDS["huisnummer"],
    BSN_PATROON: "Een BSN heeft 9 cijfers.",
    TELEFOON_PATROON: "Geen telefoonnummer.",
    EMAIL_PATROON: "Geen e-mailadres.",
    GEMEENTE_PATROON: "Kies een gemeente.",
}
# The reasons registratie gives in its problem (our own words, not pydantic's).
REDENEN = {
    "is not a municipality of the plein": "Geen gemeente van het plein.",
    "the child is 18 or older; the plein is for children under 18": (
        "Het kind is 18 jaar of ouder; het plein is er voor kinderen onder de 18."
    ),
    "lies in the future; give verwachte_geboortedatum for an unborn child": (
        "Ligt in de toekomst; geef voor een ongeboren kind de verwachte datum."
    ),
    "lies too far in the past for an unborn child": (
        "Ligt te ver in het verleden voor een ongeboren kind."
    ),
    "lies more than 300 days ahead": "Ligt meer dan 300 dagen vooruit.",
    "give geboortedatum, or verwachte_geboortedatum for an unborn child": (
        NEDERLANDS["kind_geboren_of_ongeboren"]
    ),
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


def nederlands(fout: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in Dutch, by its type and
    context."""
    soort = str(fout.get("type", ""))
    ctx = fout.get("ctx") or {}
    if soort == "string_pattern_mismatch" and ctx.get("pattern") in PATRONEN:
        return PATRONEN[ctx["pattern"]]
    tekst = NEDERLANDS.get(soort, ONBEKEND)
    try:
        return tekst.format(**ctx)
    except (KeyError, IndexError):
        return tekst.split(":")[0] + "."


def fouten_uit_validatie(fout: ValidationError, rijen: dict[str, list[int]]) -> dict[str, str]:
    return {_formuliernaam(e["loc"], rijen): nederlands(e) for e in fout.errors()}


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
        fouten[_formuliernaam(loc, rijen)] = REDENEN.get(param["reason"], ONBEKEND)
    return fouten


def valideer(data: dict[str, Any]) -> MeldingIn:
    return MeldingIn.model_validate(data)
