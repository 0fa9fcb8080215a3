"""Notificatie's API.

* The plein's staff: the letters (list, one letter, its PDF, marking it posted).
* Partners: the details behind a partner event's ``dataref``, for the organisations involved
  in the case only, and each only what its role needs.
* Beheer (and a partner for its own): webhook subscriptions and their deliveries, with every
  attempt; a failed delivery can be sent again.

Every read of a letter or a case is audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AnyHttpUrl, BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import undefer

from jbplein_contracts import werkdagen
from jbplein_kit.auth import STAF, Actor, OrganisatieSoort, Rol, requires
from jbplein_kit.dienst import DienstFout
from jbplein_kit.invoer import Invoer
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import Service, ServiceDep, client_address
from jbplein_kit.uow import UnitOfWork

from . import doelen, partners
from .models import (
    ADRES_ONVOLLEDIG,
    GEREED,
    INGETROKKEN,
    MISLUKT,
    TE_BEZORGEN,
    VERZONDEN,
    Abonnement,
    Besluit,
    Brief,
    Levering,
    Poging,
)
from .settings import Settings
from .vervanging import brieven_lock

router = APIRouter(prefix="/api/v1", tags=["notificatie"])

Staf = Annotated[Actor, Depends(requires(*STAF))]
Verzending = Annotated[Actor, Depends(requires(Rol.ONDERSTEUNER, Rol.BEHEER))]
Partner = Annotated[Actor, Depends(requires(Rol.PARTNER, *STAF))]
Beheer = Annotated[Actor, Depends(requires(Rol.BEHEER))]
BeheerOfPartner = Annotated[Actor, Depends(requires(Rol.BEHEER, Rol.PARTNER))]


def instellingen(service: Service) -> Settings:
    settings = service.settings
    assert isinstance(settings, Settings)
    return settings


# --- letters -------------------------------------------------------------------------------


BriefStatus = Literal[
    "wacht_op_regisseur", "te_maken", "adres_onvolledig", "gereed", "verzonden", "ingetrokken"
]


class BriefOut(BaseModel):
    id: UUID
    besluit_id: UUID
    besluit_versie: int | None
    melding_id: UUID
    referentie: str | None
    gemeente: str
    variant: str
    status: BriefStatus = Field(
        description=(
            "adres_onvolledig: the address lacks a street or town (see adres_ontbreekt), the "
            "letter waits; ingetrokken: replaced by a newer letter before it was posted."
        )
    )
    regisseur_ref: str | None
    zonder_regisseur_reden: str | None = Field(
        description="Why the letter does not name the casusregisseur, when it should."
    )
    pogingen: int
    laatste_fout: str | None = Field(description="Why the letter could not be made yet.")
    aangemaakt_op: datetime
    gereed_op: datetime | None
    verzonden_op: datetime | None
    verzonden_door: str | None
    adres_ontbreekt: list[Literal["straat", "woonplaats"]] = Field(
        description="What the address lacks while the letter is adres_onvolledig."
    )
    vervangt_brief_id: UUID | None = Field(
        description="The posted letter this one replaces; the letter says so, with its date."
    )
    vervangt_verzonden_op: datetime | None
    vervangen_door: UUID | None = Field(description="The newer letter that replaces this one.")
    ingetrokken_op: datetime | None
    ingetrokken_reden: str | None


def brief_out(b: Brief) -> BriefOut:
    return BriefOut(
        id=b.id,
        besluit_id=b.besluit_id,
        besluit_versie=b.besluit_versie,
        melding_id=b.melding_id,
        referentie=b.referentie,
        gemeente=b.gemeente,
        variant=b.variant,
        status=b.status,
        regisseur_ref=b.regisseur_ref,
        zonder_regisseur_reden=b.zonder_regisseur_reden,
        pogingen=b.pogingen,
        laatste_fout=b.laatste_fout,
        aangemaakt_op=b.aangemaakt_op,
        gereed_op=b.gereed_op,
        verzonden_op=b.verzonden_op,
        verzonden_door=b.verzonden_door,
        adres_ontbreekt=b.adres_ontbreekt.split(", ") if b.adres_ontbreekt else [],
        vervangt_brief_id=b.vervangt_brief_id,
        vervangt_verzonden_op=b.vervangt_verzonden_op,
        vervangen_door=b.vervangen_door,
        ingetrokken_op=b.ingetrokken_op,
        ingetrokken_reden=b.ingetrokken_reden,
    )


async def lijst_brieven(
    uow: UnitOfWork, melding_id: UUID | None, status: str | None
) -> list[Brief]:
    query = select(Brief).order_by(Brief.aangemaakt_op.desc()).limit(500)
    if melding_id is not None:
        query = query.where(Brief.melding_id == melding_id)
    if status is not None:
        query = query.where(Brief.status == status)
    return list((await uow.session.scalars(query)).all())


@router.get("/brieven", response_model=list[BriefOut], summary="Letters, the newest first")
async def brieven(
    request: Request,
    service: ServiceDep,
    actor: Staf,
    melding_id: UUID | None = None,
    status: BriefStatus | None = None,
) -> list[BriefOut]:
    async with service.unit_of_work() as uow:
        rows = await lijst_brieven(uow, melding_id, status)
        for row in rows:
            uow.audit(actor, "brief.lezen", str(row.melding_id), client_address(request))
        return [brief_out(r) for r in rows]


async def brief_van(uow: UnitOfWork, brief_id: UUID, met_pdf: bool = False) -> Brief:
    query = select(Brief).where(Brief.id == brief_id)
    if met_pdf:
        query = query.options(undefer(Brief.pdf))
    brief = await uow.session.scalar(query)
    if brief is None:
        raise Problem(404, "No letter with this id.")
    return brief


@router.get("/brieven/{brief_id}", response_model=BriefOut, summary="One letter")
async def brief_lezen(
    brief_id: UUID, request: Request, service: ServiceDep, actor: Staf
) -> BriefOut:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id)
        uow.audit(actor, "brief.lezen", str(brief.melding_id), client_address(request))
        return brief_out(brief)


@router.get(
    "/brieven/{brief_id}/pdf",
    summary="The letter as PDF, to print and send",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def brief_pdf(brief_id: UUID, request: Request, service: ServiceDep, actor: Staf) -> Response:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id, met_pdf=True)
        if brief.pdf is None:
            raise Problem(409, "This letter is not made yet.")
        uow.audit(actor, "brief.downloaden", str(brief.melding_id), client_address(request))
        pdf = brief.pdf
        naam = f"brief-{brief.referentie or brief.id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{naam}"',
            "Cache-Control": "no-store",
        },
    )


async def markeer_verzonden(uow: UnitOfWork, brief: Brief, actor: Actor, adres: str | None) -> None:
    # Under the case's letter lock, read again: a new besluit may be withdrawing it right now.
    await uow.lock(brieven_lock(brief.melding_id))
    await uow.session.refresh(brief)
    if brief.status == VERZONDEN:
        raise Problem(409, "This letter is marked posted already.")
    if brief.status == INGETROKKEN:
        raise Problem(
            409, "This letter was withdrawn: a newer letter replaces it. Post that one instead."
        )
    if brief.status == ADRES_ONVOLLEDIG:
        raise Problem(409, "The gezin's address is incomplete; this letter cannot be posted.")
    if brief.status != GEREED:
        raise Problem(409, "Only a letter that is made can be marked posted.")
    brief.status = VERZONDEN
    brief.verzonden_op = uow.now
    brief.verzonden_door = actor.id
    uow.audit(actor, "brief.verzonden", str(brief.melding_id), adres)


@router.post(
    "/brieven/{brief_id}/verzending",
    response_model=BriefOut,
    summary="Mark the letter posted (gereed → verzonden)",
)
async def brief_verzonden(
    brief_id: UUID, request: Request, service: ServiceDep, actor: Verzending
) -> BriefOut:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id)
        await markeer_verzonden(uow, brief, actor, client_address(request))
        return brief_out(brief)


# --- the details behind a partner event ------------------------------------------------------


class RegisseurOut(BaseModel):
    naam: str
    telefoon: str | None
    email: str | None


class PartnerzaakOut(BaseModel):
    """What an organisation involved in the case may know. The gezin's details only for the
    Raad it asked to investigate (it needs them for its investigation)."""

    zaak_ref: UUID
    gemeente: str
    aanpak: str
    besluit_versie: int
    besluit_datum: date
    casusregie: str
    jeugdbeschermingsteam: list[str]
    contact_uiterlijk: date | None
    raadsonderzoek_start_uiterlijk: date | None
    raad: str | None = Field(description="The Raad the verzoek tot onderzoek went to.")
    casusregisseur: RegisseurOut | None = Field(
        description="For the organisations in the jeugdbeschermingsteam and the melder."
    )
    gezin: dict[str, Any] | None = Field(
        default=None, description="Only for the Raad it asked to investigate."
    )


def betrokken(actor: Actor, besluit: Besluit) -> bool:
    return actor.organisatie in {
        besluit.melder_organisatie,
        besluit.casusregie,
        besluit.raad_organisatie,
        *besluit.jeugdbeschermingsteam,
    }


@router.get(
    "/partnerzaken/{zaak_ref}",
    response_model=PartnerzaakOut,
    summary="The details behind a partner event (dataref), for the organisations involved",
)
async def partnerzaak(
    zaak_ref: UUID, request: Request, service: ServiceDep, actor: Partner
) -> PartnerzaakOut:
    settings = instellingen(service)
    async with service.unit_of_work() as uow:
        besluit = await uow.session.scalar(
            select(Besluit)
            .where(Besluit.melding_id == zaak_ref)
            .order_by(Besluit.versie.desc())
            .limit(1)
        )
        if besluit is None or not (actor.is_staf or betrokken(actor, besluit)):
            uow.audit(actor, "partnerzaak.geweigerd", str(zaak_ref), client_address(request))
            await uow.session.commit()
            raise Problem(404, "No case with this reference for your organisation.")
        uow.audit(actor, "partnerzaak.lezen", str(zaak_ref), client_address(request))
    regisseur = None
    if besluit.aanpak != "vrijwillig" and settings.toewijzing_url:
        zaak = await service.diensten.haal_op("toewijzing", f"/api/v1/zaken/{zaak_ref}")
        if zaak and zaak.get("regisseur"):
            r = zaak["regisseur"]
            regisseur = RegisseurOut(
                naam=r["naam"], telefoon=r.get("telefoon"), email=r.get("email")
            )
    gezin = None
    is_raad = actor.soort is OrganisatieSoort.RVDK and actor.organisatie == besluit.raad_organisatie
    if is_raad:
        if not settings.intake_url:
            raise Problem(503, "The gezin's details cannot be fetched now.")
        try:
            melding = await service.diensten.haal("intake", f"/api/v1/meldingen/{zaak_ref}")
        except DienstFout as fout:
            raise Problem(
                503, "The gezin's details cannot be fetched now.", headers={"Retry-After": "30"}
            ) from fout
        inhoud = melding["melding"]
        gezin = {"gezin": inhoud["gezin"], "zorgen": inhoud["zorgen"]}
    return PartnerzaakOut(
        zaak_ref=zaak_ref,
        gemeente=besluit.gemeente,
        aanpak=besluit.aanpak,
        besluit_versie=besluit.versie,
        besluit_datum=werkdagen.lokale_dag(besluit.genomen_op),
        casusregie=besluit.casusregie,
        jeugdbeschermingsteam=besluit.jeugdbeschermingsteam,
        contact_uiterlijk=besluit.contact_uiterlijk,
        raadsonderzoek_start_uiterlijk=besluit.raadsonderzoek_start_uiterlijk,
        raad=besluit.raad_organisatie,
        casusregisseur=regisseur if (actor.is_staf or betrokken(actor, besluit)) else None,
        gezin=gezin,
    )


# --- webhook subscriptions -------------------------------------------------------------------


class AbonnementIn(Invoer):
    organisatie: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    omschrijving: str = Field(min_length=1, max_length=200)
    url: AnyHttpUrl = Field(description="The callback; it receives a POST per event.")
    token: str = Field(
        min_length=16,
        max_length=500,
        pattern=r"^[\x21-\x7e]+$",
        description="Sent as 'Authorization: Bearer <token>'; never shown again.",
    )
    event_types: list[partners.PartnerType] = Field(min_length=1, max_length=20)
    gemeenten: list[str] = Field(min_length=1, max_length=50)

    @field_validator("url")
    @classmethod
    def _geen_gebruiker_in_url(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.username or url.password or len(str(url)) > 2000:
            raise ValueError("a callback URL carries no credentials and is at most 2000 long")
        return url


class AbonnementOut(BaseModel):
    id: UUID
    organisatie: str
    omschrijving: str
    url: str
    event_types: list[partners.PartnerType]
    gemeenten: list[str]
    actief: bool
    aangemaakt_op: datetime


def abonnement_out(a: Abonnement) -> AbonnementOut:
    return AbonnementOut(
        id=a.id,
        organisatie=a.organisatie,
        omschrijving=a.omschrijving,
        url=a.url,
        event_types=a.event_types,
        gemeenten=a.gemeenten,
        actief=a.actief,
        aangemaakt_op=a.aangemaakt_op,
    )


def _controleer(service: Service, invoer: AbonnementIn) -> None:
    problemen = []
    if invoer.organisatie not in service.accounts.organisaties:
        problemen.append(invalid_param("organisatie", "is not a known organisation", "unknown"))
    for i, t in enumerate(invoer.event_types):
        if t not in partners.PARTNER_TYPES:
            problemen.append(
                invalid_param(f"event_types[{i}]", "is not a partner event type", "unknown")
            )
    for i, g in enumerate(invoer.gemeenten):
        if g not in service.gemeenten:
            problemen.append(
                invalid_param(f"gemeenten[{i}]", "is not an onboarded municipality", "unknown")
            )
    if instellingen(service).webhook_alleen_https and urlsplit(str(invoer.url)).scheme != "https":
        problemen.append(invalid_param("url", "must be https", "invalid"))
    if problemen:
        raise Problem(400, "The subscription does not fit.", invalid_params=problemen)


async def _controleer_doel(invoer: AbonnementIn) -> None:
    """The callback must be a public address (after resolving its name): a 422 naming the
    field otherwise. Checked again before every delivery (:mod:`.doelen`)."""
    url = invoer.url
    poort = url.port or (443 if url.scheme == "https" else 80)
    try:
        await doelen.controleer(doelen.host(url.host or ""), poort, interne_toegestaan=False)
    except doelen.DoelGeweigerd as fout:
        raise Problem(
            422,
            "The callback is not a public address.",
            invalid_params=[invalid_param("url", fout.reden, "forbidden_target")],
        ) from fout


@router.post(
    "/abonnementen",
    response_model=AbonnementOut,
    status_code=201,
    summary="Subscribe a partner's endpoint to partner events (webhook)",
)
async def abonnement_aanmaken(
    invoer: AbonnementIn, service: ServiceDep, actor: Beheer, response: Response
) -> AbonnementOut:
    _controleer(service, invoer)
    if not instellingen(service).webhook_interne_doelen:
        await _controleer_doel(invoer)
    async with service.unit_of_work() as uow:
        abonnement = Abonnement(
            id=uuid4(),
            organisatie=invoer.organisatie,
            omschrijving=invoer.omschrijving,
            url=str(invoer.url),
            token=invoer.token,
            event_types=sorted(set(invoer.event_types)),
            gemeenten=sorted(set(invoer.gemeenten)),
            actief=True,
            aangemaakt_op=uow.now,
            aangemaakt_door=actor.id,
        )
        uow.session.add(abonnement)
    response.headers["Location"] = f"/api/v1/abonnementen/{abonnement.id}"
    return abonnement_out(abonnement)


def _eigen(actor: Actor, abonnement: Abonnement | None) -> Abonnement:
    if abonnement is None or not (
        actor.heeft(Rol.BEHEER) or abonnement.organisatie == actor.organisatie
    ):
        raise Problem(404, "No subscription with this id for your organisation.")
    return abonnement


@router.get("/abonnementen", response_model=list[AbonnementOut], summary="Subscriptions")
async def abonnementen(service: ServiceDep, actor: BeheerOfPartner) -> list[AbonnementOut]:
    """Beheer sees every subscription, a partner its own."""
    async with service.unit_of_work() as uow:
        query = select(Abonnement).order_by(Abonnement.aangemaakt_op)
        if not actor.heeft(Rol.BEHEER):
            query = query.where(Abonnement.organisatie == actor.organisatie)
        return [abonnement_out(a) for a in (await uow.session.scalars(query)).all()]


@router.get("/abonnementen/{abonnement_id}", response_model=AbonnementOut)
async def abonnement_lezen(
    abonnement_id: UUID, service: ServiceDep, actor: BeheerOfPartner
) -> AbonnementOut:
    async with service.unit_of_work() as uow:
        return abonnement_out(_eigen(actor, await uow.session.get(Abonnement, abonnement_id)))


class AbonnementWijziging(Invoer):
    actief: bool


@router.patch(
    "/abonnementen/{abonnement_id}",
    response_model=AbonnementOut,
    summary="Switch a subscription off or on again",
)
async def abonnement_wijzigen(
    abonnement_id: UUID, invoer: AbonnementWijziging, service: ServiceDep, actor: Beheer
) -> AbonnementOut:
    async with service.unit_of_work() as uow:
        abonnement = _eigen(actor, await uow.session.get(Abonnement, abonnement_id))
        abonnement.actief = invoer.actief
        return abonnement_out(abonnement)


# --- deliveries ----------------------------------------------------------------------------


class PogingOut(BaseModel):
    nummer: int
    op: datetime
    http_status: int | None
    fout: str | None
    duur_ms: int
    volgende_poging_op: datetime | None


class LeveringOut(BaseModel):
    id: UUID
    abonnement_id: UUID
    organisatie: str
    event_id: UUID
    event_type: partners.PartnerType
    gemeente: str
    status: Literal["te_bezorgen", "bezorgd", "mislukt"]
    pogingen: int
    aangemaakt_op: datetime
    volgende_poging_op: datetime | None
    opgeven_na: datetime
    bezorgd_op: datetime | None
    opgegeven_op: datetime | None
    laatste_status: int | None
    laatste_fout: str | None
    log: list[PogingOut] | None = Field(default=None, description="Every attempt (one delivery).")


def levering_out(
    levering: Levering, abonnement: Abonnement, pogingen: list[Poging] | None = None
) -> LeveringOut:
    return LeveringOut(
        id=levering.id,
        abonnement_id=levering.abonnement_id,
        organisatie=abonnement.organisatie,
        event_id=levering.event_id,
        event_type=levering.event_type,
        gemeente=levering.gemeente,
        status=levering.status,
        pogingen=levering.pogingen,
        aangemaakt_op=levering.aangemaakt_op,
        volgende_poging_op=levering.volgende_poging_op,
        opgeven_na=levering.opgeven_na,
        bezorgd_op=levering.bezorgd_op,
        opgegeven_op=levering.opgegeven_op,
        laatste_status=levering.laatste_status,
        laatste_fout=levering.laatste_fout,
        log=[
            PogingOut(
                nummer=p.nummer,
                op=p.op,
                http_status=p.http_status,
                fout=p.fout,
                duur_ms=p.duur_ms,
                volgende_poging_op=p.volgende_poging_op,
            )
            for p in pogingen
        ]
        if pogingen is not None
        else None,
    )


async def lijst_leveringen(
    uow: UnitOfWork,
    actor: Actor,
    status: str | None = None,
    abonnement_id: UUID | None = None,
) -> list[tuple[Levering, Abonnement]]:
    query = (
        select(Levering, Abonnement)
        .join(Abonnement, Abonnement.id == Levering.abonnement_id)
        .order_by(Levering.aangemaakt_op.desc())
        .limit(500)
    )
    if not actor.heeft(Rol.BEHEER, Rol.ONDERSTEUNER):
        query = query.where(Abonnement.organisatie == actor.organisatie)
    if status is not None:
        query = query.where(Levering.status == status)
    if abonnement_id is not None:
        query = query.where(Levering.abonnement_id == abonnement_id)
    return [(levering, abonnement) for levering, abonnement in (await uow.session.execute(query))]


Lezer = Annotated[Actor, Depends(requires(Rol.BEHEER, Rol.ONDERSTEUNER, Rol.PARTNER))]


@router.get("/leveringen", response_model=list[LeveringOut], summary="Webhook deliveries")
async def leveringen(
    service: ServiceDep,
    actor: Lezer,
    status: Literal["te_bezorgen", "bezorgd", "mislukt"] | None = None,
    abonnement_id: UUID | None = None,
) -> list[LeveringOut]:
    """The plein sees every delivery (``status=mislukt``: the ones that need attention); a
    partner its own."""
    async with service.unit_of_work() as uow:
        rows = await lijst_leveringen(uow, actor, status, abonnement_id)
        return [levering_out(levering, abonnement) for levering, abonnement in rows]


async def levering_van(
    uow: UnitOfWork, actor: Actor, levering_id: UUID
) -> tuple[Levering, Abonnement]:
    levering = await uow.session.get(Levering, levering_id)
    abonnement = await uow.session.get(Abonnement, levering.abonnement_id) if levering else None
    if (
        levering is None
        or abonnement is None
        or not (
            actor.heeft(Rol.BEHEER, Rol.ONDERSTEUNER) or abonnement.organisatie == actor.organisatie
        )
    ):
        raise Problem(404, "No delivery with this id for your organisation.")
    return levering, abonnement


@router.get(
    "/leveringen/{levering_id}", response_model=LeveringOut, summary="A delivery and its attempts"
)
async def levering_lezen(levering_id: UUID, service: ServiceDep, actor: Lezer) -> LeveringOut:
    async with service.unit_of_work() as uow:
        levering, abonnement = await levering_van(uow, actor, levering_id)
        pogingen = (
            await uow.session.scalars(
                select(Poging).where(Poging.levering_id == levering.id).order_by(Poging.id)
            )
        ).all()
        return levering_out(levering, abonnement, list(pogingen))


async def opnieuw_versturen(uow: UnitOfWork, levering: Levering, venster: timedelta) -> None:
    if levering.status != MISLUKT:
        raise Problem(409, "Only a delivery that failed can be sent again.")
    levering.status = TE_BEZORGEN
    levering.volgende_poging_op = uow.now
    levering.opgeven_na = uow.now + venster
    levering.opgegeven_op = None


@router.post(
    "/leveringen/{levering_id}/opnieuw",
    response_model=LeveringOut,
    summary="Send a failed delivery again (another day of attempts)",
)
async def levering_opnieuw(
    levering_id: UUID,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.BEHEER, Rol.ONDERSTEUNER, Rol.PARTNER))],
) -> LeveringOut:
    venster = timedelta(seconds=instellingen(service).webhook_opgeven_na_seconden)
    async with service.unit_of_work() as uow:
        levering, abonnement = await levering_van(uow, actor, levering_id)
        if not abonnement.actief:
            raise Problem(409, "The subscription is switched off; switch it on first.")
        await opnieuw_versturen(uow, levering, venster)
        return levering_out(levering, abonnement)
