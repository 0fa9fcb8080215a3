"""One gezin, one case: the keys by which a melding recognises a gezin already known. Pure."""

from __future__ import annotations

from .schemas import MeldingIn
from .validatie import naam_sleutel


def gezin_sleutels(melding: MeldingIn) -> set[str]:
    """``bsn:<bsn>`` for every child with a BSN, and ``adres:<postcode>|<huisnummer>|<name>|
    <birth date>`` for every born child (postcode and house number already normalised)."""
    adres = melding.gezin.adres
    sleutels: set[str] = set()
    for kind in melding.gezin.kinderen:
        if kind.bsn:
            sleutels.add(f"bsn:{kind.bsn}")
        if kind.geboortedatum and kind.voornaam and kind.achternaam:
            naam = naam_sleutel(kind.voornaam, kind.achternaam)
            sleutels.add(
                f"adres:{adres.postcode}|{adres.huisnummer}|{naam}|{kind.geboortedatum.isoformat()}"
            )
    return sleutels
