"""The intake service: settings → kit → API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from jbplein_kit.clock import Clock
from jbplein_kit.service import Service

from . import api
from .models import Base
from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_service(settings: Settings | None = None, clock: Clock | None = None) -> Service:
    return Service(
        "intake",
        settings or Settings(),
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        clock=clock,
    )


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    service = create_service(settings, clock)
    app = service.create_app(
        title="JB-plein intake",
        description="Submit a melding to the Jeugdbeschermingsplein Rotterdam-Rijnmond.",
    )
    app.include_router(api.router)
    return app
