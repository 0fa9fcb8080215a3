"""Alembic migrations, run by each service at start-up.

Each service keeps its migrations in its own package (``<package>/migrations``) with an
``env.py`` that calls :func:`run_env` with its metadata; the kit's tables (outbox, inbox, audit
log) are part of every service's schema. ``python -m jbplein_kit.migrations revision <package>
-m "..."`` writes a new revision from the difference between the models and the migrations.
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, create_engine, func, pool, select
from sqlalchemy.ext.asyncio import AsyncEngine

from . import audit, inbox, outbox, timers
from .db import KitBase

# The kit's tables belong to every service's schema; importing their modules registers them.
_KIT_TABLES = (
    audit.AuditEntry,
    inbox.InboxEntry,
    outbox.OutboxMessage,
    timers.ScheduledTimer,
)


def target_metadata(service_metadata: MetaData) -> list[MetaData]:
    return [service_metadata, KitBase.metadata]


MIGRATION_LOCK = "jbplein-migraties"
"""The advisory lock every start-up migration of a database holds (PostgreSQL)."""


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def run_env(service_metadata: MetaData) -> None:
    """The body of a service's ``env.py``: migrate on the connection handed over by
    :func:`upgrade`, or on a synchronous engine for the command line."""
    metadata = target_metadata(service_metadata)
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(str(url), poolclass=pool.NullPool)
    with engine.connect() as sync_connection:
        _run(sync_connection, metadata)


def _run(connection: Connection, metadata: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Bring the database to the newest revision (or to ``revision``), in one transaction.

    On PostgreSQL the transaction first takes an advisory lock (transaction-level, so it ends
    with the commit, or with the connection if the process dies): instances of a service that
    start together migrate one after the other, and the later ones find the schema at its head.
    Without it both create the same tables at once and all but one fail.

    On SQLite a batch migration copies a table into a new one; foreign keys are switched off
    while it runs (SQLite allows that only outside a transaction) and checked before commit.
    """

    def _upgrade(connection: Connection) -> None:
        config = alembic_config(script_location)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            if connection.dialect.name == "postgresql":
                # Alembic runs inside this transaction (it sees one already begun) and reads
                # the version table only after the lock is ours.
                await connection.execute(
                    select(func.pg_advisory_xact_lock(func.hashtextextended(MIGRATION_LOCK, 0)))
                )
            await connection.run_sync(_upgrade)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    await connection.rollback()
                    raise RuntimeError(f"migration left {len(broken)} broken foreign keys")
            await connection.commit()
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


async def differences(engine: AsyncEngine, service_metadata: MetaData) -> list[Any]:
    """What the models have that the migrated database lacks (empty when they agree)."""

    def _compare(connection: Connection) -> list[Any]:
        migration_context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        merged = MetaData()
        for metadata in target_metadata(service_metadata):
            for table in metadata.tables.values():
                table.to_metadata(merged)
        return list(compare_metadata(migration_context, merged))

    async with engine.connect() as connection:
        return await connection.run_sync(_compare)


def _service_paths(package: str) -> Path:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    return Path(module.__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jbplein_kit.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="autogenerate a revision for a service")
    revision.add_argument("package", help="e.g. jbplein_intake")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    script_location = _service_paths(args.package)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/autogenerate.db"
        config = alembic_config(script_location, url)
        command.upgrade(config, "head")
        existing = [p for p in (script_location / "versions").glob("*.py")]
        command.revision(
            config, message=args.message, autogenerate=True, rev_id=f"{len(existing) + 1:04d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
