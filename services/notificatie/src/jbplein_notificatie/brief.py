"""The letter to the gezin after a besluit of the tafel: its text and its PDF.

A pure module: no database, no clock, no network, no logging. The content follows seed 002 (the
information sheet for parents) and is written in plain Dutch at language level B1: short
sentences, common words, the "u" form, and every term a parent may not know explained.

Personal data (names, address) appears only in the letter itself, never in the PDF's metadata,
and nothing here logs or prints.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self
from xml.sax.saxutils import escape

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

# reportlab rather than fpdf2: it is the long-standing, actively maintained PDF library for
# Python, with flowing paragraphs (wrapping, page breaks) and an `invariant` mode for exact bytes.
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from jbplein_contracts.waarden import (
    CONTACT_WERKDAGEN,
    RAADSONDERZOEK_START_WERKDAGEN,
    Aanpak,
)
from jbplein_kit.gemeenten import Gemeente
from jbplein_kit.weergave import datum_met_weekdag_nl, datum_nl

__all__ = [
    "AFSLUITING",
    "PDF_TITEL",
    "Aanpak",
    "Alinea",
    "BriefGegevens",
    "Briefinhoud",
    "Geadresseerde",
    "Regisseur",
    "Soort",
    "Variant",
    "Vervanging",
    "Vervangreden",
    "datum_met_weekdag_nl",
    "datum_nl",
    "inhoud",
    "render_pdf",
    "tekst",
]

Variant = Aanpak
"""The three letters follow the three approaches of the tafel (seed 002)."""

PLEIN = "Jeugdbeschermingsplein Rotterdam-Rijnmond"
PDF_TITEL = "Brief Jeugdbeschermingsplein"
AFSLUITING = ("Met vriendelijke groet,", PLEIN)

# --- input -------------------------------------------------------------------------------------

_Naam = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Invoer(BaseModel):
    # hide_input_in_errors: a validation error must never carry a family's data into a log.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class Geadresseerde(_Invoer):
    """Who the letter goes to: the parents/carers, the children's first names, the address.

    Intake may not know the street or the town: the letter then prints what there is (the
    postcode and the house number, on which a Dutch address can be delivered).
    """

    ouders: tuple[_Naam, ...] = Field(default=(), max_length=6)
    """The parents'/carers' names as 'voornaam achternaam'; empty: 'Aan de ouders/verzorgers'."""
    kinderen: tuple[_Naam, ...] = Field(default=(), max_length=20)
    """The first names of the children who are born."""
    ongeboren: int = Field(default=0, ge=0, le=20)
    """How many children the gezin expects (an unborn child has no name yet)."""
    postcode: str = Field(max_length=10)
    huisnummer: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    straat: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    woonplaats: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, waarde: str) -> str:
        """A Dutch postcode, written the way PostNL asks: '3072 AB'."""
        compact = "".join(waarde.split()).upper()
        cijfers, letters = compact[:4], compact[4:]
        if not (
            len(compact) == 6
            and compact.isascii()
            and cijfers.isdigit()
            and letters.isalpha()
            and not cijfers.startswith("0")
        ):
            raise ValueError("postcode must be four digits (not starting with 0) and two letters")
        return f"{compact[:4]} {compact[4:]}"

    @field_validator("straat", "woonplaats")
    @classmethod
    def _leeg_is_onbekend(cls, waarde: str | None) -> str | None:
        return waarde or None

    @model_validator(mode="after")
    def _over_een_kind(self) -> Self:
        if not self.kinderen and not self.ongeboren:
            raise ValueError("a letter is about at least one child, born or unborn")
        if len(self.kinderen) + self.ongeboren > 20:
            raise ValueError("at most 20 children")
        return self

    @property
    def aantal_kinderen(self) -> int:
        return len(self.kinderen) + self.ongeboren

    @property
    def ontbreekt(self) -> tuple[str, ...]:
        """What a complete postal address still lacks ('straat', 'woonplaats')."""
        return tuple(
            veld
            for veld, waarde in (("straat", self.straat), ("woonplaats", self.woonplaats))
            if not waarde
        )


class Regisseur(_Invoer):
    """The casusregisseur of the gezin, once assigned."""

    naam: _Naam
    telefoon: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    @field_validator("telefoon", "email")
    @classmethod
    def _leeg_is_onbekend(cls, waarde: str | None) -> str | None:
        return waarde or None


class Vervangreden(StrEnum):
    """Why a letter replaces an earlier one that the gezin already received."""

    CORRECTIE = "correctie"
    """The tafel corrected its besluit (a new version)."""
    NIEUWE_BESPREKING = "nieuwe_bespreking"
    """The tafel discussed the gezin again (another melding about it) and decided anew."""


class Vervanging(_Invoer):
    """The earlier letter, already posted, that this letter replaces; the letter says so, with
    that letter's date, and what changed."""

    verzonden_op: date
    """The day the earlier letter was posted (the date the gezin knows it by)."""
    vorige_variant: Aanpak | None = None
    """What the earlier letter said was decided; unknown: the letter does not compare."""
    reden: Vervangreden = Vervangreden.CORRECTIE


