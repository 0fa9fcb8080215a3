"""The notificatie service: settings → kit → consumers → API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jbplein_kit.clock import Clock
from jbplein_kit.service import Service

from . import api, handlers
from .models import Base
from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_service(settings: Settings | None = None, clock: Clock | None = None) -> Service:
    service = Service(
        "notificatie",
        settings or Settings(),
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        clock=clock,
    )
    handlers.register(service)
    return service


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    service = create_service(settings, clock)
    app = service.create_app(
        title="JB-plein notificatie",
        description="Letters to the gezin and minimised events for partners.",
    )
    app.include_router(api.router)
    return app
