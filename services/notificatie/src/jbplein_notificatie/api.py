"""Notificatie's API: the letters (for the plein's staff)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from jbplein_kit.auth import STAF, Actor, requires
from jbplein_kit.service import ServiceDep, client_address

from .models import Brief

router = APIRouter(prefix="/api/v1", tags=["brieven"])


class BriefOut(BaseModel):
    id: UUID
    besluit_id: UUID
    melding_id: UUID
    gemeente: str
    variant: str
    status: str
    regisseur_ref: str | None


@router.get("/brieven", response_model=list[BriefOut])
async def brieven(
    request: Request,
    service: ServiceDep,
    actor: Annotated[Actor, Depends(requires(*STAF))],
    melding_id: UUID | None = None,
) -> list[BriefOut]:
    async with service.unit_of_work() as uow:
        query = select(Brief).order_by(Brief.aangemaakt_op.desc()).limit(500)
        if melding_id is not None:
            query = query.where(Brief.melding_id == melding_id)
        rows = (await uow.session.scalars(query)).all()
        for row in rows:
            uow.audit(actor, "brief.lezen", str(row.melding_id), client_address(request))
        return [
            BriefOut(
                id=r.id,
                besluit_id=r.besluit_id,
                melding_id=r.melding_id,
                gemeente=r.gemeente,
                variant=r.variant,
                status=r.status,
                regisseur_ref=r.regisseur_ref,
            )
            for r in rows
        ]
