"""What a melding looks like on the way in and out of the API."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jbplein_contracts.waarden import Zorg
from jbplein_kit.invoer import Invoer

from .validatie import bsn_geldig, normaliseer_bsn, normaliseer_huisnummer, normaliseer_postcode

# The patterns, by name, so the staff form can say which one a value missed.
TELEFOON_PATROON = r"^[0-9+()\- ]{6,20}$"
EMAIL_PATROON = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
BSN_PATROON = r"^[0-9]{8,9}$"
POSTCODE_PATROON = r"^[1-9][0-9]{3} ?[A-Za-z]{2}$"
HUISNUMMER_PATROON = r"^[1-9][0-9]{0,4}(?:[ -]?[A-Za-z0-9]{1,6})?$"
GEMEENTE_PATROON = r"^\d{4}$"

MAX_KINDEREN = 15
MAX_OUDERS = 4

Naam = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
KorteTekst = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LangeTekst = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Telefoon = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TELEFOON_PATROON)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATROON),
]
Bsn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=BSN_PATROON)]


class Strikt(Invoer):
    model_config = ConfigDict(extra="forbid", str_max_length=5000)


def _bsn(waarde: str | None) -> str | None:
    if waarde is None:
        return None
    if not bsn_geldig(waarde):
        raise PydanticCustomError("bsn_11_proef", "fails the 11-proef")
    return normaliseer_bsn(waarde)


class MelderIn(Strikt):
    """The professional who reports, at the melder's organisation."""

    naam: Naam
    functie: KorteTekst
    telefoon: Telefoon
    email: Email


class OuderRol(StrEnum):
    MOEDER = "moeder"
    VADER = "vader"
    VERZORGER = "verzorger"
    VOOGD = "voogd"


class OuderIn(Strikt):
    voornaam: Naam
    achternaam: Naam
    rol: OuderRol
    bsn: Bsn | None = None
    telefoon: Telefoon | None = None

    @field_validator("bsn")
    @classmethod
    def _check_bsn(cls, waarde: str | None) -> str | None:
        return _bsn(waarde)


class KindIn(Strikt):
    """A child of the gezin. A born child has a name and a birth date; an unborn child has an
    expected date (and no BSN yet)."""

    voornaam: Naam | None = None
    achternaam: Naam | None = None
    geboortedatum: date | None = None
    verwachte_geboortedatum: date | None = None
    bsn: Bsn | None = None

    @field_validator("bsn")
    @classmethod
    def _check_bsn(cls, waarde: str | None) -> str | None:
        return _bsn(waarde)

    @model_validator(mode="after")
    def _geboren_of_ongeboren(self) -> Self:
        if (self.geboortedatum is None) == (self.verwachte_geboortedatum is None):
            raise PydanticCustomError(
                "kind_geboren_of_ongeboren", "give either geboortedatum or verwachte_geboortedatum"
            )
        if self.geboortedatum is not None and (self.voornaam is None or self.achternaam is None):
            raise PydanticCustomError(
                "kind_zonder_naam", "a born child needs voornaam and achternaam"
            )
        if self.verwachte_geboortedatum is not None and self.bsn is not None:
            raise PydanticCustomError("ongeboren_met_bsn", "an unborn child has no BSN")
        return self

    @property
    def ongeboren(self) -> bool:
        return self.verwachte_geboortedatum is not None


class AdresIn(Strikt):
    """Where the gezin lives. Postcode and house number identify the address; street and town
    are optional, and make the letter to the gezin a complete postal address."""

    straat: KorteTekst | None = None
    woonplaats: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None
    ) = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, pattern=POSTCODE_PATROON)]
    huisnummer: Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=HUISNUMMER_PATROON),
    ]
    wijk: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[\w .'-]+$"
            ),
        ]
        | None
    ) = None

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, waarde: str) -> str:
        try:
            return normaliseer_postcode(waarde)
        except ValueError as fout:
            raise PydanticCustomError("postcode", str(fout)) from fout

    @field_validator("huisnummer")
    @classmethod
    def _huisnummer(cls, waarde: str) -> str:
        try:
            return normaliseer_huisnummer(waarde)
        except ValueError as fout:
            raise PydanticCustomError("huisnummer", str(fout)) from fout


class GezinIn(Strikt):
    ouders: list[OuderIn] = Field(default_factory=list, max_length=MAX_OUDERS)
    kinderen: list[KindIn] = Field(min_length=1, max_length=MAX_KINDEREN)
    adres: AdresIn


class ZorgenIn(Strikt):
    soorten: list[Zorg] = Field(min_length=1, max_length=2)
    toelichting: LangeTekst

    @field_validator("soorten")
    @classmethod
    def _uniek(cls, soorten: list[Zorg]) -> list[Zorg]:
        if len(set(soorten)) != len(soorten):
            raise PydanticCustomError("zorg_dubbel", "names a kind of worry twice")
        return soorten


class HulpIn(Strikt):
    organisatie: KorteTekst
    omschrijving: KorteTekst


class MeldingIn(Strikt):
    """A melding as a partner submits it."""

    gemeente: str = Field(
        pattern=GEMEENTE_PATROON, description="CBS code of an onboarded municipality"
    )
    melder: MelderIn
    gezin: GezinIn
    zorgen: ZorgenIn
    bestaande_hulp: list[HulpIn] = Field(default_factory=list, max_length=10)
    waarom_vrijwillig_onvoldoende: LangeTekst
    spoed: bool = False
    spoed_reden: KorteTekst | None = Field(default=None, validate_default=True)

    @field_validator("spoed_reden")
    @classmethod
    def _spoed_met_reden(cls, reden: str | None, info: ValidationInfo) -> str | None:
        spoed = info.data.get("spoed", False)
        if spoed and not reden:
            raise PydanticCustomError(
                "spoed_zonder_reden", "spoed_reden is required when spoed is true"
            )
        if not spoed and reden:
            raise PydanticCustomError(
                "reden_zonder_spoed", "spoed_reden only goes with spoed: true"
            )
        return reden


class MeldingStatus(StrEnum):
    ONTVANGEN = "ontvangen"
    GEAGENDEERD = "geagendeerd"
    BESLOTEN = "besloten"
    AFGESLOTEN = "afgesloten"
    """The case with a casusregisseur that followed the besluit has ended."""


class MeldingOut(BaseModel):
    """The answer to a melding: its reference, status and the day it will be discussed by."""

    id: UUID
    referentie: str = Field(description="Reference to quote on the phone, e.g. JBP-2026-000042")
    status: MeldingStatus
    gemeente: str
    ontvangen_op: str
    bespreken_uiterlijk: date = Field(description="The tafel discusses it by the end of this day")
    spoed: bool


class MeldingDetail(MeldingOut):
    melder_organisatie: str
    kanaal: str
    aanpak: str | None
    melding: MeldingIn


class MeldingInLijst(MeldingOut):
    """A melding in the plein staff's list: with the link to an open melding of the same gezin.

    Only staff see the link. A partner's answer never names it, nor differs because of it: the
    linked melding may be another organisation's, and its id is the ``zaak_ref`` of that
    organisation's case (issue 11)."""

    gekoppeld_aan: UUID | None = Field(
        default=None,
        description="The open melding about the same gezin this one was linked to, if any",
    )


class MeldingenPagina(BaseModel):
    items: list[MeldingInLijst]
    totaal: int
