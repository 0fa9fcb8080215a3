"""Toewijzing's API.

* JBRR (partner) and the plein's staff: the cases of a team or jeugdbeschermer with their
  deadlines; registering the casusregisseur's first contact (JBRR only); reassigning, evaluating
  and closing a case.
* The Raad (partner): the start of its own investigations.
* The plein: the waiting list, the open promises, the figures.
* Beheer: JBRR's gebiedsteams, jeugdbeschermers and absences.

Every read and write of a case is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    ContactGeregistreerd,
    ContactGeregistreerdData,
    RaadsonderzoekGestart,
    RaadsonderzoekGestartData,
)
from jbplein_contracts.waarden import Afsluitreden, Herverdelingsreden, TermijnSoort
from jbplein_kit.auth import STAF, Actor, OrganisatieSoort, Rol, requires
from jbplein_kit.invoer import Invoer
from jbplein_kit.problems import Problem
from jbplein_kit.service import ServiceDep, client_address
from jbplein_kit.uow import UnitOfWork

from . import cijfers, zaken
from .models import (
    AFGESLOTEN,
    WACHTLIJST,
    Historie,
    Jeugdbeschermer,
    Toewijzing,
    ZaakMelding,
)

router = APIRouter(prefix="/api/v1", tags=["toewijzing"])

EERSTE_DAG = date(2000, 1, 1)
LAATSTE_DAG = date(2999, 12, 31)
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]

Lezer = Annotated[Actor, Depends(requires(Rol.PARTNER, Rol.DIENST, *STAF))]
Partner = Annotated[Actor, Depends(requires(Rol.PARTNER))]
JbrrOfStaf = Annotated[Actor, Depends(requires(Rol.PARTNER, *STAF))]
Staf = Annotated[Actor, Depends(requires(*STAF, Rol.DIENST))]
Beheer = Annotated[Actor, Depends(requires(Rol.BEHEER))]

GEEN_ZAAK = Problem(404, "No case with this reference that you may see.")


def is_jbrr(actor: Actor) -> bool:
    return actor.heeft(Rol.PARTNER) and actor.soort is OrganisatieSoort.JBRR


def ziet_hele_zaak(actor: Actor) -> bool:
    """The plein, its services and JBRR see every case whole: all its meldingen, its history."""
    return actor.is_staf or actor.heeft(Rol.DIENST) or is_jbrr(actor)


def mag_lezen(actor: Actor, t: Toewijzing, zaak_ref: UUID | None = None) -> bool:
    """The plein, its services and JBRR see every case; the Raad its own investigations, by
    the melding it was asked about (``zaak_ref``, when the case is looked up by one): the
    other meldingen of the gezin's case came from other organisations; nobody else."""
    if ziet_hele_zaak(actor):
        return True
    return (
        actor.soort is OrganisatieSoort.RVDK
        and t.raadsonderzoek_start_uiterlijk is not None
        and t.raad_organisatie == actor.organisatie
        and t.raad_melding_id is not None
        and (zaak_ref is None or zaak_ref == t.raad_melding_id)
    )


def jbrr_of_staf(actor: Actor) -> None:
    if not (actor.is_staf or is_jbrr(actor)):
        raise Problem(403, "Only JBRR and the plein's staff may do this.")


# --- output --------------------------------------------------------------------------------


class RegisseurOut(BaseModel):
    code: str
    naam: str
    gebiedsteam: str
    telefoon: str | None
    email: str | None


class TermijnOut(BaseModel):
    soort: TermijnSoort
    uiterlijk: date
    status: Literal["open", "vandaag", "overschreden", "gehaald", "te_laat"]
    """``gehaald``/``te_laat``: done on time / done after the deadline."""
    gedaan_op: datetime | None = None


class HistorieOut(BaseModel):
    op: datetime
    gebeurtenis: str
    jeugdbeschermer: str | None
    vorige_jeugdbeschermer: str | None
    reden: str | None
    toelichting: str | None
    door: str


