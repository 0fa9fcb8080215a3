"""Two instances of a service starting together both migrate the same database: the upgrade
runs under a PostgreSQL advisory lock, so one waits for the other and finds the schema done."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jbplein_intake.app import create_service as intake_service
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.db import make_engine
from jbplein_kit.migrations import differences
from jbplein_notificatie.app import create_service as notificatie_service
from jbplein_notificatie.settings import Settings as NotificatieSettings
from jbplein_tafel.app import create_service as tafel_service
from jbplein_tafel.settings import Settings as TafelSettings
from jbplein_toewijzing.app import create_service as toewijzing_service
from jbplein_toewijzing.settings import Settings as ToewijzingSettings

from ..conftest import fast_settings

SERVICES = [
    ("intake", intake_service, IntakeSettings),
    ("tafel", tafel_service, TafelSettings),
    ("toewijzing", toewijzing_service, ToewijzingSettings),
    ("notificatie", notificatie_service, NotificatieSettings),
]
INSTANCES = 4

# One instance's start-up migration, in its own process (alembic keeps its context in
# module globals, so instances are processes, as they are in production).
MIGREER = """
import asyncio, sys
from jbplein_kit.db import make_engine
from jbplein_kit.migrations import upgrade
from {package}.app import MIGRATIONS

async def main():
    engine = make_engine(sys.argv[1])
    try:
        await upgrade(engine, MIGRATIONS)
    finally:
        await engine.dispose()

asyncio.run(main())
"""


async def migreer(package: str, database_url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MIGREER.format(package=package),
        database_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    uit, _ = await process.communicate()
    fouten = [r for r in uit.decode(errors="replace").splitlines() if "Error:" in r]
    return process.returncode or 0, fouten[-1][:300] if fouten else ""


@pytest.mark.parametrize(
    ("name", "factory", "settings_cls"), SERVICES, ids=[s[0] for s in SERVICES]
)
async def test_instances_migrating_one_fresh_database_at_once_all_succeed_with_one_schema(
    name: str, factory: Any, settings_cls: Any, backend: str, database_url: str, tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("the embedded mode (SQLite) runs one instance of a service")
    settings = fast_settings(
        settings_cls, database_url=database_url, nats_url="nats://127.0.0.1:1", data_dir=tmp_path
    )
    service = factory(settings)
    engine = make_engine(database_url)
    try:
        uitkomsten = await asyncio.gather(
            *(migreer(f"jbplein_{name}", database_url) for _ in range(INSTANCES))
        )
        assert [u for u in uitkomsten if u[0] != 0] == []
        assert await differences(engine, service.metadata) == []
        async with engine.connect() as connection:
            versies = (await connection.execute(sa.text("SELECT * FROM alembic_version"))).all()
        assert len(versies) == 1
    finally:
        await engine.dispose()
        await service.engine.dispose()