class BriefGegevens(_Invoer):
    """Everything the letter needs. The deadlines are passed in, never computed here.

    Contradictory input (a casusregisseur in a vrijwillig letter, a date before the besluit) is
    refused rather than printed: a family must not get a letter that contradicts itself.
    """

    variant: Aanpak
    gemeente: Gemeente
    geadresseerde: Geadresseerde
    briefdatum: date
    besluitdatum: date
    referentie: str = Field(pattern=r"^JBP-\d{4}-\d{6}$")
    """The melding's reference, printed as 'Ons kenmerk'."""
    contact_uiterlijk: date | None = None
    """The last day on which the casusregisseur contacts the gezin (drang, raadsonderzoek)."""
    raadsonderzoek_start_uiterlijk: date | None = None
    """The last day on which the Raad starts its investigation (raadsonderzoek)."""
    regisseur: Regisseur | None = None
    vervangt: Vervanging | None = None
    """Set when this letter replaces an earlier letter the gezin received."""

    @model_validator(mode="after")
    def _past_bij_variant(self) -> Self:
        if self.briefdatum < self.besluitdatum:
            raise ValueError("the letter cannot be dated before the besluit")
        if self.vervangt is not None and self.vervangt.verzonden_op > self.briefdatum:
            raise ValueError("a letter replaces only a letter posted before it")
        if self.variant is Aanpak.VRIJWILLIG and (
            self.regisseur is not None or self.contact_uiterlijk is not None
        ):
            raise ValueError("a vrijwillig letter has no casusregisseur and no contact deadline")
        if self.variant is not Aanpak.RAADSONDERZOEK and self.raadsonderzoek_start_uiterlijk:
            raise ValueError("only a raadsonderzoek letter has a start date of the Raad")
        for termijn in (self.contact_uiterlijk, self.raadsonderzoek_start_uiterlijk):
            if termijn is not None and termijn <= self.besluitdatum:
                raise ValueError("a deadline falls after the day of the besluit")
        return self


# --- text --------------------------------------------------------------------------------------


class Soort(StrEnum):
    """The kind of a block of the letter's body."""

    KOP = "kop"
    """A heading (a question a parent may ask, answered below it)."""
    TEKST = "tekst"
    """A paragraph."""
    PUNT = "punt"
    """An item of a bulleted list."""


@dataclass(frozen=True, slots=True)
class Alinea:
    soort: Soort
    tekst: str


@dataclass(frozen=True, slots=True)
class Briefinhoud:
    """The whole letter as text, in reading order; the PDF is drawn from this alone."""

    briefhoofd: tuple[str, ...]
    adresblok: tuple[str, ...]
    plaats_datum: str
    kenmerk: str
    onderwerp: str
    aanhef: str
    alineas: tuple[Alinea, ...]
    afsluiting: tuple[str, ...]


def _opsomming(namen: tuple[str, ...]) -> str:
    """'Sem', 'Sem en Lotte', 'Sem, Lotte en Daan'."""
    if len(namen) <= 1:
        return "".join(namen)
    return f"{', '.join(namen[:-1])} en {namen[-1]}"


def _kop(tekst: str) -> Alinea:
    return Alinea(Soort.KOP, tekst)


def _tekst(*zinnen: str) -> Alinea:
    return Alinea(Soort.TEKST, " ".join(zinnen))


def _punt(*zinnen: str) -> Alinea:
    return Alinea(Soort.PUNT, " ".join(zinnen))


