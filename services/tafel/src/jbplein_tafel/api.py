"""The tafel's API: sessions, the agenda, a melding at the table, besluiten, the deadline
board. For the plein's staff (and, read-only, the plein's own services)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_kit.auth import STAF, Actor, Rol, requires
from jbplein_kit.invoer import Invoer
from jbplein_kit.problems import Problem
from jbplein_kit.service import Service, ServiceDep, client_address

from . import agenda, besluiten, overzicht
from .besluiten import AanhoudingIn, BesluitIn, CorrectieIn
from .models import Besluit, Sessie, TafelMelding
from .settings import Settings

router = APIRouter(prefix="/api/v1", tags=["tafel"])

Staf = Annotated[Actor, Depends(requires(*STAF))]
Voorbereiding = Annotated[Actor, Depends(requires(Rol.ONDERSTEUNER, Rol.BEHEER))]
Tafel = Annotated[Actor, Depends(requires(Rol.ONDERSTEUNER, Rol.VOORZITTER))]
Voorzitter = Annotated[Actor, Depends(requires(Rol.VOORZITTER))]
EERSTE_DAG = date(2000, 1, 1)
LAATSTE_DAG = date(2999, 12, 31)
Dag = Annotated[date, Field(ge=EERSTE_DAG, le=LAATSTE_DAG)]


def instellingen(service: Service) -> Settings:
    settings = service.settings
    assert isinstance(settings, Settings)
    return settings


class SessieOut(BaseModel):
    id: UUID
    datum: date
    begin: str
    einde: str
    capaciteit: int
    extra: bool
    geannuleerd: bool
    annuleringsreden: str | None


class AgendaRegel(BaseModel):
    melding_id: UUID
    referentie: str | None
    gemeente: str
    spoed: bool
    bespreken_uiterlijk: date
    in_gevaar: bool
    termijn_overschreden: bool
    status: str
    aangehouden: bool
    aanpak: str | None


class SessieMetAgendaOut(SessieOut):
    agenda: list[AgendaRegel]


class BesluitOut(BaseModel):
    id: UUID
    melding_id: UUID
    versie: int
    sessie_id: UUID | None = Field(description="The session at which it was decided.")
    aanpak: str
    urgentie: str
    taakaccent: str
    casusregie: str
    jeugdbeschermingsteam: list[str]
    vto: bool
    aanwezigen: list[str]
    voorzitter: str
    genomen_op: str
    correctiereden: str | None
    notulen: str | None = Field(default=None, description="Only for the plein's staff.")


class AanhoudingOut(BaseModel):
    id: UUID
    melding_id: UUID
    reden: str
    op: str


class MeldingOut(BaseModel):
    id: UUID
    referentie: str | None
    gemeente: str
    status: str
    spoed: bool
    ontvangen_op: str
    bespreken_uiterlijk: date
    termijn_overschreden: bool
    sessie: SessieOut | None
    in_gevaar: bool
    besluiten: list[BesluitOut]
    aanhoudingen: list[AanhoudingOut]
    gezin: list[AgendaRegel]


class TermijnbordOut(BaseModel):
    overschreden: list[AgendaRegel]
    in_gevaar: list[AgendaRegel]
    vandaag: list[AgendaRegel]


class ExtraSessieIn(Invoer):
    datum: Dag
    begin: time = Field(default=time(10, 0), description="Local time (Europe/Amsterdam).")
    einde: time = Field(default=time(12, 0), description="Local time (Europe/Amsterdam).")
    capaciteit: int = Field(default=15, ge=1, le=200)

    @field_validator("begin", "einde")
    @classmethod
    def _lokale_tijd(cls, tijd: time) -> time:
        if tijd.tzinfo is not None:
            raise ValueError("give the local time (Europe/Amsterdam) without an offset")
        return tijd


class AnnuleringIn(Invoer):
    reden: str = Field(min_length=1, max_length=500)


class CapaciteitIn(Invoer):
    capaciteit: int = Field(ge=1, le=200)


def sessie_out(s: Sessie) -> SessieOut:
    return SessieOut(
        id=s.id,
        datum=s.datum,
        begin=s.begin.isoformat(),
        einde=s.einde.isoformat(),
        capaciteit=s.capaciteit,
        extra=s.extra,
        geannuleerd=s.geannuleerd,
        annuleringsreden=s.annuleringsreden,
    )


def regel_out(r: overzicht.Regel) -> AgendaRegel:
    m = r.melding
    return AgendaRegel(
        melding_id=m.id,
        referentie=m.referentie,
        gemeente=m.gemeente,
        spoed=m.spoed,
        bespreken_uiterlijk=m.bespreken_uiterlijk,
        in_gevaar=r.in_gevaar,
        termijn_overschreden=m.termijn_overschreden,
        status=m.status,
        aangehouden=r.aangehouden,
        aanpak=r.besluit.aanpak if r.besluit else None,
    )


def besluit_out(b: Besluit, met_notulen: bool) -> BesluitOut:
    return BesluitOut(
        id=b.id,
        melding_id=b.melding_id,
        versie=b.versie,
        sessie_id=b.sessie_id,
        aanpak=b.aanpak,
        urgentie=b.urgentie,
        taakaccent=b.taakaccent,
        casusregie=b.casusregie,
        jeugdbeschermingsteam=b.jeugdbeschermingsteam,
        vto=b.vto,
        aanwezigen=b.aanwezigen,
        voorzitter=b.voorzitter,
        genomen_op=b.genomen_op.isoformat(),
        correctiereden=b.correctiereden,
        notulen=b.notulen if met_notulen else None,
    )


async def _melding(service: Service, uow: Any, melding_id: UUID) -> TafelMelding:
    melding = await uow.session.get(TafelMelding, melding_id)
    if melding is None:
        raise Problem(404, "No melding with this id at the tafel.")
    assert isinstance(melding, TafelMelding)
    return melding


@router.get("/agenda", response_model=list[SessieMetAgendaOut], summary="The agenda of a day")
async def agenda_lezen(
    request: Request,
    service: ServiceDep,
    actor: Staf,
    datum: Annotated[date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG)] = None,
) -> list[SessieMetAgendaOut]:
    """The sessions of a day (today by default) and the meldingen on them, in the order the
    tafel discusses them: spoed first, then deadline, then arrival."""
    dag = datum or werkdagen.lokale_dag(service.clock.now())
    async with service.unit_of_work() as uow:
        sessies = await overzicht.agenda_van(uow, dag)
        for s in sessies:
            for r in s.regels:
                uow.audit(actor, "agenda.lezen", str(r.melding.id), client_address(request))
        return [
            SessieMetAgendaOut(
                **sessie_out(s.sessie).model_dump(), agenda=[regel_out(r) for r in s.regels]
            )
            for s in sessies
        ]


@router.get("/sessies", response_model=list[SessieOut], summary="Sessions in a period")
async def sessies_lezen(
    service: ServiceDep,
    actor: Staf,
    vanaf: Annotated[date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG)] = None,
    tot: Annotated[date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG)] = None,
) -> list[SessieOut]:
    begin = vanaf or werkdagen.lokale_dag(service.clock.now())
    async with service.unit_of_work() as uow:
        await agenda.zorg_voor_sessies(service, instellingen(service), uow)
        query = select(Sessie).where(Sessie.datum >= begin).order_by(Sessie.begin).limit(200)
        if tot is not None:
            query = query.where(Sessie.datum < tot)
        return [sessie_out(s) for s in (await uow.session.scalars(query)).all()]


@router.post("/sessies", status_code=201, response_model=SessieOut, summary="Add an extra session")
async def sessie_toevoegen(
    invoer: ExtraSessieIn, request: Request, service: ServiceDep, actor: Voorbereiding
) -> SessieOut:
    async with service.unit_of_work() as uow:
        sessie = await agenda.extra_sessie(
            service,
            instellingen(service),
            uow,
            invoer.datum,
            invoer.begin,
            invoer.einde,
            invoer.capaciteit,
            actor.id,
        )
        return sessie_out(sessie)


@router.post(
    "/sessies/{sessie_id}/annulering",
    response_model=SessieOut,
    summary="Cancel a session; its meldingen are planned again at once",
)
async def sessie_annuleren(
    sessie_id: UUID, invoer: AnnuleringIn, service: ServiceDep, actor: Voorbereiding
) -> SessieOut:
    async with service.unit_of_work() as uow:
        sessie = await agenda.annuleer_sessie(
            service, instellingen(service), uow, sessie_id, invoer.reden, actor.id
        )
        return sessie_out(sessie)


@router.patch("/sessies/{sessie_id}", response_model=SessieOut, summary="Change the capacity")
async def sessie_wijzigen(
    sessie_id: UUID, invoer: CapaciteitIn, service: ServiceDep, actor: Voorbereiding
) -> SessieOut:
    async with service.unit_of_work() as uow:
        sessie = await agenda.wijzig_capaciteit(
            service, instellingen(service), uow, sessie_id, invoer.capaciteit, actor.id
        )
        return sessie_out(sessie)


@router.get("/meldingen/{melding_id}", response_model=MeldingOut, summary="A melding at the tafel")
async def melding_lezen(
    melding_id: UUID,
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(*STAF, Rol.DIENST))],
) -> MeldingOut:
    async with service.unit_of_work() as uow:
        d = await overzicht.dossier(uow, melding_id)
        uow.audit(
            actor,
            "melding.lezen" if d else "melding.lezen.geweigerd",
            str(melding_id),
            client_address(request),
        )
        if d is None:
            await uow.session.commit()
            raise Problem(404, "No melding with this id at the tafel.")
        m = d.melding
        return MeldingOut(
            id=m.id,
            referentie=m.referentie,
            gemeente=m.gemeente,
            status=m.status,
            spoed=m.spoed,
            ontvangen_op=m.ontvangen_op.isoformat(),
            bespreken_uiterlijk=m.bespreken_uiterlijk,
            termijn_overschreden=m.termijn_overschreden,
            sessie=sessie_out(d.sessie) if d.sessie else None,
            in_gevaar=bool(d.item and d.item.in_gevaar and m.status == "open"),
            besluiten=[besluit_out(b, actor.is_staf) for b in d.besluiten],
            aanhoudingen=[
                AanhoudingOut(id=a.id, melding_id=a.melding_id, reden=a.reden, op=a.op.isoformat())
                for a in d.aanhoudingen
            ],
            gezin=[regel_out(r) for r in d.gezin],
        )


@router.post(
    "/meldingen/{melding_id}/besluiten",
    status_code=201,
    response_model=BesluitOut,
    summary="Record the besluit on a melding",
)
async def besluit_nemen(
    melding_id: UUID, invoer: BesluitIn, request: Request, service: ServiceDep, actor: Tafel
) -> BesluitOut:
    """The one final besluit. An ondersteuner records it in the name of the voorzitter who fixed
    it (``voorzitter``); a voorzitter may leave that out."""
    async with service.unit_of_work() as uow:
        melding = await _melding(service, uow, melding_id)
        besluit = await besluiten.neem_besluit(
            service, uow, melding, invoer, actor, client_address(request)
        )
        return besluit_out(besluit, True)


@router.post(
    "/meldingen/{melding_id}/correcties",
    status_code=201,
    response_model=BesluitOut,
    summary="Correct the besluit (a new version, with its reason)",
)
async def besluit_corrigeren(
    melding_id: UUID,
    invoer: CorrectieIn,
    request: Request,
    service: ServiceDep,
    actor: Voorzitter,
) -> BesluitOut:
    async with service.unit_of_work() as uow:
        melding = await _melding(service, uow, melding_id)
        besluit = await besluiten.corrigeer_besluit(
            service, uow, melding, invoer, actor, client_address(request)
        )
        return besluit_out(besluit, True)


@router.post(
    "/meldingen/{melding_id}/aanhoudingen",
    status_code=201,
    response_model=AanhoudingOut,
    summary="Defer a melding to a later session (its deadline keeps running)",
)
async def aanhouden(
    melding_id: UUID, invoer: AanhoudingIn, request: Request, service: ServiceDep, actor: Tafel
) -> AanhoudingOut:
    async with service.unit_of_work() as uow:
        melding = await _melding(service, uow, melding_id)
        a = await besluiten.houd_aan(
            service, instellingen(service), uow, melding, invoer, actor, client_address(request)
        )
        return AanhoudingOut(id=a.id, melding_id=a.melding_id, reden=a.reden, op=a.op.isoformat())


@router.get("/besluiten/{besluit_id}", response_model=BesluitOut, summary="One besluit version")
async def besluit_lezen(
    besluit_id: UUID,
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(*STAF, Rol.DIENST))],
) -> BesluitOut:
    """What ``dataref`` of ``besluit.genomen`` points at. The notulen only for staff."""
    async with service.unit_of_work() as uow:
        besluit = await uow.session.get(Besluit, besluit_id)
        if besluit is None:
            raise Problem(404, "No besluit with this id.")
        uow.audit(actor, "besluit.lezen", str(besluit.melding_id), client_address(request))
        return besluit_out(besluit, actor.is_staf)


@router.get("/termijnen", response_model=TermijnbordOut, summary="The deadline board")
async def termijnen(request: Request, service: ServiceDep, actor: Staf) -> TermijnbordOut:
    async with service.unit_of_work() as uow:
        bord = await overzicht.termijnbord(service, uow)
        for regel in [*bord.overschreden, *bord.in_gevaar, *bord.vandaag]:
            uow.audit(actor, "termijnen.lezen", str(regel.melding.id), client_address(request))
        return TermijnbordOut(
            overschreden=[regel_out(r) for r in bord.overschreden],
            in_gevaar=[regel_out(r) for r in bord.in_gevaar],
            vandaag=[regel_out(r) for r in bord.vandaag],
        )
