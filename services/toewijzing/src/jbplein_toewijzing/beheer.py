"""Toewijzing's admin API (role beheer): JBRR's gebiedsteams, jeugdbeschermers and their
absences. JBRR and the plein's staff may read them. Every change that could free room hands it to
the waiting list at once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_kit.auth import STAF, Actor, Rol, requires
from jbplein_kit.invoer import Invoer
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import ServiceDep
from jbplein_kit.uow import UnitOfWork

from . import referentie, zaken
from .api import Code, jbrr_of_staf
from .models import Afwezigheid, Gebiedsteam, Jeugdbeschermer
from .referentie import AfwezigheidIn, Dag, JeugdbeschermerIn, Referentie, TeamIn

router = APIRouter(prefix="/api/v1", tags=["beheer"])

JbrrOfStaf = Annotated[Actor, Depends(requires(Rol.PARTNER, *STAF))]
Beheer = Annotated[Actor, Depends(requires(Rol.BEHEER))]


class TeamOut(TeamIn):
    code: str


class JeugdbeschermerOut(JeugdbeschermerIn):
    code: str
    caseload: int = Field(description="Gezinnen with an active case now.")
    afwezig: bool = Field(description="Absent today.")


class AfwezigheidOut(BaseModel):
    id: UUID
    jeugdbeschermer: str
    van: date
    tot_en_met: date | None


class AfwezigheidWijziging(Invoer):
    tot_en_met: Dag | None = Field(description="The new last day away (e.g. yesterday: back).")


def team_out(t: Gebiedsteam) -> TeamOut:
    return TeamOut(code=t.code, naam=t.naam, gemeenten=t.gemeenten, wijken=t.wijken)


@router.get("/gebiedsteams", response_model=list[TeamOut], summary="JBRR's gebiedsteams")
async def teams_lezen(service: ServiceDep, actor: JbrrOfStaf) -> list[TeamOut]:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(Gebiedsteam).order_by(Gebiedsteam.code))).all()
        return [team_out(t) for t in rows]


@router.put(
    "/gebiedsteams/{code}",
    response_model=TeamOut,
    summary="Add or change a gebiedsteam",
    responses={201: {"model": TeamOut, "description": "Added"}},
)
async def team_opslaan(
    code: Code, invoer: TeamIn, service: ServiceDep, actor: Beheer, response: Response
) -> TeamOut:
    onbekend = [
        invalid_param(f"gemeenten[{i}]", "is not an onboarded municipality", "unknown")
        for i, g in enumerate(invoer.gemeenten)
        if g not in service.gemeenten
    ]
    if onbekend:
        raise Problem(
            400, "A gebiedsteam covers onboarded municipalities.", invalid_params=onbekend
        )
    async with service.unit_of_work() as uow:
        bestaand = await uow.session.get(Gebiedsteam, code)
        team = referentie.pas_team_toe(bestaand, code, invoer)
        uow.session.add(team)
        await uow.session.flush()
        await zaken.verwerk_wachtlijst(uow, actor.id)  # a wider area may free a waiting case
        response.status_code = 200 if bestaand else 201
        return team_out(team)


async def _jeugdbeschermer_out(uow: UnitOfWork, jb: Jeugdbeschermer) -> JeugdbeschermerOut:
    kandidaat = next(k for k in await zaken.kandidaten(uow) if k.code == jb.code)
    afwezig = jb.code in await zaken.afwezig_op(uow, werkdagen.lokale_dag(uow.now))
    return JeugdbeschermerOut(
        code=jb.code,
        naam=jb.naam,
        gebiedsteam=jb.gebiedsteam,
        taakaccent=jb.taakaccent,
        max_caseload=jb.max_caseload,
        telefoon=jb.telefoon,
        email=jb.email,
        in_dienst=jb.in_dienst,
        caseload=kandidaat.caseload,
        afwezig=afwezig,
    )


@router.get(
    "/jeugdbeschermers",
    response_model=list[JeugdbeschermerOut],
    summary="JBRR's jeugdbeschermers, with their caseload today",
)
async def jeugdbeschermers_lezen(
    service: ServiceDep, actor: JbrrOfStaf, gebiedsteam: Annotated[Code | None, Query()] = None
) -> list[JeugdbeschermerOut]:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        kandidaten = {k.code: k for k in await zaken.kandidaten(uow)}
        afwezig = await zaken.afwezig_op(uow, werkdagen.lokale_dag(uow.now))
        query = select(Jeugdbeschermer).order_by(Jeugdbeschermer.code)
        if gebiedsteam is not None:
            query = query.where(Jeugdbeschermer.gebiedsteam == gebiedsteam)
        return [
            JeugdbeschermerOut(
                code=jb.code,
                naam=jb.naam,
                gebiedsteam=jb.gebiedsteam,
                taakaccent=jb.taakaccent,
                max_caseload=jb.max_caseload,
                telefoon=jb.telefoon,
                email=jb.email,
                in_dienst=jb.in_dienst,
                caseload=kandidaten[jb.code].caseload,
                afwezig=jb.code in afwezig,
            )
            for jb in (await uow.session.scalars(query)).all()
        ]


@router.put(
    "/jeugdbeschermers/{code}",
    response_model=JeugdbeschermerOut,
    summary="Add or change a jeugdbeschermer",
    responses={201: {"model": JeugdbeschermerOut, "description": "Added"}},
)
async def jeugdbeschermer_opslaan(
    code: Code,
    invoer: JeugdbeschermerIn,
    service: ServiceDep,
    actor: Beheer,
    response: Response,
) -> JeugdbeschermerOut:
    """A lower maximum never takes cases away (the caseload may stay above it until cases
    close); a higher one, or a new jeugdbeschermer, hands room to the waiting list at once."""
    async with service.unit_of_work() as uow:
        if await uow.session.get(Gebiedsteam, invoer.gebiedsteam) is None:
            raise Problem(
                400,
                "Unknown gebiedsteam.",
                invalid_params=[invalid_param("gebiedsteam", "does not exist", "unknown")],
            )
        bestaand = await uow.session.get(Jeugdbeschermer, code)
        jb = referentie.pas_jeugdbeschermer_toe(bestaand, code, invoer)
        uow.session.add(jb)
        await uow.session.flush()
        await zaken.verwerk_wachtlijst(uow, actor.id)
        response.status_code = 200 if bestaand else 201
        return await _jeugdbeschermer_out(uow, jb)


def afwezigheid_out(a: Afwezigheid) -> AfwezigheidOut:
    return AfwezigheidOut(
        id=a.id, jeugdbeschermer=a.jeugdbeschermer, van=a.van, tot_en_met=a.tot_en_met
    )


@router.get(
    "/jeugdbeschermers/{code}/afwezigheden",
    response_model=list[AfwezigheidOut],
    summary="A jeugdbeschermer's absences",
)
async def afwezigheden_lezen(
    code: Code, service: ServiceDep, actor: JbrrOfStaf
) -> list[AfwezigheidOut]:
    jbrr_of_staf(actor)
    async with service.unit_of_work() as uow:
        if await uow.session.get(Jeugdbeschermer, code) is None:
            raise Problem(404, "No jeugdbeschermer with this code.")
        rows = (
            await uow.session.scalars(
                select(Afwezigheid)
                .where(Afwezigheid.jeugdbeschermer == code)
                .order_by(Afwezigheid.van)
            )
        ).all()
        return [afwezigheid_out(a) for a in rows]


@router.post(
    "/jeugdbeschermers/{code}/afwezigheden",
    response_model=AfwezigheidOut,
    status_code=201,
    summary="Register an absence: no new cases in that period",
)
async def afwezigheid_registreren(
    code: Code, invoer: AfwezigheidIn, service: ServiceDep, actor: Beheer
) -> AfwezigheidOut:
    async with service.unit_of_work() as uow:
        if await uow.session.get(Jeugdbeschermer, code) is None:
            raise Problem(404, "No jeugdbeschermer with this code.")
        afwezigheid = Afwezigheid(
            id=uuid4(),
            jeugdbeschermer=code,
            van=invoer.van,
            tot_en_met=invoer.tot_en_met,
            geregistreerd_door=actor.id,
            geregistreerd_op=uow.now,
        )
        uow.session.add(afwezigheid)
        await uow.session.flush()
        await zaken.plan_terugkeer(uow, afwezigheid)
        return afwezigheid_out(afwezigheid)


async def _afwezigheid(uow: UnitOfWork, code: str, afwezigheid_id: UUID) -> Afwezigheid:
    a = await uow.session.get(Afwezigheid, afwezigheid_id)
    if a is None or a.jeugdbeschermer != code:
        raise Problem(404, "No such absence of this jeugdbeschermer.")
    return a


@router.patch(
    "/jeugdbeschermers/{code}/afwezigheden/{afwezigheid_id}",
    response_model=AfwezigheidOut,
    summary="Change the end of an absence (back earlier, or later)",
)
async def afwezigheid_wijzigen(
    code: Code,
    afwezigheid_id: UUID,
    invoer: AfwezigheidWijziging,
    service: ServiceDep,
    actor: Beheer,
) -> AfwezigheidOut:
    async with service.unit_of_work() as uow:
        a = await _afwezigheid(uow, code, afwezigheid_id)
        if invoer.tot_en_met is not None and invoer.tot_en_met < a.van - timedelta(days=1):
            raise Problem(
                400,
                "An absence cannot end before the day before it began.",
                invalid_params=[invalid_param("tot_en_met", "lies before van", "out_of_range")],
            )
        a.tot_en_met = invoer.tot_en_met
        await uow.session.flush()
        await zaken.plan_terugkeer(uow, a)
        await zaken.verwerk_wachtlijst(uow, actor.id)
        return afwezigheid_out(a)


@router.delete(
    "/jeugdbeschermers/{code}/afwezigheden/{afwezigheid_id}",
    status_code=204,
    summary="Remove an absence (registered by mistake, or back at once)",
)
async def afwezigheid_verwijderen(
    code: Code, afwezigheid_id: UUID, service: ServiceDep, actor: Beheer
) -> Response:
    async with service.unit_of_work() as uow:
        a = await _afwezigheid(uow, code, afwezigheid_id)
        await uow.cancel_timer(f"afwezigheid-{a.id}")
        await uow.session.delete(a)
        await uow.session.flush()
        await zaken.verwerk_wachtlijst(uow, actor.id)
    return Response(status_code=204)


@router.post(
    "/referentie",
    status_code=204,
    summary="Load reference data in bulk (the format of JBPLEIN_REFERENTIE_FILE, as JSON)",
)
async def referentie_laden(invoer: Referentie, service: ServiceDep, actor: Beheer) -> Response:
    async with service.unit_of_work() as uow:
        try:
            await referentie.laad(uow.session, invoer, actor.id, uow.now)
        except referentie.OnbekendTeam as exc:
            raise Problem(
                400,
                "A jeugdbeschermer names an unknown gebiedsteam.",
                invalid_params=[
                    invalid_param(
                        f"jeugdbeschermers[{exc.jeugdbeschermer}].gebiedsteam",
                        "does not exist",
                        "unknown",
                    )
                ],
            ) from exc
        await zaken.verwerk_wachtlijst(uow, actor.id)
    return Response(status_code=204)
