"""The partner API: submit a melding, read it back."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import MeldingOntvangen, MeldingOntvangenData
from jbplein_contracts.waarden import BESPREKING_WERKDAGEN, Zorg
from jbplein_kit.auth import STAF, Actor, Rol, requires
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import ServiceDep, client_address

from .models import Melding

router = APIRouter(prefix="/api/v1", tags=["meldingen"])

Naam = Annotated[str, Field(min_length=1, max_length=100)]


class KindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voornaam: Naam
    achternaam: Naam
    geboortedatum: date


class MeldingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gemeente: str = Field(pattern=r"^\d{4}$", description="CBS code of an onboarded municipality")
    kinderen: list[KindIn] = Field(min_length=1, max_length=15)
    postcode: str = Field(pattern=r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
    huisnummer: str = Field(min_length=1, max_length=10)
    wijk: str | None = Field(default=None, max_length=80, pattern=r"^[\w .'-]+$")
    zorgen: list[Zorg] = Field(min_length=1, max_length=2)
    toelichting: str = Field(min_length=1, max_length=5000)
    spoed: bool = False


class MeldingOut(BaseModel):
    id: UUID
    status: str
    gemeente: str
    ontvangen_op: str
    bespreken_uiterlijk: date
    spoed: bool


class MeldingDetail(MeldingOut):
    melder_organisatie: str
    gegevens: dict[str, Any]


def _out(melding: Melding) -> MeldingOut:
    return MeldingOut(
        id=melding.id,
        status=melding.status,
        gemeente=melding.gemeente,
        ontvangen_op=melding.ontvangen_op.isoformat(),
        bespreken_uiterlijk=melding.bespreken_uiterlijk,
        spoed=melding.spoed,
    )


@router.post("/meldingen", status_code=201, response_model=MeldingOut)
async def melding_indienen(
    melding_in: MeldingIn,
    request: Request,
    response: Response,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.PARTNER, Rol.ONDERSTEUNER))],
) -> MeldingOut:
    if melding_in.gemeente not in service.gemeenten:
        raise Problem(
            400,
            "The request has invalid fields.",
            invalid_params=[
                invalid_param("gemeente", "is not a municipality of the plein", "unknown")
            ],
        )
    async with service.unit_of_work() as uow:
        melding_id = uuid4()
        postcodegebied = melding_in.postcode[:4]
        deadline = werkdagen.termijn(uow.now, BESPREKING_WERKDAGEN, service.kalender)
        melding = Melding(
            id=melding_id,
            gezin_ref=uuid4(),
            gemeente=melding_in.gemeente,
            melder_organisatie=actor.organisatie,
            melder_account=actor.id,
            ontvangen_op=uow.now,
            bespreken_uiterlijk=deadline,
            spoed=melding_in.spoed,
            status="ontvangen",
            gegevens=melding_in.model_dump(mode="json"),
        )
        uow.session.add(melding)
        uow.audit(actor, "melding.indienen", str(melding_id), client_address(request))
        uow.publish(
            MeldingOntvangen.maak(
                MeldingOntvangenData(
                    gemeente=melding.gemeente,
                    melding_id=melding_id,
                    gezin_ref=melding.gezin_ref,
                    wijk=melding_in.wijk,
                    postcodegebied=postcodegebied,
                    melder_organisatie=actor.organisatie,
                    ontvangen_op=uow.now,
                    bespreken_uiterlijk=deadline,
                    spoed=melding_in.spoed,
                    zorgen=melding_in.zorgen,
                    aantal_kinderen=len(melding_in.kinderen),
                ),
                bron=Bron.INTAKE,
                tijd=uow.now,
                onderwerp=melding_id,
                dataref=f"{service.settings.base_url()}/api/v1/meldingen/{melding_id}",
            )
        )
    response.headers["Location"] = f"/api/v1/meldingen/{melding_id}"
    return _out(melding)


@router.get("/meldingen/{melding_id}", response_model=MeldingDetail)
async def melding_lezen(
    melding_id: UUID,
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.PARTNER, Rol.DIENST, *STAF))],
) -> MeldingDetail:
    async with service.unit_of_work() as uow:
        melding = await uow.session.get(Melding, melding_id)
        if melding is None or not (
            actor.is_staf
            or actor.heeft(Rol.DIENST)
            or melding.melder_organisatie == actor.organisatie
        ):
            # Another organisation's melding does not exist for this caller.
            uow.audit(actor, "melding.lezen.geweigerd", str(melding_id), client_address(request))
            await uow.session.commit()
            raise Problem(404, "No melding with this id for your organisation.")
        uow.audit(actor, "melding.lezen", str(melding_id), client_address(request))
        return MeldingDetail(
            **_out(melding).model_dump(),
            melder_organisatie=melding.melder_organisatie,
            gegevens=melding.gegevens,
        )