@dataclass(frozen=True, slots=True)
class _Kinderen:
    """The children as the subject of a sentence: 'uw kind krijgt', 'uw kinderen krijgen'.

    Dutch verbs agree with their subject, so every sentence about the children takes its verb
    from here (``ww``) rather than writing one form for all.
    """

    aantal: int
    ongeboren: int

    @property
    def meervoud(self) -> bool:
        return self.aantal > 1

    @property
    def onderwerp(self) -> str:
        return "uw kinderen" if self.meervoud else "uw kind"

    @property
    def alleen_ongeboren(self) -> bool:
        return self.aantal == self.ongeboren

    def ww(self, enkelvoud: str, meervoud: str) -> str:
        """The verb form that agrees with the children as subject."""
        return meervoud if self.meervoud else enkelvoud


def _kinderen(g: BriefGegevens) -> _Kinderen:
    wie = g.geadresseerde
    return _Kinderen(aantal=wie.aantal_kinderen, ongeboren=wie.ongeboren)


def _verwacht(ongeboren: int) -> str:
    """The unborn child(ren), as B1 says it: 'het kind dat u verwacht'."""
    if ongeboren == 1:
        return "het kind dat u verwacht"
    return "de kinderen die u verwacht"


def _briefhoofd(gemeente: Gemeente) -> tuple[str, ...]:
    hoofd = gemeente.briefhoofd
    regels = [hoofd.afzender]
    if hoofd.adres:
        regels.append(hoofd.adres)
    if hoofd.telefoon:
        regels.append(f"Telefoon: {hoofd.telefoon}")
    if hoofd.website:
        regels.append(hoofd.website)
    return tuple(regels)


def _adresblok(wie: Geadresseerde) -> tuple[str, ...]:
    if wie.ouders:
        regels = list(wie.ouders)
    elif wie.kinderen:
        regels = [f"Aan de ouders/verzorgers van {_opsomming(wie.kinderen)}"]
    else:
        regels = ["Aan de ouders/verzorgers"]
    regels.append(
        f"{wie.straat} {wie.huisnummer}" if wie.straat else f"Huisnummer {wie.huisnummer}"
    )
    # PostNL: two spaces between postcode and town, the town in capitals.
    regels.append(
        f"{wie.postcode}\u00a0\u00a0{wie.woonplaats.upper()}" if wie.woonplaats else wie.postcode
    )
    return tuple(regels)


def _aanhef(wie: Geadresseerde) -> str:
    if wie.ouders:
        return f"Beste {_opsomming(wie.ouders)},"
    return "Beste ouders/verzorgers,"


def _inleiding(g: BriefGegevens) -> list[Alinea]:
    wie = g.geadresseerde
    delen = (*wie.kinderen, *((_verwacht(wie.ongeboren),) if wie.ongeboren else ()))
    over = f"uw gezin en over {_opsomming(delen)}"
    return [
        _tekst(
            f"Op {datum_nl(g.besluitdatum)} heeft het Jeugdbeschermingsplein gesproken "
            f"over {over}.",
            "In deze brief leest u wat wij hebben besloten. En wat er nu gaat gebeuren.",
        ),
        _kop("Wat is het Jeugdbeschermingsplein?"),
        _tekst(
            "Bij het Jeugdbeschermingsplein werken deskundigen samen.",
            "Zij weten veel van hulp aan gezinnen en van de bescherming van kinderen.",
            "Zij bespreken gezinnen waar mensen zich grote zorgen over maken.",
            "Zij kijken naar het hele gezin, niet alleen naar één kind.",
        ),
    ]


_BESLOTEN = {
    Aanpak.VRIJWILLIG: "de hulp die u krijgt, gaat door",
    Aanpak.DRANG: "uw gezin krijgt een casusregisseur",
    Aanpak.RAADSONDERZOEK: "de Raad voor de Kinderbescherming doet een onderzoek",
}


