"""The tafel's API for the plein's staff: the agenda, and the besluit."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request
from opentelemetry import propagate, trace
from opentelemetry.trace import Link
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    RaadsonderzoekGevraagd,
    RaadsonderzoekGevraagdData,
)
from jbplein_contracts.waarden import (
    CONTACT_WERKDAGEN,
    RAADSONDERZOEK_START_WERKDAGEN,
    Aanpak,
    OrganisatieCode,
    Taakaccent,
    Urgentie,
)
from jbplein_kit.auth import STAF, Actor, Rol, requires
from jbplein_kit.problems import Problem
from jbplein_kit.service import ServiceDep, client_address

from .models import AgendaItem, Besluit, Sessie, TafelMelding

router = APIRouter(prefix="/api/v1", tags=["tafel"])


class AgendaRegel(BaseModel):
    melding_id: UUID
    gemeente: str
    spoed: bool
    bespreken_uiterlijk: date
    in_gevaar: bool
    status: str


class SessieOut(BaseModel):
    id: UUID
    datum: date
    begin: str
    einde: str
    agenda: list[AgendaRegel]


class BesluitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aanpak: Aanpak
    urgentie: Urgentie = Urgentie.REGULIER
    taakaccent: Taakaccent = Taakaccent.CIVIEL
    casusregie: OrganisatieCode
    jeugdbeschermingsteam: list[OrganisatieCode] = Field(default_factory=list, max_length=20)
    notulen: str = Field(min_length=1, max_length=20000)


class BesluitOut(BaseModel):
    id: UUID
    melding_id: UUID
    versie: int
    aanpak: Aanpak
    vto: bool
    genomen_op: str
    contact_uiterlijk: date | None
    raadsonderzoek_start_uiterlijk: date | None


@router.get("/agenda", response_model=list[SessieOut])
async def agenda(
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(*STAF))],
    datum: Annotated[date | None, Query(description="From this day on; today by default")] = None,
) -> list[SessieOut]:
    vanaf = datum or werkdagen.lokale_dag(service.clock.now())
    async with service.unit_of_work() as uow:
        sessies = (
            await uow.session.scalars(
                select(Sessie).where(Sessie.datum >= vanaf).order_by(Sessie.datum).limit(20)
            )
        ).all()
        result = []
        for sessie in sessies:
            rows = (
                await uow.session.execute(
                    select(AgendaItem, TafelMelding)
                    .join(TafelMelding, TafelMelding.id == AgendaItem.melding_id)
                    .where(AgendaItem.sessie_id == sessie.id)
                    .order_by(
                        TafelMelding.spoed.desc(),
                        TafelMelding.bespreken_uiterlijk,
                        TafelMelding.ontvangen_op,
                    )
                )
            ).all()
            result.append(
                SessieOut(
                    id=sessie.id,
                    datum=sessie.datum,
                    begin=sessie.begin.isoformat(),
                    einde=sessie.einde.isoformat(),
                    agenda=[
                        AgendaRegel(
                            melding_id=m.id,
                            gemeente=m.gemeente,
                            spoed=m.spoed,
                            bespreken_uiterlijk=m.bespreken_uiterlijk,
                            in_gevaar=item.in_gevaar,
                            status=m.status,
                        )
                        for item, m in rows
                    ],
                )
            )
        return result


@router.post("/meldingen/{melding_id}/besluiten", status_code=201, response_model=BesluitOut)
async def besluit_nemen(
    melding_id: UUID,
    besluit_in: BesluitIn,
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.VOORZITTER))],
) -> BesluitOut:
    async with service.unit_of_work() as uow:
        melding = await uow.session.get(TafelMelding, melding_id)
        if melding is None:
            raise Problem(404, "No melding with this id at the tafel.")
        bestaand = await uow.session.scalar(
            select(func.count()).select_from(Besluit).where(Besluit.melding_id == melding_id)
        )
        if bestaand:
            raise Problem(409, "This melding already has a besluit.")
        # The besluit belongs to the melding's trace; the HTTP request is linked to it.
        request_span = trace.get_current_span().get_span_context()
        with service.tracer.start_as_current_span(
            "besluit vastleggen",
            context=propagate.extract(melding.trace_context),
            links=[Link(request_span)] if request_span.is_valid else None,
            attributes={
                "jbplein.melding_id": str(melding_id),
                "jbplein.aanpak": besluit_in.aanpak.value,
            },
        ):
            besluit_id = uuid4()
            vto = besluit_in.aanpak is Aanpak.RAADSONDERZOEK
            contact = (
                werkdagen.termijn(uow.now, CONTACT_WERKDAGEN, service.kalender)
                if besluit_in.aanpak.vraagt_regisseur
                else None
            )
            start = (
                werkdagen.termijn(uow.now, RAADSONDERZOEK_START_WERKDAGEN, service.kalender)
                if vto
                else None
            )
            besluit = Besluit(
                id=besluit_id,
                melding_id=melding_id,
                versie=1,
                aanpak=besluit_in.aanpak.value,
                urgentie=besluit_in.urgentie.value,
                taakaccent=besluit_in.taakaccent.value,
                casusregie=besluit_in.casusregie,
                jeugdbeschermingsteam=list(besluit_in.jeugdbeschermingsteam),
                vto=vto,
                notulen=besluit_in.notulen,
                voorzitter=actor.id,
                genomen_op=uow.now,
            )
            uow.session.add(besluit)
            melding.status = "besloten"
            uow.audit(actor, "besluit.nemen", str(melding_id), client_address(request))
            uow.publish(
                BesluitGenomen.maak(
                    BesluitGenomenData(
                        gemeente=melding.gemeente,
                        besluit_id=besluit_id,
                        melding_id=melding_id,
                        gezin_ref=melding.gezin_ref,
                        versie=1,
                        wijk=melding.wijk,
                        postcodegebied=melding.postcodegebied,
                        melder_organisatie=melding.melder_organisatie,
                        aanpak=besluit_in.aanpak,
                        urgentie=besluit_in.urgentie,
                        taakaccent=besluit_in.taakaccent,
                        casusregie=besluit_in.casusregie,
                        jeugdbeschermingsteam=list(besluit_in.jeugdbeschermingsteam),
                        vto=vto,
                        genomen_op=uow.now,
                        contact_uiterlijk=contact,
                        raadsonderzoek_start_uiterlijk=start,
                    ),
                    bron=Bron.TAFEL,
                    tijd=uow.now,
                    onderwerp=melding_id,
                )
            )
            if vto and start is not None:
                uow.publish(
                    RaadsonderzoekGevraagd.maak(
                        RaadsonderzoekGevraagdData(
                            gemeente=melding.gemeente,
                            melding_id=melding_id,
                            besluit_id=besluit_id,
                            gevraagd_op=uow.now,
                            start_uiterlijk=start,
                        ),
                        bron=Bron.TAFEL,
                        tijd=uow.now,
                        onderwerp=melding_id,
                    )
                )
    return BesluitOut(
        id=besluit_id,
        melding_id=melding_id,
        versie=1,
        aanpak=besluit_in.aanpak,
        vto=vto,
        genomen_op=besluit.genomen_op.isoformat(),
        contact_uiterlijk=contact,
        raadsonderzoek_start_uiterlijk=start,
    )
