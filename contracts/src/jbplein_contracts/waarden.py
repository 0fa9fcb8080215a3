"""Value types shared by the events and the services."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

GemeenteCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
"""A municipality's CBS code, e.g. ``0599`` for Rotterdam."""

OrganisatieCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
"""The code of a partner organisation as configured for the plein, e.g. ``veilig-thuis``."""

Wijk = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[\w .'-]+$")]
"""The name of a neighbourhood (wijk), e.g. ``Feijenoord``: an area, never an address."""

Postcodegebied = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}$")]
"""The four digits of a Dutch postcode (PC4): an area of thousands of addresses."""

Aantal = Annotated[int, Field(ge=1, le=50)]


class Zorg(StrEnum):
    """What the worries are about."""

    VEILIGHEID = "veiligheid"
    ONTWIKKELING = "ontwikkeling"


class Aanpak(StrEnum):
    """The approach the tafel decides."""

    VRIJWILLIG = "vrijwillig"
    DRANG = "drang"
    RAADSONDERZOEK = "raadsonderzoek"

    @property
    def vraagt_regisseur(self) -> bool:
        """Drang and raadsonderzoek get a casusregisseur from JBRR at once."""
        return self is not Aanpak.VRIJWILLIG


class Urgentie(StrEnum):
    REGULIER = "regulier"
    SPOED = "spoed"


class Taakaccent(StrEnum):
    """The kind of case a jeugdbeschermer of JBRR is trained for."""

    CIVIEL = "civiel"
    STRAF = "straf"


class TermijnSoort(StrEnum):
    """The promises the plein keeps, each with its deadline."""

    BESPREKING = "bespreking"
    """A melding is discussed at the tafel within 2 werkdagen."""
    CONTACT = "contact"
    """The casusregisseur contacts the gezin within 5 werkdagen after the besluit."""
    RAADSONDERZOEK_START = "raadsonderzoek_start"
    """The Raad starts its investigation within 5 werkdagen after the besluit."""
    DRANG_EVALUATIE = "drang_evaluatie"
    """Drang without a raadsonderzoek is evaluated at 3 months."""
    DRANG_MAXIMUM = "drang_maximum"
    """No drang case lasts over 6 months."""


class WachtlijstReden(StrEnum):
    """Why a case waits for a casusregisseur."""

    GEEN_RUIMTE = "geen_ruimte"
    """Every available jeugdbeschermer of the covering gebiedsteams is at their caseload."""
    GEEN_GEBIEDSTEAM = "geen_gebiedsteam"
    """No gebiedsteam of JBRR covers the gezin's municipality (or wijk)."""


class Afsluitreden(StrEnum):
    """Why a case with a casusregisseur ends."""

    TERUG_NAAR_WIJKTEAM = "terug_naar_wijkteam"
    """The care goes back to the wijkteam (voluntary help suffices)."""
    GEDWONGEN_KADER = "gedwongen_kader"
    """A compulsory measure (gedwongen kader) is sought or in place."""
    AFGESLOTEN = "afgesloten"
    """Closed for another reason."""
    BESLUIT_GECORRIGEERD = "besluit_gecorrigeerd"
    """The tafel corrected its besluit to an approach without a casusregisseur."""


class Herverdelingsreden(StrEnum):
    """Why a gezin gets another casusregisseur."""

    AFWEZIGHEID = "afwezigheid"
    CONFLICT = "conflict"
    CASELOAD = "caseload"
    OVERIG = "overig"


# The promises, in werkdagen, from DOMAIN.md.
BESPREKING_WERKDAGEN = 2
CONTACT_WERKDAGEN = 5
RAADSONDERZOEK_START_WERKDAGEN = 5

# Drang without a raadsonderzoek (seed 003): evaluated at 3 months, never over 6 months.
DRANG_EVALUATIE_MAANDEN = 3
DRANG_MAXIMUM_MAANDEN = 6