def _vervanging(g: BriefGegevens) -> list[Alinea]:
    """The opening of a letter that replaces one the gezin received: which letter, that it no
    longer holds, and what changed."""
    v = g.vervangt
    if v is None:
        return []
    waarom = (
        "Wij hebben ons besluit veranderd."
        if v.reden is Vervangreden.CORRECTIE
        else "Wij hebben opnieuw over uw gezin gesproken en een nieuw besluit genomen."
    )
    alineas = [
        _kop("Deze brief vervangt onze brief van " + datum_nl(v.verzonden_op)),
        _tekst(
            f"Op {datum_nl(v.verzonden_op)} hebben wij u een brief gestuurd over ons besluit.",
            waarom,
            "Daarom krijgt u deze nieuwe brief. De brief die u eerder kreeg, geldt niet meer.",
        ),
    ]
    if v.vorige_variant is not None and v.vorige_variant is not g.variant:
        alineas.append(
            _tekst(
                f"Eerst hadden wij besloten: {_BESLOTEN[v.vorige_variant]}.",
                f"Nu hebben wij besloten: {_BESLOTEN[g.variant]}.",
            )
        )
    elif v.vorige_variant is not None:
        alineas.append(
            _tekst(
                "Het soort hulp blijft hetzelfde. Maar er zijn afspraken veranderd.",
                "Lees deze brief daarom goed.",
            )
        )
    return alineas


def _vrijwillig(g: BriefGegevens) -> list[Alinea]:
    k = _kinderen(g)
    return [
        _kop("Wat hebben wij besloten?"),
        _tekst(
            "Wij hebben besloten dat de hulp die u nu krijgt, doorgaat.",
            "Uw hulpverlener blijft u helpen, net als nu.",
            "Wij vinden zwaardere maatregelen nu niet nodig.",
        ),
        _kop("Wat betekent dit voor u?"),
        _tekst(
            "Er verandert niets aan de hulp die u krijgt.",
            "Blijf samenwerken met uw hulpverlener.",
            f"Zo {k.ww('krijgt', 'krijgen')} {k.onderwerp} de hulp die nodig is.",
        ),
    ]


def _werkdagen_uitleg() -> str:
    return "Werkdagen zijn maandag tot en met vrijdag, zonder de feestdagen."


def _casusregisseur_uitleg(k: _Kinderen) -> str:
    samen = (
        "De casusregisseur werkt samen met u en met andere hulpverleners."
        if k.alleen_ongeboren
        else f"De casusregisseur werkt samen met u, met {k.onderwerp} en met andere hulpverleners."
    )
    return " ".join(
        (
            "Een casusregisseur is uw vaste contactpersoon.",
            "Hij of zij helpt u om de opvoeding en de situatie thuis beter te maken.",
            samen,
        )
    )


def _contact(g: BriefGegevens) -> list[Alinea]:
    """When the casusregisseur calls, and who it is once assigned."""
    zinnen = [
        f"De casusregisseur neemt binnen {CONTACT_WERKDAGEN} werkdagen na ons besluit "
        "contact met u op.",
    ]
    if g.contact_uiterlijk is not None:
        zinnen.append(f"Dat gebeurt uiterlijk {datum_met_weekdag_nl(g.contact_uiterlijk)}.")
    zinnen.append(_werkdagen_uitleg())
    alineas = [_tekst(*zinnen)]
    regisseur = g.regisseur
    if regisseur is None:
        alineas.append(
            _tekst(
                "De casusregisseur stelt zich zelf aan u voor.",
                "Dan hoort u ook hoe u hem of haar kunt bereiken.",
            )
        )
        return alineas
    alineas.append(_tekst(f"Uw casusregisseur is {regisseur.naam}."))
    if regisseur.telefoon or regisseur.email:
        alineas.append(_tekst("U kunt uw casusregisseur zo bereiken:"))
        if regisseur.telefoon:
            alineas.append(_punt(f"telefoon: {regisseur.telefoon}"))
        if regisseur.email:
            alineas.append(_punt(f"e-mail: {regisseur.email}"))
    return alineas


def _hulpverlener_blijft() -> Alinea:
    return _tekst(
        "Heeft u al een hulpverlener? Dan blijft die hulpverlener ook betrokken bij uw gezin."
    )


