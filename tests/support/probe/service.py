"""The probe service: consumes MeldingOntvangen and its own timers, records each application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import func, select

from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import MeldingOntvangen, MeldingOntvangenData
from jbplein_contracts.waarden import Zorg
from jbplein_kit.clock import Clock
from jbplein_kit.service import Service
from jbplein_kit.settings import ServiceSettings
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from .models import Base, Effect

MIGRATIONS = Path(__file__).parent / "migrations"

Hook = Callable[[MeldingOntvangen], Awaitable[None]]


def melding(gemeente: str = "0599", now: datetime | None = None) -> MeldingOntvangen:
    from jbplein_kit.clock import wall_now

    now = now or wall_now()
    melding_id = uuid4()
    return MeldingOntvangen.maak(
        MeldingOntvangenData(
            gemeente=gemeente,
            melding_id=melding_id,
            gezin_ref=uuid4(),
            melder_organisatie="veilig-thuis",
            ontvangen_op=now,
            bespreken_uiterlijk=now.date(),
            spoed=False,
            zorgen=[Zorg.VEILIGHEID],
            aantal_kinderen=1,
        ),
        bron=Bron.INTAKE,
        tijd=now,
        onderwerp=melding_id,
    )


def create_probe(
    settings: ServiceSettings,
    *,
    before_apply: Hook | None = None,
    clock: Clock | None = None,
    consume: bool = True,
) -> Service:
    service = Service("probe", settings, metadata=Base.metadata, migrations=MIGRATIONS, clock=clock)
    if consume:

        @service.on_event(MeldingOntvangen)
        async def apply(event: MeldingOntvangen, uow: UnitOfWork) -> None:
            if before_apply is not None:
                await before_apply(event)
            uow.session.add(Effect(message_id=str(event.id), kind="melding", at=uow.now))

        @service.on_timer("test")
        async def fired(timer: Timer, uow: UnitOfWork) -> None:
            uow.session.add(Effect(message_id=str(timer.id), kind="timer", at=uow.now))

    return service


async def effects(service: Service, kind: str | None = None) -> list[Effect]:
    async with service.sessions() as session:
        query = select(Effect).order_by(Effect.id)
        if kind:
            query = query.where(Effect.kind == kind)
        return list((await session.scalars(query)).all())


async def count(service: Service, model: type) -> int:
    async with service.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
