"""Checks on a melding that need no database: pure functions."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from stdnum.exceptions import ValidationError as StdnumFout
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

BSN_VORM = re.compile(r"[0-9]{8,9}")
POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")
POSTCODE_REDEN = "is not a Dutch postcode (1234 AB)"
HUISNUMMER = re.compile(r"^([1-9][0-9]{0,4})(?:[ -]?([A-Za-z0-9]{1,6}))?$")

# An unborn child: the expected date lies at most this far ahead, or this little behind
# (a pregnancy can run over its expected date).
ONGEBOREN_VOORUIT = timedelta(days=300)
ONGEBOREN_OVER_TIJD = timedelta(days=30)


def bsn_geldig(bsn: str) -> bool:
    """The 11-proef, by python-stdnum: 8 or 9 ASCII digits (an 8-digit BSN gets a leading
    zero), not all zeros. stdnum itself would also zero-fill a shorter number and take dots,
    dashes and spaces; our API takes only 8 or 9 digits, so the form is checked here first."""
    return BSN_VORM.fullmatch(bsn) is not None and stdnum_bsn.is_valid(bsn)


def normaliseer_bsn(bsn: str) -> str:
    """``11222333`` → ``011222333``; only for a BSN that passed :func:`bsn_geldig`."""
    return stdnum_bsn.compact(bsn)


def normaliseer_postcode(postcode: str) -> str:
    """``3072 ab`` → ``3072AB``. The shape our API takes (one space at most, no ``NL`` or
    dash) is checked here; python-stdnum checks the code itself, which also refuses the letter
    pairs SA, SD and SS that PostNL never issues."""
    vorm = POSTCODE.fullmatch(postcode.strip())
    if vorm is None:
        raise ValueError(POSTCODE_REDEN)
    try:
        stdnum_postcode.validate(vorm.group(1) + vorm.group(2))
    except StdnumFout as fout:
        raise ValueError(POSTCODE_REDEN) from fout
    return stdnum_postcode.compact(vorm.group(1) + vorm.group(2))


def normaliseer_huisnummer(huisnummer: str) -> str:
    """``12 a`` / ``12-A`` / ``12a`` → ``12A``."""
    match = HUISNUMMER.match(huisnummer.strip())
    if not match:
        raise ValueError("is not a house number (e.g. 12, 12A, 12-3)")
    return match.group(1) + (match.group(2) or "").upper()


def naam_sleutel(voornaam: str, achternaam: str) -> str:
    """A name in one comparable form: no accents, case or spacing differences."""
    tekst = f"{voornaam} {achternaam}"
    zonder_accenten = "".join(
        c for c in unicodedata.normalize("NFKD", tekst) if not unicodedata.combining(c)
    )
    return " ".join(zonder_accenten.lower().replace("-", " ").split())


def achttien_jaar_voor(vandaag: date) -> date:
    try:
        return vandaag.replace(year=vandaag.year - 18)
    except ValueError:  # 29 February
        return vandaag.replace(year=vandaag.year - 18, day=28)


def kind_probleem(
    geboortedatum: date | None, verwachte_geboortedatum: date | None, vandaag: date
) -> tuple[str, str] | None:
    """Why a child does not belong at the plein (field, reason), or None when it does:
    a child is under 18 and born, or unborn with a plausible expected date."""
    if geboortedatum is not None:
        if geboortedatum > vandaag:
            return (
                "geboortedatum",
                "lies in the future; give verwachte_geboortedatum for an unborn child",
            )
        if geboortedatum <= achttien_jaar_voor(vandaag):
            return "geboortedatum", "the child is 18 or older; the plein is for children under 18"
        return None
    if verwachte_geboortedatum is not None:
        if verwachte_geboortedatum < vandaag - ONGEBOREN_OVER_TIJD:
            return "verwachte_geboortedatum", "lies too far in the past for an unborn child"
        if verwachte_geboortedatum > vandaag + ONGEBOREN_VOORUIT:
            return "verwachte_geboortedatum", "lies more than 300 days ahead"
        return None
    return "geboortedatum", "give geboortedatum, or verwachte_geboortedatum for an unborn child"
