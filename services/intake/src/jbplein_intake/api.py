"""The partner API: submit a melding (idempotently), read it back; the staff list."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_kit.auth import STAF, Actor, Rol, requires
from jbplein_kit.problems import Problem
from jbplein_kit.service import ServiceDep, client_address

from .models import Idempotentie, Melding
from .registratie import Kanaal, registreer
from .schemas import (
    MeldingDetail,
    MeldingenPagina,
    MeldingIn,
    MeldingInLijst,
    MeldingOut,
    MeldingStatus,
)

router = APIRouter(prefix="/api/v1", tags=["meldingen"])

# A period filter within sane bounds (a date at the edge of the calendar has no UTC moment).
EERSTE_DAG = date(2000, 1, 1)
LAATSTE_DAG = date(2999, 12, 31)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="The same key again gives the same answer, never a second melding.",
    ),
]


def melding_out(melding: Melding) -> MeldingOut:
    return MeldingOut(
        id=melding.id,
        referentie=melding.referentie,
        status=MeldingStatus(melding.status),
        gemeente=melding.gemeente,
        ontvangen_op=melding.ontvangen_op.isoformat(),
        bespreken_uiterlijk=melding.bespreken_uiterlijk,
        spoed=melding.spoed,
    )


def melding_in_lijst(melding: Melding) -> MeldingInLijst:
    return MeldingInLijst(**melding_out(melding).model_dump(), gekoppeld_aan=melding.gekoppeld_aan)


def _replay(stored: Idempotentie, verzoek_hash: str) -> JSONResponse:
    if stored.verzoek_hash != verzoek_hash:
        raise Problem(
            422,
            "This Idempotency-Key was used before with a different body.",
            title="Idempotency-Key reused",
        )
    # Through the partner's model: an answer stored before issue 11 may still name the melding
    # it was linked to, which a partner must never see.
    return JSONResponse(
        MeldingOut.model_validate(stored.antwoord).model_dump(mode="json"),
        status_code=201,
        headers={
            "Location": f"/api/v1/meldingen/{stored.melding_id}",
            "Idempotent-Replayed": "true",
        },
    )


@router.post(
    "/meldingen",
    status_code=201,
    response_model=MeldingOut,
    summary="Submit a melding",
    responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def melding_indienen(
    melding_in: MeldingIn,
    request: Request,
    response: Response,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.PARTNER))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Submit a melding for the tafel. The answer names the day by which the tafel discusses it
    (two working days). A melding about a gezin with an open melding is linked to it; the
    plein's staff see that link, the answer does not show it."""
    verzoek_hash = hashlib.sha256(melding_in.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        async with service.unit_of_work() as uow:
            stored = await uow.session.get(Idempotentie, (actor.organisatie, idempotency_key))
        if stored is not None:
            return _replay(stored, verzoek_hash)
    try:
        async with service.unit_of_work() as uow:
            melding = await registreer(
                service,
                uow,
                melding_in,
                melder_organisatie=actor.organisatie,
                actor=actor,
                kanaal=Kanaal.API,
                bron_adres=client_address(request),
            )
            antwoord = melding_out(melding)
            if idempotency_key is not None:
                uow.session.add(
                    Idempotentie(
                        organisatie=actor.organisatie,
                        sleutel=idempotency_key,
                        verzoek_hash=verzoek_hash,
                        melding_id=melding.id,
                        antwoord=antwoord.model_dump(mode="json"),
                        aangemaakt_op=uow.now,
                    )
                )
    except IntegrityError:
        # A concurrent request with the same key won: answer as it was answered.
        if idempotency_key is None:
            raise
        async with service.unit_of_work() as uow:
            stored = await uow.session.get(Idempotentie, (actor.organisatie, idempotency_key))
        if stored is None:
            raise
        return _replay(stored, verzoek_hash)
    response.headers["Location"] = f"/api/v1/meldingen/{melding.id}"
    return antwoord


@router.get("/meldingen/{melding_id}", response_model=MeldingDetail, summary="Read a melding")
async def melding_lezen(
    melding_id: UUID,
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.PARTNER, Rol.DIENST, *STAF))],
) -> MeldingDetail:
    """A melding with its details, for the melder's own organisation and the plein. Another
    organisation's melding does not exist for the caller (404). Every read is audited."""
    async with service.unit_of_work() as uow:
        melding = await uow.session.get(Melding, melding_id)
        zichtbaar = melding is not None and (
            actor.is_staf
            or actor.heeft(Rol.DIENST)
            or melding.melder_organisatie == actor.organisatie
        )
        if melding is None or not zichtbaar:
            uow.audit(actor, "melding.lezen.geweigerd", str(melding_id), client_address(request))
            await uow.session.commit()
            raise Problem(404, "No melding with this id for your organisation.")
        uow.audit(actor, "melding.lezen", str(melding_id), client_address(request))
        return MeldingDetail(
            **melding_out(melding).model_dump(),
            melder_organisatie=melding.melder_organisatie,
            kanaal=melding.kanaal,
            aanpak=melding.aanpak,
            melding=MeldingIn.model_validate(melding.gegevens),
        )


@router.get("/meldingen", response_model=MeldingenPagina, summary="List meldingen (plein staff)")
async def meldingen(
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(*STAF))],
    status: MeldingStatus | None = None,
    gemeente: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    spoed: bool | None = None,
    vanaf: Annotated[
        date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG, description="Received on or after")
    ] = None,
    tot: Annotated[
        date | None, Query(ge=EERSTE_DAG, le=LAATSTE_DAG, description="Received before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> MeldingenPagina:
    """Meldingen, newest first, filtered by status, municipality, spoed and period."""
    async with service.unit_of_work() as uow:
        rows, totaal = await zoek_meldingen(
            uow.session,
            status=status,
            gemeente=gemeente,
            spoed=spoed,
            vanaf=vanaf,
            tot=tot,
            limit=limit,
            offset=offset,
        )
        for row in rows:
            uow.audit(actor, "melding.lijst", str(row.id), client_address(request))
        return MeldingenPagina(items=[melding_in_lijst(r) for r in rows], totaal=totaal)


async def zoek_meldingen(
    session: AsyncSession,
    *,
    status: MeldingStatus | None = None,
    gemeente: str | None = None,
    spoed: bool | None = None,
    vanaf: date | None = None,
    tot: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Melding], int]:
    filters: list[Any] = []
    if status is not None:
        filters.append(Melding.status == status.value)
    if gemeente is not None:
        filters.append(Melding.gemeente == gemeente)
    if spoed is not None:
        filters.append(Melding.spoed == spoed)
    if vanaf is not None:
        filters.append(Melding.ontvangen_op >= datetime.combine(vanaf, time(0), AMSTERDAM))
    if tot is not None:
        filters.append(Melding.ontvangen_op < datetime.combine(tot, time(0), AMSTERDAM))
    totaal = await session.scalar(select(func.count()).select_from(Melding).where(*filters))
    rows = (
        await session.scalars(
            select(Melding)
            .where(*filters)
            .order_by(Melding.ontvangen_op.desc(), Melding.referentie.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), int(totaal or 0)
