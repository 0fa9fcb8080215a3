"""The notificatie service: settings → kit → consumers → workers (letters, webhook deliveries)
→ API and screens."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jbplein_kit.clock import Clock
from jbplein_kit.service import Service

from . import api, brieven, handlers, screens
from .leveringen import Bezorger
from .models import Base, Brief, Levering
from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
TEMPLATES = Path(__file__).parent / "templates"


def create_service(settings: Settings | None = None, clock: Clock | None = None) -> Service:
    settings = settings or Settings()
    service = Service(
        "notificatie", settings, metadata=Base.metadata, migrations=MIGRATIONS, clock=clock
    )
    handlers.register(service, settings)

    async def brieven_maken() -> int:
        return await brieven.maak_een(service, settings)

    # Making a letter mostly waits on intake and toewijzing; several at once keep up.
    service.werker("brieven", brieven_maken, werk=Brief, parallel=settings.brieven_parallel)
    bezorger = Bezorger(service, settings)
    service.werker(
        "leveringen", bezorger.bezorg_een, werk=Levering, parallel=settings.webhook_parallel
    )

    @service.on_stop
    async def sluit_bezorger(_: Service) -> None:
        await bezorger.close()

    return service


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    service = create_service(settings, clock)
    app = service.create_app(
        title="JB-plein notificatie",
        description=(
            "The letter to the gezin after every besluit (PDF), the details behind partner "
            "events for the organisations involved, and webhook subscriptions for partners "
            "without NATS."
        ),
        templates=TEMPLATES,
        home="/brieven",
    )
    app.include_router(api.router)
    app.include_router(screens.router)
    return app