class ZaakOut(BaseModel):
    zaak_ref: UUID = Field(
        description="The pseudonymous case reference (the id of the melding that opened it)."
    )
    meldingen: list[UUID] = Field(
        default_factory=list,
        description="Later meldingen about the gezin that joined this case (one gezin, one "
        "case); the case is found by their ids too. On the case itself, not in lists.",
    )
    toewijzing_id: UUID
    besluit_id: UUID
    besluit_versie: int
    gezin_ref: UUID | None = Field(
        description="The gezin's pseudonymous reference; not for the Raad (it knows the case "
        "by the melding it was asked about, and nothing of the others)."
    )
    gemeente: str
    wijk: str | None
    aanpak: str
    urgentie: str
    taakaccent: str
    besluit_op: datetime
    status: Literal["wachtlijst", "actief", "afgesloten"]
    wachtlijst_reden: str | None
    wachtlijst_sinds: datetime | None
    continuiteit: bool
    jeugdbeschermer: str | None
    regisseur: RegisseurOut | None
    toegewezen_op: datetime | None
    contact_op: datetime | None
    raadsonderzoek_gestart_op: datetime | None
    evaluatie_nodig: bool
    evaluatie_uitkomst: str | None
    afsluitreden: str | None
    afgesloten_op: datetime | None
    termijnen: list[TermijnOut]
    historie: list[HistorieOut] | None = Field(
        default=None, description="On the case itself, not in lists."
    )


def termijnen(t: Toewijzing, vandaag: date) -> list[TermijnOut]:
    """The promises of a case with their state today."""

    def staat(
        soort: TermijnSoort, uiterlijk: date, gedaan: datetime | None, overschreden: bool
    ) -> TermijnOut:
        if gedaan is not None:
            status: Any = "gehaald" if zaken.binnen(gedaan, uiterlijk) else "te_laat"
        elif overschreden or vandaag > uiterlijk:
            status = "overschreden"
        elif vandaag == uiterlijk:
            status = "vandaag"
        else:
            status = "open"
        return TermijnOut(soort=soort, uiterlijk=uiterlijk, status=status, gedaan_op=gedaan)

    result = [
        staat(TermijnSoort.CONTACT, t.contact_uiterlijk, t.contact_op, t.contact_overschreden)
    ]
    if t.raadsonderzoek_start_uiterlijk is not None:
        result.append(
            staat(
                TermijnSoort.RAADSONDERZOEK_START,
                t.raadsonderzoek_start_uiterlijk,
                t.raadsonderzoek_gestart_op,
                t.raadsonderzoek_overschreden,
            )
        )
    if t.evaluatie_op is not None:
        result.append(staat(TermijnSoort.DRANG_EVALUATIE, t.evaluatie_op, t.geevalueerd_op, False))
    if t.maximum_op is not None:
        result.append(
            staat(
                TermijnSoort.DRANG_MAXIMUM,
                t.maximum_op,
                t.afgesloten_op,
                t.maximum_overschreden,
            )
        )
    return result


def zaak_out(
    t: Toewijzing,
    regisseur: Jeugdbeschermer | None,
    vandaag: date,
    historie: list[Historie] | None = None,
    meldingen: list[UUID] | None = None,
) -> ZaakOut:
    return ZaakOut(
        zaak_ref=t.melding_id,
        meldingen=meldingen or [],
        toewijzing_id=t.id,
        besluit_id=t.besluit_id,
        besluit_versie=t.besluit_versie,
        gezin_ref=t.gezin_ref,
        gemeente=t.gemeente,
        wijk=t.wijk,
        aanpak=t.aanpak,
        urgentie=t.urgentie,
        taakaccent=t.taakaccent,
        besluit_op=t.besluit_op,
        status=t.status,
        wachtlijst_reden=t.wachtlijst_reden,
        wachtlijst_sinds=t.wachtlijst_sinds,
        continuiteit=t.continuiteit,
        jeugdbeschermer=t.jeugdbeschermer,
        regisseur=RegisseurOut(
            code=regisseur.code,
            naam=regisseur.naam,
            gebiedsteam=regisseur.gebiedsteam,
            telefoon=regisseur.telefoon,
            email=regisseur.email,
        )
        if regisseur is not None
        else None,
        toegewezen_op=t.toegewezen_op,
        contact_op=t.contact_op,
        raadsonderzoek_gestart_op=t.raadsonderzoek_gestart_op,
        evaluatie_nodig=t.evaluatie_nodig,
        evaluatie_uitkomst=t.evaluatie_uitkomst,
        afsluitreden=t.afsluitreden,
        afgesloten_op=t.afgesloten_op,
        termijnen=termijnen(t, vandaag) if t.status != AFGESLOTEN else [],
        historie=[
            HistorieOut(
                op=h.op,
                gebeurtenis=h.gebeurtenis,
                jeugdbeschermer=h.jeugdbeschermer,
                vorige_jeugdbeschermer=h.vorige_jeugdbeschermer,
                reden=h.reden,
                toelichting=h.toelichting,
                door=h.door,
            )
            for h in historie
        ]
        if historie is not None
        else None,
    )


