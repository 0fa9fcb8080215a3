"""The tafel service: settings → kit → consumers → API and screens."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jbplein_kit.clock import Clock
from jbplein_kit.service import Service

from . import api, handlers, screens
from .models import Base
from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
TEMPLATES = Path(__file__).parent / "templates"


def create_service(settings: Settings | None = None, clock: Clock | None = None) -> Service:
    settings = settings or Settings()
    service = Service("tafel", settings, metadata=Base.metadata, migrations=MIGRATIONS, clock=clock)
    handlers.register(service, settings)
    return service


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    service = create_service(settings, clock)
    app = service.create_app(
        title="JB-plein tafel",
        description=(
            "The daily jeugdbeschermingstafel: sessions and their agenda, the besluit with its "
            "notulen, the deadline board. For the plein's staff."
        ),
        templates=TEMPLATES,
        home="/agenda",
    )
    app.include_router(api.router)
    app.include_router(screens.router)
    return app
