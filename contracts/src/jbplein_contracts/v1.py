"""Version 1 of the plein's events.

Within v1 an event only ever gains optional fields; anything incompatible is a v2 on a new
channel. Every event is a :class:`~jbplein_contracts.envelope.CloudEvent` whose ``data`` carries
no names, BSNs, dates of birth, addresses or free text: details stay behind the ``dataref`` API.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from . import subjects
from .envelope import CloudEvent, GeadresseerdeGegevens, Gegevens
from .subjects import Kanaal
from .waarden import (
    Aanpak,
    Aantal,
    Afsluitreden,
    Herverdelingsreden,
    OrganisatieCode,
    Postcodegebied,
    Taakaccent,
    TermijnSoort,
    Urgentie,
    WachtlijstReden,
    Wijk,
    Zorg,
)

StafCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
"""The code of a member of staff (a jeugdbeschermer), never a name."""

# --- melding ---------------------------------------------------------------------------------


class MeldingOntvangenData(Gegevens):
    melding_id: UUID
    referentie: str | None = Field(
        default=None,
        pattern=r"^JBP-\d{4}-\d{6}$",
        description="The melding's reference as staff quote it (no personal data).",
    )
    gezin_ref: UUID = Field(description="Pseudonymous reference of the gezin (stable per gezin).")
    gekoppeld_aan: UUID | None = Field(
        default=None,
        description="The open melding about the same gezin this melding was linked to, if any.",
    )
    wijk: Wijk | None = None
    postcodegebied: Postcodegebied | None = None
    melder_organisatie: OrganisatieCode
    ontvangen_op: AwareDatetime
    bespreken_uiterlijk: date = Field(description="Last day on which the tafel must discuss it.")
    spoed: bool
    zorgen: list[Zorg] = Field(min_length=1, max_length=2)
    aantal_kinderen: Aantal


class MeldingOntvangen(CloudEvent[MeldingOntvangenData]):
    """A melding was received and stored by intake."""

    KANAAL: ClassVar[Kanaal] = subjects.MELDING_ONTVANGEN
    type: Literal["nl.jbplein.melding.ontvangen.v1"] = "nl.jbplein.melding.ontvangen.v1"


class MeldingGeagendeerdData(Gegevens):
    melding_id: UUID
    sessie_id: UUID
    sessie_datum: date
    sessie_begin: AwareDatetime
    bespreken_uiterlijk: date
    spoed: bool
    in_gevaar: bool = Field(description="True when the session lies past the deadline (at risk).")
    herpland: bool = Field(default=False, description="True when this replaces an earlier plan.")


class MeldingGeagendeerd(CloudEvent[MeldingGeagendeerdData]):
    """A melding was put on the agenda of a tafel session (or moved to another one)."""

    KANAAL: ClassVar[Kanaal] = subjects.MELDING_GEAGENDEERD
    type: Literal["nl.jbplein.melding.geagendeerd.v1"] = "nl.jbplein.melding.geagendeerd.v1"


# --- besluit ---------------------------------------------------------------------------------


class BesluitGenomenData(Gegevens):
    besluit_id: UUID
    melding_id: UUID
    gezin_ref: UUID
    versie: int = Field(ge=1, description="1 for a first besluit; higher for a correction.")
    vorige_besluit_id: UUID | None = Field(
        default=None, description="The version this one corrects; it no longer holds."
    )
    sessie_id: UUID | None = Field(default=None, description="The session it was taken at.")
    wijk: Wijk | None = None
    postcodegebied: Postcodegebied | None = None
    melder_organisatie: OrganisatieCode
    aanpak: Aanpak
    urgentie: Urgentie
    taakaccent: Taakaccent = Taakaccent.CIVIEL
    casusregie: OrganisatieCode = Field(description="The organisation that holds the casusregie.")
    jeugdbeschermingsteam: list[OrganisatieCode] = Field(default_factory=list, max_length=20)
    vto: bool = Field(description="A verzoek tot onderzoek goes to the Raad.")
    genomen_op: AwareDatetime
    contact_uiterlijk: date | None = None
    raadsonderzoek_start_uiterlijk: date | None = Field(
        default=None,
        description="When the Raad starts at the latest: of this VTO, or, for a raadsonderzoek "
        "that joins the gezin's running investigation (vto false), of that investigation.",
    )
    raad: OrganisatieCode | None = Field(
        default=None,
        description="The Raad that investigates a raadsonderzoek: the one this VTO goes to, or "
        "the one already investigating the gezin (vto false). None for other approaches.",
    )


class BesluitGenomen(CloudEvent[BesluitGenomenData]):
    """The tafel fixed a besluit on a melding."""

    KANAAL: ClassVar[Kanaal] = subjects.BESLUIT_GENOMEN
    type: Literal["nl.jbplein.besluit.genomen.v1"] = "nl.jbplein.besluit.genomen.v1"


# --- toewijzing ------------------------------------------------------------------------------


class RegisseurToegewezenData(Gegevens):
    toewijzing_id: UUID
    melding_id: UUID
    besluit_id: UUID
    gezin_ref: UUID
    jeugdbeschermer_ref: StafCode = Field(description="Staff code, not a name.")
    gebiedsteam: StafCode
    taakaccent: Taakaccent
    continuiteit: bool = Field(description="True when the gezin keeps its casusregisseur.")
    toegewezen_op: AwareDatetime
    contact_uiterlijk: date | None = None
    van_wachtlijst: bool = Field(
        default=False, description="True when the case waited for room before this assignment."
    )
    herverdeling: Herverdelingsreden | None = Field(
        default=None, description="Set when this assignment replaces another casusregisseur."
    )
    vorige_jeugdbeschermer_ref: StafCode | None = None


class RegisseurToegewezen(CloudEvent[RegisseurToegewezenData]):
    """A casusregisseur of JBRR was assigned to the gezin."""

    KANAAL: ClassVar[Kanaal] = subjects.REGISSEUR_TOEGEWEZEN
    type: Literal["nl.jbplein.regisseur.toegewezen.v1"] = "nl.jbplein.regisseur.toegewezen.v1"


class RegisseurWachtlijstData(Gegevens):
    toewijzing_id: UUID
    melding_id: UUID
    besluit_id: UUID
    gezin_ref: UUID
    reden: WachtlijstReden
    sinds: AwareDatetime
    contact_uiterlijk: date | None = None


class RegisseurWachtlijst(CloudEvent[RegisseurWachtlijstData]):
    """No casusregisseur has room: the case waits on the visible waiting list (never dropped)
    and is assigned as soon as room appears."""

    KANAAL: ClassVar[Kanaal] = subjects.REGISSEUR_WACHTLIJST
    type: Literal["nl.jbplein.regisseur.wachtlijst.v1"] = "nl.jbplein.regisseur.wachtlijst.v1"


class ContactGeregistreerdData(Gegevens):
    toewijzing_id: UUID
    melding_id: UUID
    contact_op: AwareDatetime
    contact_uiterlijk: date
    binnen_termijn: bool


class ContactGeregistreerd(CloudEvent[ContactGeregistreerdData]):
    """JBRR registered the casusregisseur's first contact with the gezin."""

    KANAAL: ClassVar[Kanaal] = subjects.CONTACT_GEREGISTREERD
    type: Literal["nl.jbplein.contact.geregistreerd.v1"] = "nl.jbplein.contact.geregistreerd.v1"