async def _regisseurs(uow: UnitOfWork, rows: list[Toewijzing]) -> dict[str, Jeugdbeschermer]:
    codes = {t.jeugdbeschermer for t in rows if t.jeugdbeschermer}
    if not codes:
        return {}
    return {
        jb.code: jb
        for jb in (
            await uow.session.scalars(
                select(Jeugdbeschermer).where(Jeugdbeschermer.code.in_(codes))
            )
        ).all()
    }


async def _zaak(
    uow: UnitOfWork, zaak_ref: UUID, actor: Actor, *, wijzigen: bool = False
) -> Toewijzing:
    """The case ``actor`` may see. ``wijzigen``: for a use case that checks and then changes
    it, read under the case lock (see :func:`zaken.zaak_om_te_wijzigen`)."""
    if wijzigen:
        t = await zaken.zaak_om_te_wijzigen(uow, zaak_ref)
    else:
        t = await zaken.zaak_van(uow, zaak_ref)
    if t is None or not mag_lezen(actor, t, zaak_ref):
        raise GEEN_ZAAK
    return t


async def _voor_de_raad(uow: UnitOfWork, t: Toewijzing, z: ZaakOut) -> ZaakOut:
    """The case as the Raad may see it: by the melding it was asked about, with that
    melding's besluit and the history since that melding joined; not the gezin's other
    meldingen (other organisations reported them), their besluiten or the gezin's reference."""
    assert t.raad_melding_id is not None
    if t.raad_melding_id == t.melding_id:
        return z.model_copy(update={"meldingen": [], "gezin_ref": None})
    gekoppeld = await uow.session.get(ZaakMelding, t.raad_melding_id)
    assert gekoppeld is not None
    return z.model_copy(
        update={
            "zaak_ref": gekoppeld.melding_id,
            "meldingen": [],
            "besluit_id": gekoppeld.besluit_id,
            "besluit_versie": gekoppeld.besluit_versie,
            "gezin_ref": None,
            "besluit_op": gekoppeld.gekoppeld_op,
            "historie": None
            if z.historie is None
            else [h for h in z.historie if h.op >= gekoppeld.gekoppeld_op],
        }
    )


async def _zaak_antwoord(uow: UnitOfWork, t: Toewijzing, actor: Actor) -> ZaakOut:
    regisseur = (
        await uow.session.get(Jeugdbeschermer, t.jeugdbeschermer) if t.jeugdbeschermer else None
    )
    historie = (
        await uow.session.scalars(
            select(Historie).where(Historie.toewijzing_id == t.id).order_by(Historie.id)
        )
    ).all()
    meldingen = [z.melding_id for z in await zaken.gekoppelde_meldingen(uow, t)]
    z = zaak_out(t, regisseur, werkdagen.lokale_dag(uow.now), list(historie), meldingen)
    return z if ziet_hele_zaak(actor) else await _voor_de_raad(uow, t, z)


# --- cases ---------------------------------------------------------------------------------


