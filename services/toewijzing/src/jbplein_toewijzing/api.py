"""Toewijzing's API: the assignments (for the plein's staff and JBRR)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from jbplein_kit.auth import STAF, Actor, OrganisatieSoort, Rol, requires
from jbplein_kit.problems import Problem
from jbplein_kit.service import ServiceDep, client_address

from .models import Toewijzing

router = APIRouter(prefix="/api/v1", tags=["toewijzingen"])


class ToewijzingOut(BaseModel):
    id: UUID
    melding_id: UUID
    besluit_id: UUID
    gemeente: str
    aanpak: str
    jeugdbeschermer: str | None
    status: str
    toegewezen_op: str | None


@router.get("/toewijzingen", response_model=list[ToewijzingOut])
async def toewijzingen(
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(Rol.PARTNER, *STAF))],
    melding_id: UUID | None = None,
) -> list[ToewijzingOut]:
    if not actor.is_staf and actor.soort is not OrganisatieSoort.JBRR:
        raise Problem(403, "Only the plein and JBRR see assignments.")
    async with service.unit_of_work() as uow:
        query = select(Toewijzing).order_by(Toewijzing.aangemaakt_op.desc()).limit(500)
        if melding_id is not None:
            query = query.where(Toewijzing.melding_id == melding_id)
        rows = (await uow.session.scalars(query)).all()
        for row in rows:
            uow.audit(actor, "toewijzing.lezen", str(row.melding_id), client_address(request))
        return [
            ToewijzingOut(
                id=r.id,
                melding_id=r.melding_id,
                besluit_id=r.besluit_id,
                gemeente=r.gemeente,
                aanpak=r.aanpak,
                jeugdbeschermer=r.jeugdbeschermer,
                status=r.status,
                toegewezen_op=r.toegewezen_op.isoformat() if r.toegewezen_op else None,
            )
            for r in rows
        ]