class RaadsonderzoekGevraagdData(Gegevens):
    melding_id: UUID
    besluit_id: UUID
    gevraagd_op: AwareDatetime
    start_uiterlijk: date


class RaadsonderzoekGevraagd(CloudEvent[RaadsonderzoekGevraagdData]):
    """The tafel asked the Raad voor de Kinderbescherming to investigate (VTO)."""

    KANAAL: ClassVar[Kanaal] = subjects.RAADSONDERZOEK_GEVRAAGD
    type: Literal["nl.jbplein.raadsonderzoek.gevraagd.v1"] = "nl.jbplein.raadsonderzoek.gevraagd.v1"


class RaadsonderzoekGestartData(Gegevens):
    melding_id: UUID
    besluit_id: UUID
    gestart_op: AwareDatetime
    start_uiterlijk: date
    binnen_termijn: bool


class RaadsonderzoekGestart(CloudEvent[RaadsonderzoekGestartData]):
    """The Raad registered the start of its investigation."""

    KANAAL: ClassVar[Kanaal] = subjects.RAADSONDERZOEK_GESTART
    type: Literal["nl.jbplein.raadsonderzoek.gestart.v1"] = "nl.jbplein.raadsonderzoek.gestart.v1"


# --- termijnen -------------------------------------------------------------------------------