def _drang(g: BriefGegevens) -> list[Alinea]:
    k = _kinderen(g)
    meewerken = (
        "Werkt u niet mee?"
        if k.alleen_ongeboren
        else f"Werkt u of {k.ww('werkt', 'werken')} {k.onderwerp} niet mee?"
    )
    return [
        _kop("Wat hebben wij besloten?"),
        _tekst(
            "Wij maken ons zorgen over de situatie in uw gezin.",
            "Wij denken dat de hulp die u nu krijgt, niet genoeg is.",
            "Daarom krijgt uw gezin een casusregisseur.",
        ),
        _kop("Wat is een casusregisseur?"),
        _tekst(_casusregisseur_uitleg(k)),
        _kop("Wanneer hoort u van de casusregisseur?"),
        *_contact(g),
        _kop("Wat is een actieplan?"),
        _tekst(
            "Samen met u maakt de casusregisseur een actieplan.",
            "Soms doen ook andere hulpverleners mee.",
            "Een actieplan is een plan op papier.",
            "Daarin staat wat er thuis moet veranderen, en wie wat doet.",
            f"Het doel is dat {k.onderwerp} veilig en goed {k.ww('kan', 'kunnen')} opgroeien.",
            "U krijgt de hulp die nodig is meteen. Deze hulp is vrijwillig.",
        ),
        _kop("Waarom is meewerken belangrijk?"),
        _tekst(
            "Het Jeugdbeschermingsplein raadt u dringend aan om mee te werken.",
            f"{meewerken} Of gaat het niet genoeg vooruit?",
            "Dan kan dat leiden tot een onderzoek door de Raad voor de Kinderbescherming.",
            "De Raad voor de Kinderbescherming is een organisatie van de overheid.",
            "De Raad onderzoekt of kinderen veilig opgroeien.",
        ),
        _hulpverlener_blijft(),
    ]


def _raadsonderzoek(g: BriefGegevens) -> list[Alinea]:
    k = _kinderen(g)
    kinderen = k.onderwerp
    start = [
        f"De Raad begint binnen {RAADSONDERZOEK_START_WERKDAGEN} werkdagen na ons besluit "
        "met het onderzoek.",
    ]
    if g.raadsonderzoek_start_uiterlijk is not None:
        start.append(
            f"Dat gebeurt uiterlijk {datum_met_weekdag_nl(g.raadsonderzoek_start_uiterlijk)}."
        )
    start.append(_werkdagen_uitleg())
    return [
        _kop("Wat hebben wij besloten?"),
        _tekst(
            f"Wij maken ons grote zorgen over de veiligheid of de ontwikkeling van {kinderen}.",
            "Daarom hebben wij de Raad voor de Kinderbescherming gevraagd "
            "om een onderzoek te doen.",
        ),
        _kop("Wat is de Raad voor de Kinderbescherming?"),
        _tekst(
            "De Raad voor de Kinderbescherming is een organisatie van de overheid.",
            "De Raad onderzoekt of kinderen veilig opgroeien en zich goed kunnen ontwikkelen.",
            "In deze brief noemen wij de Raad voor de Kinderbescherming kort: de Raad.",
        ),
        _kop("Wanneer begint het onderzoek?"),
        _tekst(*start),
        _kop("Wat kan er na het onderzoek gebeuren?"),
        _tekst(
            f"Na het onderzoek beslist de Raad wat er nodig is om {kinderen} veilig te laten "
            "opgroeien. Bijvoorbeeld:",
        ),
        _punt(
            "De Raad vindt verplichte hulp niet nodig, of nog niet nodig.",
            "De Raad kan u dan wel aanraden om zelf hulp te zoeken.",
        ),
        _punt(
            "De Raad vindt verplichte hulp wel nodig.",
            "Dan vraagt de Raad aan de kinderrechter om een maatregel van kinderbescherming.",
            "Een kinderrechter is een rechter die beslist over kinderen.",
            "Een maatregel betekent dat de hulp verplicht wordt.",
        ),
        _tekst(
            "Zo'n maatregel is voor ouders en kinderen heel ingrijpend.",
            "Dat betekent: hij heeft grote gevolgen voor uw gezin.",
        ),
        _kop("Uw casusregisseur"),
        _tekst(
            "Uw gezin krijgt ook meteen een casusregisseur.",
            _casusregisseur_uitleg(k),
        ),
        *_contact(g),
        _tekst(
            "Samen met u en andere hulpverleners maakt de casusregisseur een actieplan.",
            "Een actieplan is een plan op papier.",
            "Daarin staat wat er thuis moet veranderen, en wie wat doet.",
            "U krijgt de hulp die daarbij nodig is meteen.",
        ),
        _hulpverlener_blijft(),
    ]