@router.get("/zaken", response_model=list[ZaakOut], summary="Cases, with their deadlines")
async def zaken_lezen(
    request: Request,
    service: ServiceDep,
    actor: Lezer,
    gebiedsteam: Annotated[Code | None, Query()] = None,
    jeugdbeschermer: Annotated[Code | None, Query()] = None,
    status: Literal["wachtlijst", "actief", "afgesloten"] | None = None,
    zaak_ref: UUID | None = None,
    gemeente: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> list[ZaakOut]:
    """JBRR: the cases of a team or a jeugdbeschermer; the Raad: its own investigations."""
    if not (actor.is_staf or actor.heeft(Rol.DIENST) or is_jbrr(actor)) and (
        actor.soort is not OrganisatieSoort.RVDK
    ):
        raise Problem(403, "Only the plein, JBRR and the Raad see cases.")
    async with service.unit_of_work() as uow:
        query = select(Toewijzing).order_by(Toewijzing.besluit_op.desc()).limit(1000)
        if jeugdbeschermer is not None:
            query = query.where(Toewijzing.jeugdbeschermer == jeugdbeschermer)
        if gebiedsteam is not None:
            query = query.where(
                Toewijzing.jeugdbeschermer.in_(
                    select(Jeugdbeschermer.code).where(Jeugdbeschermer.gebiedsteam == gebiedsteam)
                )
            )
        if status is not None:
            query = query.where(Toewijzing.status == status)
        if zaak_ref is not None:
            query = query.where(
                (Toewijzing.melding_id == zaak_ref)
                | Toewijzing.id.in_(
                    select(ZaakMelding.toewijzing_id).where(ZaakMelding.melding_id == zaak_ref)
                )
            )
        if gemeente is not None:
            query = query.where(Toewijzing.gemeente == gemeente)
        rows = [
            t for t in (await uow.session.scalars(query)).all() if mag_lezen(actor, t, zaak_ref)
        ]
        regisseurs = await _regisseurs(uow, rows)
        vandaag = werkdagen.lokale_dag(uow.now)
        result = []
        for t in rows:
            uow.audit(actor, "zaak.lezen", str(t.melding_id), client_address(request))
            z = zaak_out(t, regisseurs.get(t.jeugdbeschermer or ""), vandaag)
            result.append(z if ziet_hele_zaak(actor) else await _voor_de_raad(uow, t, z))
        return result


@router.get("/zaken/{zaak_ref}", response_model=ZaakOut, summary="One case, with its history")
async def zaak_lezen(
    zaak_ref: UUID, request: Request, service: ServiceDep, actor: Lezer
) -> ZaakOut:
    async with service.unit_of_work() as uow:
        t = await _zaak(uow, zaak_ref, actor)
        uow.audit(actor, "zaak.lezen", str(t.melding_id), client_address(request))
        return await _zaak_antwoord(uow, t, actor)


class ContactIn(Invoer):
    contact_op: AwareDatetime = Field(description="When the casusregisseur reached the gezin.")


@router.post(
    "/zaken/{zaak_ref}/contact",
    response_model=ZaakOut,
    status_code=201,
    summary="JBRR registers the casusregisseur's first contact with the gezin",
)
async def contact_registreren(
    zaak_ref: UUID, invoer: ContactIn, request: Request, service: ServiceDep, actor: Partner
) -> ZaakOut:
    if not is_jbrr(actor):
        raise Problem(403, "Only JBRR registers the casusregisseur's contact.")
    async with service.unit_of_work() as uow:
        t = await _zaak(uow, zaak_ref, actor, wijzigen=True)
        if t.status == AFGESLOTEN:
            raise Problem(409, "This case is closed.")
        if t.contact_op is not None:
            raise Problem(409, "The contact of this case is registered already.")
        binnen = await zaken.nagekomen(
            uow, t, TermijnSoort.CONTACT, invoer.contact_op, "contact_op", actor.id
        )
        uow.audit(actor, "zaak.contact_registreren", str(t.melding_id), client_address(request))
        uow.publish(
            ContactGeregistreerd.maak(
                ContactGeregistreerdData(
                    gemeente=t.gemeente,
                    toewijzing_id=t.id,
                    melding_id=t.melding_id,
                    contact_op=invoer.contact_op,
                    contact_uiterlijk=t.contact_uiterlijk,
                    binnen_termijn=binnen,
                ),
                bron=Bron.TOEWIJZING,
                tijd=uow.now,
                onderwerp=t.melding_id,
            )
        )
        return await _zaak_antwoord(uow, t, actor)


class RaadsonderzoekStartIn(Invoer):
    gestart_op: AwareDatetime = Field(description="When the Raad started its investigation.")


@router.post(
    "/zaken/{zaak_ref}/raadsonderzoek",
    response_model=ZaakOut,
    status_code=201,
    summary="The Raad registers the start of its investigation",
)
async def raadsonderzoek_gestart(
    zaak_ref: UUID,
    invoer: RaadsonderzoekStartIn,
    request: Request,
    service: ServiceDep,
    actor: Partner,
) -> ZaakOut:
    if actor.soort is not OrganisatieSoort.RVDK:
        raise Problem(403, "Only the Raad voor de Kinderbescherming registers its start.")
    async with service.unit_of_work() as uow:
        t = await _zaak(
            uow, zaak_ref, actor, wijzigen=True
        )  # 404 unless it is this Raad's investigation
        if t.raadsonderzoek_gestart_op is not None:
            raise Problem(409, "The start of this investigation is registered already.")
        assert t.raadsonderzoek_start_uiterlijk is not None
        binnen = await zaken.nagekomen(
            uow, t, TermijnSoort.RAADSONDERZOEK_START, invoer.gestart_op, "gestart_op", actor.id
        )
        uow.audit(
            actor, "zaak.raadsonderzoek_registreren", str(t.melding_id), client_address(request)
        )
        antwoord = await _zaak_antwoord(uow, t, actor)
        uow.publish(
            RaadsonderzoekGestart.maak(
                RaadsonderzoekGestartData(
                    gemeente=t.gemeente,
                    melding_id=antwoord.zaak_ref,  # the VTO's melding and besluit
                    besluit_id=antwoord.besluit_id,
                    gestart_op=invoer.gestart_op,
                    start_uiterlijk=t.raadsonderzoek_start_uiterlijk,
                    binnen_termijn=binnen,
                ),
                bron=Bron.TOEWIJZING,
                tijd=uow.now,
                onderwerp=antwoord.zaak_ref,
            )
        )
        return antwoord


class HerverdelingIn(Invoer):
    reden: Herverdelingsreden
    jeugdbeschermer: Code | None = Field(
        default=None, description="The new casusregisseur; none: the assignment rules choose."
    )
    toelichting: str | None = Field(
        default=None, max_length=2000, description="For JBRR and the plein only; never sent on."
    )


@router.post(
    "/zaken/{zaak_ref}/herverdeling",
    response_model=ZaakOut,
    summary="Give the gezin another casusregisseur (absence, conflict), with the reason",
)
async def herverdelen(
    zaak_ref: UUID, invoer: HerverdelingIn, request: Request, service: ServiceDep, actor: JbrrOfStaf
) -> ZaakOut:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        t = await _zaak(uow, zaak_ref, actor, wijzigen=True)
        await zaken.herverdeel(
            uow, t, invoer.reden, invoer.jeugdbeschermer, invoer.toelichting, actor.id
        )
        uow.audit(actor, "zaak.herverdelen", str(t.melding_id), client_address(request))
        return await _zaak_antwoord(uow, t, actor)


class EvaluatieIn(Invoer):
    uitkomst: Literal["voortzetten", "terug_naar_wijkteam", "gedwongen_kader"] = Field(
        description="Drang goes on (at most 6 months in all), or it ends: back to the "
        "wijkteam, or a gedwongen kader is sought."
    )


@router.post(
    "/zaken/{zaak_ref}/evaluatie",
    response_model=ZaakOut,
    summary="Record the evaluation of drang (due at 3 months)",
)
async def evalueren(
    zaak_ref: UUID, invoer: EvaluatieIn, request: Request, service: ServiceDep, actor: JbrrOfStaf
) -> ZaakOut:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        t = await _zaak(uow, zaak_ref, actor, wijzigen=True)
        if t.status == AFGESLOTEN:
            raise Problem(409, "This case is closed.")
        if t.evaluatie_op is None:
            raise Problem(409, "Only drang without a raadsonderzoek is evaluated.")
        t.evaluatie_uitkomst = invoer.uitkomst
        t.geevalueerd_op = uow.now
        t.evaluatie_nodig = False
        await uow.cancel_timer(zaken.timer_sleutel(TermijnSoort.DRANG_EVALUATIE, t.id))
        zaken.historie(uow, t, "geevalueerd", actor.id, reden=invoer.uitkomst)
        uow.audit(actor, "zaak.evalueren", str(t.melding_id), client_address(request))
        if invoer.uitkomst != "voortzetten":
            await zaken.sluit_zaak(uow, t, Afsluitreden(invoer.uitkomst), actor.id)
        return await _zaak_antwoord(uow, t, actor)


class AfsluitingIn(Invoer):
    reden: Literal["terug_naar_wijkteam", "gedwongen_kader", "afgesloten"]


@router.post(
    "/zaken/{zaak_ref}/afsluiting",
    response_model=ZaakOut,
    summary="Close a case with its reason; its timers stop",
)
async def afsluiten(
    zaak_ref: UUID, invoer: AfsluitingIn, request: Request, service: ServiceDep, actor: JbrrOfStaf
) -> ZaakOut:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        t = await _zaak(uow, zaak_ref, actor, wijzigen=True)
        await zaken.sluit_zaak(uow, t, Afsluitreden(invoer.reden), actor.id)
        uow.audit(actor, "zaak.afsluiten", str(t.melding_id), client_address(request))
        return await _zaak_antwoord(uow, t, actor)


# --- the plein's overview --------------------------------------------------------------------


@router.get("/wachtlijst", response_model=list[ZaakOut], summary="Cases waiting for a regisseur")
async def wachtlijst(request: Request, service: ServiceDep, actor: JbrrOfStaf) -> list[ZaakOut]:
    """The goal is an empty list. In the order room is handed out: spoed first, then the
    moment of the besluit."""
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        rows = list(
            (
                await uow.session.scalars(select(Toewijzing).where(Toewijzing.status == WACHTLIJST))
            ).all()
        )
        rows.sort(key=lambda t: zaken.als_zaak(t).volgorde())
        vandaag = werkdagen.lokale_dag(uow.now)
        for t in rows:
            uow.audit(actor, "wachtlijst.lezen", str(t.melding_id), client_address(request))
        return [zaak_out(t, None, vandaag) for t in rows]


class BelofteOut(BaseModel):
    zaak_ref: UUID
    gemeente: str
    jeugdbeschermer: str | None
    status_zaak: str
    termijn: TermijnOut


@router.get(
    "/termijnen", response_model=list[BelofteOut], summary="Open promises, the nearest first"
)
async def open_beloften(
    request: Request,
    service: ServiceDep,
    actor: JbrrOfStaf,
    soort: TermijnSoort | None = None,
    gebiedsteam: Annotated[Code | None, Query()] = None,
    jeugdbeschermer: Annotated[Code | None, Query()] = None,
) -> list[BelofteOut]:
    """Every promise not yet kept: contact within 5 werkdagen, the Raad's start within 5
    werkdagen, drang's evaluation at 3 months and its end at 6; overdue ones included."""
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        query = select(Toewijzing).where(Toewijzing.status != AFGESLOTEN)
        if jeugdbeschermer is not None:
            query = query.where(Toewijzing.jeugdbeschermer == jeugdbeschermer)
        if gebiedsteam is not None:
            query = query.where(
                Toewijzing.jeugdbeschermer.in_(
                    select(Jeugdbeschermer.code).where(Jeugdbeschermer.gebiedsteam == gebiedsteam)
                )
            )
        vandaag = werkdagen.lokale_dag(uow.now)
        result = []
        for t in (await uow.session.scalars(query)).all():
            open_ = [
                b
                for b in termijnen(t, vandaag)
                if b.gedaan_op is None and (soort is None or b.soort is soort)
            ]
            if open_:
                uow.audit(actor, "termijnen.lezen", str(t.melding_id), client_address(request))
            result += [
                BelofteOut(
                    zaak_ref=t.melding_id,
                    gemeente=t.gemeente,
                    jeugdbeschermer=t.jeugdbeschermer,
                    status_zaak=t.status,
                    termijn=b,
                )
                for b in open_
            ]
        result.sort(key=lambda b: (b.termijn.uiterlijk, b.termijn.soort.value, str(b.zaak_ref)))
        return result


@router.get(
    "/cijfers", response_model=cijfers.CijfersOut, summary="Figures: assignment and promises"
)
async def cijfers_lezen(
    service: ServiceDep,
    actor: Staf,
    van: Annotated[date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG)] = None,
    tot: Annotated[date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG)] = None,
    gemeente: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> cijfers.CijfersOut:
    """Per period (the besluit's day, ``van`` up to and not including ``tot``) and per
    municipality: how many cases, how many waited and how long, and the promises kept.
    Counts only, no cases: no audit entry."""
    async with service.unit_of_work() as uow:
        return await cijfers.bereken(uow, van, tot, gemeente)