class TermijnOverschredenData(Gegevens):
    termijn: TermijnSoort
    melding_id: UUID
    uiterlijk: date = Field(description="The last day of the period that has passed.")
    verlopen_op: AwareDatetime = Field(description="The moment the period ended.")
    vastgesteld_op: AwareDatetime = Field(description="When the breach was established.")


class TermijnOverschreden(CloudEvent[TermijnOverschredenData]):
    """A promise was not kept in time: never silent."""

    KANAAL: ClassVar[Kanaal] = subjects.TERMIJN_OVERSCHREDEN
    type: Literal["nl.jbplein.termijn.overschreden.v1"] = "nl.jbplein.termijn.overschreden.v1"


class DrangEvaluatieNodigData(Gegevens):
    toewijzing_id: UUID
    melding_id: UUID
    besluit_datum: date
    evaluatie_op: date = Field(description="The day the 3 months of drang were reached.")
    maximum_op: date = Field(description="The last day drang may last (6 months).")


class DrangEvaluatieNodig(CloudEvent[DrangEvaluatieNodigData]):
    """Drang without a raadsonderzoek reached 3 months: decide whether the care goes back to the
    wijkteam or a gedwongen kader is sought."""

    KANAAL: ClassVar[Kanaal] = subjects.DRANG_EVALUATIE_NODIG
    type: Literal["nl.jbplein.drang.evaluatie_nodig.v1"] = "nl.jbplein.drang.evaluatie_nodig.v1"


# --- zaak -------------------------------------------------------------------------------------


class ZaakAfgeslotenData(Gegevens):
    toewijzing_id: UUID
    melding_id: UUID
    gezin_ref: UUID
    aanpak: Aanpak
    reden: Afsluitreden
    afgesloten_op: AwareDatetime
    meldingen: list[UUID] = Field(
        default_factory=list,
        max_length=100,
        description="The later meldingen about the gezin that joined this case (one gezin, "
        "one case); they close with it.",
    )


class ZaakAfgesloten(CloudEvent[ZaakAfgeslotenData]):
    """A case with a casusregisseur ended; its timers are stopped."""

    KANAAL: ClassVar[Kanaal] = subjects.ZAAK_AFGESLOTEN
    type: Literal["nl.jbplein.zaak.afgesloten.v1"] = "nl.jbplein.zaak.afgesloten.v1"


# --- notificatie -----------------------------------------------------------------------------


class BriefGereedData(Gegevens):
    brief_id: UUID
    melding_id: UUID
    besluit_id: UUID
    variant: Aanpak
    met_regisseur: bool = Field(description="True when the letter names the casusregisseur.")
    gereed_op: AwareDatetime
    vervangt_brief_id: UUID | None = Field(
        default=None,
        description="The letter, already posted, that this one replaces (and says so).",
    )


class BriefGereed(CloudEvent[BriefGereedData]):
    """The letter to the gezin about a besluit is ready to be sent."""

    KANAAL: ClassVar[Kanaal] = subjects.BRIEF_GEREED
    type: Literal["nl.jbplein.brief.gereed.v1"] = "nl.jbplein.brief.gereed.v1"


# --- partner events: minimised ---------------------------------------------------------------


BesluitVersie = Annotated[int, Field(ge=1)]


class Besluitversie(Gegevens):
    """Which version of the besluit a partner event tells of. The tafel corrects a besluit by
    a new version; a consumer keeps the highest ``besluit_versie`` per ``zaak_ref`` and ignores
    an older one that arrives late. Optional within v1 (events from before it have none)."""

    besluit_versie: BesluitVersie | None = Field(
        default=None, description="1 for a first besluit; higher for a correction."
    )
    vervangt_versie: BesluitVersie | None = Field(
        default=None,
        description="Set on a correction: the version this one replaces; it no longer holds.",
    )
    correctie: bool = Field(
        default=False, description="True when this besluit corrects an earlier version."
    )