def _vragen_en_bezwaar(g: BriefGegevens) -> list[Alinea]:
    met_regisseur = g.variant is not Aanpak.VRIJWILLIG
    hoofd = g.gemeente.briefhoofd
    vragen = [
        "Stel uw vragen gerust aan uw casusregisseur."
        if met_regisseur
        else "Heeft u vragen over de hulp? Stel ze dan aan uw hulpverlener.",
        "U kunt ook contact opnemen met het Jeugdbeschermingsplein.",
    ]
    if hoofd.telefoon:
        vragen.append(f"Bel dan naar {hoofd.telefoon}.")
    if hoofd.website:
        vragen.append(
            f"Of kijk op {hoofd.website}." if hoofd.telefoon else f"Kijk op {hoofd.website}."
        )
    if not hoofd.telefoon and not hoofd.website:
        vragen.append(
            f"Neem dan contact op met de gemeente {g.gemeente.naam}. "
            "Vraag naar het Jeugdbeschermingsplein."
        )
    vragen.append(
        f"Neemt u contact op? Noem dan ons kenmerk: {g.referentie}. Dat staat bovenaan deze brief."
    )

    praten = [
        "U kunt wel met uw casusregisseur over het besluit praten."
        if met_regisseur
        else "U kunt wel met uw hulpverlener of met het Jeugdbeschermingsplein over het besluit "
        "praten.",
    ]
    if g.variant is Aanpak.RAADSONDERZOEK:
        praten.append(
            "Tijdens het onderzoek praat de Raad ook met u. Dan kunt u vertellen wat u ervan vindt."
        )
    return [
        _kop("Heeft u vragen?"),
        _tekst(*vragen),
        _kop("Bent u het niet eens met het besluit?"),
        _tekst(
            "Het besluit van het Jeugdbeschermingsplein is een advies van deskundigen over de "
            "hulp voor uw gezin.",
            "Het is geen officieel besluit van de gemeente.",
            "Daarom kunt u er geen bezwaar tegen maken, zoals bij andere besluiten van de "
            "gemeente.",
            "Alleen een rechter kan hulp verplicht maken.",
        ),
        _tekst(*praten),
        _kop("Heeft u een klacht?"),
        _tekst(
            "Bent u niet tevreden over hoe wij met u zijn omgegaan?",
            f"Dan kunt u een klacht indienen bij de gemeente {g.gemeente.naam}.",
            f"Hoe dat gaat, leest u op de website van de gemeente {g.gemeente.naam}.",
        ),
    ]


_VARIANTEN = {
    Aanpak.VRIJWILLIG: _vrijwillig,
    Aanpak.DRANG: _drang,
    Aanpak.RAADSONDERZOEK: _raadsonderzoek,
}


def tekst(gegevens: BriefGegevens) -> list[Alinea]:
    """The letter's body for its variant: headings, paragraphs and list items, in order."""
    return [
        *_vervanging(gegevens),
        *_inleiding(gegevens),
        *_VARIANTEN[gegevens.variant](gegevens),
        *_vragen_en_bezwaar(gegevens),
    ]


def inhoud(gegevens: BriefGegevens) -> Briefinhoud:
    """The whole letter: letterhead, address, date, reference, salutation, body, closing."""
    return Briefinhoud(
        briefhoofd=_briefhoofd(gegevens.gemeente),
        adresblok=_adresblok(gegevens.geadresseerde),
        plaats_datum=f"{gegevens.gemeente.naam}, {datum_nl(gegevens.briefdatum)}",
        kenmerk=f"Ons kenmerk: {gegevens.referentie}",
        onderwerp=(
            "Onderwerp: nieuw besluit van het Jeugdbeschermingsplein over uw gezin"
            if gegevens.vervangt is not None
            else "Onderwerp: besluit van het Jeugdbeschermingsplein over uw gezin"
        ),
        aanhef=_aanhef(gegevens.geadresseerde),
        alineas=tuple(tekst(gegevens)),
        afsluiting=AFSLUITING,
    )


# --- PDF ---------------------------------------------------------------------------------------

# Helvetica (a standard PDF font, nothing embedded) speaks WinAnsi: é, ë, ï, ç and the like. A
# letter outside it (ş, ł, ı in a family's name) would print as a black box, so it is written
# without its accent instead.
_ZONDER_ONTLEDING = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "đ": "d", "Đ": "D", "ħ": "h"})


def _winansi(tekst: str) -> str:
    if _past_in_winansi(tekst):
        return tekst
    uit = []
    for teken in tekst.translate(_ZONDER_ONTLEDING):
        if _past_in_winansi(teken):
            uit.append(teken)
            continue
        basis = "".join(
            t for t in unicodedata.normalize("NFKD", teken) if not unicodedata.combining(t)
        )
        uit.append(basis if basis and _past_in_winansi(basis) else "?")
    return "".join(uit)


