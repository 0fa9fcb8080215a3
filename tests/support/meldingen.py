"""Valid meldingen to start from in tests, with names and numbers that are easy to find back."""

from __future__ import annotations

import copy
from typing import Any

# BSNs that pass the 11-proef.
BSN_KIND = "111222333"
BSN_KIND_2 = "123456782"
BSN_OUDER = "999990019"

BASIS: dict[str, Any] = {
    "gemeente": "0599",
    "melder": {
        "naam": "Meike Melder",
        "functie": "Jeugdprofessional",
        "telefoon": "010-1234567",
        "email": "meike.melder@example.org",
    },
    "gezin": {
        "ouders": [
            {"voornaam": "Olga", "achternaam": "Oudermans", "rol": "moeder", "bsn": BSN_OUDER}
        ],
        "kinderen": [
            {
                "voornaam": "Anna",
                "achternaam": "Oudermans",
                "geboortedatum": "2019-03-01",
                "bsn": BSN_KIND,
            },
        ],
        "adres": {
            "straat": "Maasstraat",
            "postcode": "3072 AB",
            "huisnummer": "12b",
            "woonplaats": "Rotterdam",
            "wijk": "Feijenoord",
        },
    },
    "zorgen": {"soorten": ["veiligheid"], "toelichting": "Geschreeuw en blauwe plekken gezien."},
    "bestaande_hulp": [
        {"organisatie": "Wijkteam Feijenoord", "omschrijving": "Opvoedondersteuning"}
    ],
    "waarom_vrijwillig_onvoldoende": "Moeder weigert verdere hulp.",
    "spoed": False,
}

PERSOONSGEGEVENS = [
    "Meike",
    "Olga",
    "Oudermans",
    "Anna",
    "2019-03-01",
    BSN_KIND,
    BSN_OUDER,
    "3072 AB",
    "3072AB",
    "Geschreeuw",
    "blauwe plekken",
    "weigert",
]


def melding(**wijzigingen: Any) -> dict[str, Any]:
    """A valid melding body; ``gezin__adres__postcode="..."`` sets a nested field."""
    body = copy.deepcopy(BASIS)
    for pad, waarde in wijzigingen.items():
        delen = pad.split("__")
        hier = body
        for deel in delen[:-1]:
            hier = hier[int(deel)] if deel.isdigit() else hier[deel]
        hier[delen[-1]] = waarde
    return body


def bsn(i: int) -> str:
    """A BSN that passes the 11-proef, different for each i: the first eight digits are 2i or
    2i + 1 (above 10,000,000), the ninth the check digit. One of two neighbours always has one
    (the weighted sum moves by 2), and no two i share a pair, so no two meldingen of a run are
    about the same child (they would be one gezin with one case)."""
    for prefix in (10_000_000 + 2 * i, 10_000_000 + 2 * i + 1):
        digits = [int(c) for c in f"{prefix:08d}"]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"{prefix:08d}{check}"
    raise AssertionError("unreachable: one of two neighbouring prefixes has a check digit")


def postcode(i: int) -> str:
    """A Dutch postcode for melding ``i`` of a run; never SA, SD or SS, which PostNL does not
    issue and intake refuses."""
    letters = f"{chr(65 + i % 26)}{chr(65 + i // 676 % 26)}"
    if letters in {"SA", "SD", "SS"}:
        letters = "T" + letters[1]
    return f"{3000 + i // 26 % 999:04d} {letters}"