class PartnerBesluitGenomenData(Besluitversie):
    """What a partner may know of a besluit: a pseudonymous reference, the municipality, the
    approach, dates and deadlines. Details only through the authorised ``dataref`` call."""

    zaak_ref: UUID = Field(description="Pseudonymous case reference.")
    aanpak: Aanpak
    besluit_datum: date
    contact_uiterlijk: date | None = None
    raadsonderzoek_start_uiterlijk: date | None = None


class PartnerBesluitGenomen(CloudEvent[PartnerBesluitGenomenData]):
    """The minimised form of a besluit, on the partner subjects of its municipality."""

    KANAAL: ClassVar[Kanaal] = subjects.PARTNER_BESLUIT_GENOMEN
    type: Literal["nl.jbplein.partner.besluit.genomen.v1"] = "nl.jbplein.partner.besluit.genomen.v1"


class PartnerMeldingBeslotenData(GeadresseerdeGegevens, Besluitversie):
    """For the melder's organisation: the melding it reported was decided."""

    zaak_ref: UUID = Field(description="Pseudonymous case reference: the id intake gave.")
    aanpak: Aanpak
    besluit_datum: date


class PartnerMeldingBesloten(CloudEvent[PartnerMeldingBeslotenData]):
    """The melding an organisation reported was decided at the tafel (addressed to it)."""

    KANAAL: ClassVar[Kanaal] = subjects.PARTNER_MELDING_BESLOTEN
    type: Literal["nl.jbplein.partner.melding.besloten.v1"] = (
        "nl.jbplein.partner.melding.besloten.v1"
    )


class PartnerRaadsonderzoekGevraagdData(GeadresseerdeGegevens, Besluitversie):
    """For the Raad: the verzoek tot onderzoek (VTO). The gezin's details only through the
    authorised, audited ``dataref`` call."""

    zaak_ref: UUID
    gevraagd_op: AwareDatetime
    start_uiterlijk: date


class PartnerRaadsonderzoekGevraagd(CloudEvent[PartnerRaadsonderzoekGevraagdData]):
    """The tafel asks this Raad voor de Kinderbescherming to investigate (addressed to it)."""

    KANAAL: ClassVar[Kanaal] = subjects.PARTNER_RAADSONDERZOEK_GEVRAAGD
    type: Literal["nl.jbplein.partner.raadsonderzoek.gevraagd.v1"] = (
        "nl.jbplein.partner.raadsonderzoek.gevraagd.v1"
    )


# --- deliveries to partners ------------------------------------------------------------------


class LeveringMisluktData(Gegevens):
    levering_id: UUID
    abonnement_id: UUID
    organisatie: OrganisatieCode = Field(description="The subscriber whose endpoint failed.")
    event_id: UUID = Field(description="The partner event that was not delivered.")
    event_type: str = Field(pattern=r"^nl\.jbplein(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")
    pogingen: int = Field(ge=1)
    laatste_status: int | None = Field(default=None, ge=100, le=599)
    eerste_poging_op: AwareDatetime
    opgegeven_op: AwareDatetime


class LeveringMislukt(CloudEvent[LeveringMisluktData]):
    """Alert: a webhook delivery to a partner failed for good after a day of retries. It stays
    visible and can be sent again."""

    KANAAL: ClassVar[Kanaal] = subjects.LEVERING_MISLUKT
    type: Literal["nl.jbplein.levering.mislukt.v1"] = "nl.jbplein.levering.mislukt.v1"


EVENTS: tuple[type[CloudEvent[Any]], ...] = (
    MeldingOntvangen,
    MeldingGeagendeerd,
    BesluitGenomen,
    RegisseurToegewezen,
    RegisseurWachtlijst,
    ContactGeregistreerd,
    RaadsonderzoekGevraagd,
    RaadsonderzoekGestart,
    TermijnOverschreden,
    DrangEvaluatieNodig,
    ZaakAfgesloten,
    BriefGereed,
    LeveringMislukt,
    PartnerBesluitGenomen,
    PartnerMeldingBesloten,
    PartnerRaadsonderzoekGevraagd,
)
"""Every v1 event, one per channel in :data:`jbplein_contracts.subjects.KANALEN`."""

EVENT_BY_TYPE: dict[str, type[CloudEvent[Any]]] = {e.KANAAL.type: e for e in EVENTS}