def _past_in_winansi(tekst: str) -> bool:
    try:
        tekst.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _p(tekst: str, stijl: ParagraphStyle, **opties: Any) -> Any:
    return Paragraph(escape(_winansi(tekst)), stijl, **opties)


_BASIS = ParagraphStyle("brief", fontName="Helvetica", fontSize=11, leading=15)
_STIJLEN = {
    "afzender": ParagraphStyle("afzender", _BASIS, fontName="Helvetica-Bold", fontSize=12),
    "briefhoofd": ParagraphStyle("briefhoofd", _BASIS, fontSize=10, leading=13),
    "regel": ParagraphStyle("regel", _BASIS),
    Soort.TEKST: ParagraphStyle("tekst", _BASIS, spaceAfter=6),
    Soort.KOP: ParagraphStyle(
        "kop", _BASIS, fontName="Helvetica-Bold", spaceBefore=8, spaceAfter=2, keepWithNext=1
    ),
    Soort.PUNT: ParagraphStyle("punt", _BASIS, leftIndent=14, bulletIndent=2, spaceAfter=2),
}
_VOET = 12 * mm  # the page footer's baseline above the bottom of the page


class _BriefCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A canvas that writes 'page n of m' with the reference and fixes the creation date.

    Pages are kept until the end (the usual reportlab recipe) so each footer knows the total.
    """

    def __init__(self, *args: Any, kenmerk: str, datum: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kenmerk = kenmerk
        self._paginas: list[dict[str, Any]] = []
        # The letter's date, not the moment of rendering: the same input gives the same bytes.
        stempel = f"D:{datum:%Y%m%d}000000"
        self.setDateFormatter(lambda *_: stempel)

    def showPage(self) -> None:
        self._paginas.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        totaal = len(self._paginas)
        for staat in self._paginas:
            self.__dict__.update(staat)
            self.setFont("Helvetica", 9)
            self.drawRightString(
                A4[0] - 25 * mm,
                _VOET,
                f"Ons kenmerk {self._kenmerk} - pagina {self.getPageNumber()} van {totaal}",
            )
            super().showPage()
        super().save()


def _flowables(brief: Briefinhoud) -> list[Any]:
    stukken: list[Flowable] = []
    afzender, *rest = brief.briefhoofd
    stukken.append(_p(afzender, _STIJLEN["afzender"]))
    stukken.extend(_p(regel, _STIJLEN["briefhoofd"]) for regel in rest)
    stukken.append(Spacer(1, 14 * mm))
    stukken.extend(_p(regel, _STIJLEN["regel"]) for regel in brief.adresblok)
    stukken.append(Spacer(1, 14 * mm))
    for regel in (brief.plaats_datum, brief.kenmerk, brief.onderwerp):
        stukken.append(_p(regel, _STIJLEN["regel"]))
    stukken.append(Spacer(1, 8 * mm))
    stukken.append(_p(brief.aanhef, _STIJLEN[Soort.TEKST]))
    for alinea in brief.alineas:
        if alinea.soort is Soort.PUNT:
            stukken.append(_p(alinea.tekst, _STIJLEN[Soort.PUNT], bulletText="•"))
        else:
            stukken.append(_p(alinea.tekst, _STIJLEN[alinea.soort]))
    stukken.append(Spacer(1, 6 * mm))
    stukken.extend(_p(regel, _STIJLEN["regel"]) for regel in brief.afsluiting)
    return stukken


def render_pdf(gegevens: BriefGegevens) -> bytes:
    """The letter as an A4 PDF with real (extractable) text; the same input gives the same bytes.

    The metadata holds no personal data: a fixed title, the plein as author, and the letter's
    date as creation date.
    """
    brief = inhoud(gegevens)
    uit = io.BytesIO()
    document = SimpleDocTemplate(
        uit,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=25 * mm,
        title=PDF_TITEL,
        author=PLEIN,
        subject="",
        creator="jbplein-notificatie",
        keywords=[],
        lang="nl-NL",
        displayDocTitle=True,
        invariant=1,
    )
    document.build(
        _flowables(brief),
        canvasmaker=functools.partial(
            _BriefCanvas, kenmerk=gegevens.referentie, datum=gegevens.briefdatum
        ),
    )
    return uit.getvalue()
