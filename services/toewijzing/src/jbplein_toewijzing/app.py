"""The toewijzing service: settings → kit → reference data → consumers → API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jbplein_kit.clock import Clock
from jbplein_kit.service import Service

from . import api, beheer, handlers, referentie
from .models import Base
from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
VOORBEELD = Path(__file__).parent / "voorbeeld_referentie.toml"


def create_service(settings: Settings | None = None, clock: Clock | None = None) -> Service:
    settings = settings or Settings()
    service = Service(
        "toewijzing", settings, metadata=Base.metadata, migrations=MIGRATIONS, clock=clock
    )
    bestand = settings.referentie_file
    if bestand is None and settings.omgeving != "productie":
        bestand = VOORBEELD

    if bestand is not None:
        gelezen = referentie.lees(bestand)  # a broken file stops the start here, not halfway

        @service.on_start
        async def laad_referentie(s: Service) -> None:
            async with s.unit_of_work() as uow:
                await referentie.laad_als_gewijzigd(
                    uow.session, gelezen, "referentiebestand", uow.now
                )

    handlers.register(service)
    return service


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    service = create_service(settings, clock)
    app = service.create_app(
        title="JB-plein toewijzing",
        description="Assignment of a casusregisseur of JBRR, and the promises that follow.",
    )
    app.include_router(api.router)
    app.include_router(beheer.router)
    return app
