"""Migration 0002 of toewijzing carries over a database of the foundation's thin service: its
assignments get a besluit moment and a contact promise, an absent jeugdbeschermer an absence."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from jbplein_kit.db import UtcDateTime, make_engine
from jbplein_kit.migrations import upgrade
from jbplein_toewijzing.app import MIGRATIONS

CREATED = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # a Friday


async def test_migration_0002_carries_over_the_thin_services_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await upgrade(engine, MIGRATIONS, "0001")
        async with engine.begin() as connection:
            metadata = sa.MetaData()
            team = sa.Table(
                "gebiedsteam",
                metadata,
                sa.Column("code", sa.String),
                sa.Column("naam", sa.String),
                sa.Column("gemeenten", sa.JSON),
                sa.Column("wijken", sa.JSON),
            )
            jb = sa.Table(
                "jeugdbeschermer",
                metadata,
                sa.Column("code", sa.String),
                sa.Column("naam", sa.String),
                sa.Column("gebiedsteam", sa.String),
                sa.Column("taakaccent", sa.String),
                sa.Column("max_caseload", sa.Integer),
                sa.Column("afwezig", sa.Boolean),
            )
            toewijzing = sa.Table(
                "toewijzing",
                metadata,
                sa.Column("id", sa.Uuid),
                sa.Column("melding_id", sa.Uuid),
                sa.Column("besluit_id", sa.Uuid),
                sa.Column("gezin_ref", sa.Uuid),
                sa.Column("gemeente", sa.String),
                sa.Column("aanpak", sa.String),
                sa.Column("taakaccent", sa.String),
                sa.Column("jeugdbeschermer", sa.String),
                sa.Column("status", sa.String),
                sa.Column("aangemaakt_op", UtcDateTime),
                sa.Column("toegewezen_op", UtcDateTime),
            )
            await connection.execute(
                team.insert().values(code="zuid", naam="Zuid", gemeenten=["0599"], wijken=[])
            )
            await connection.execute(
                jb.insert(),
                [
                    dict(
                        code="jb-1",
                        naam="A",
                        gebiedsteam="zuid",
                        taakaccent="civiel",
                        max_caseload=10,
                        afwezig=False,
                    ),
                    dict(
                        code="jb-2",
                        naam="B",
                        gebiedsteam="zuid",
                        taakaccent="civiel",
                        max_caseload=10,
                        afwezig=True,
                    ),
                ],
            )
            await connection.execute(
                toewijzing.insert().values(
                    id=uuid.uuid4(),
                    melding_id=uuid.uuid4(),
                    besluit_id=uuid.uuid4(),
                    gezin_ref=uuid.uuid4(),
                    gemeente="0599",
                    aanpak="drang",
                    taakaccent="civiel",
                    jeugdbeschermer="jb-1",
                    status="actief",
                    aangemaakt_op=CREATED,
                    toegewezen_op=CREATED,
                )
            )
        await upgrade(engine, MIGRATIONS)
        async with engine.begin() as connection:
            row = (
                await connection.execute(
                    sa.text("SELECT contact_uiterlijk, urgentie, besluit_versie FROM toewijzing")
                )
            ).one()
            contact = row[0] if isinstance(row[0], date) else date.fromisoformat(row[0])
            assert contact == date(2026, 11, 27)  # 5 werkdagen after Friday 20 November
            assert (row[1], row[2]) == ("regulier", 1)
            afwezig = (
                await connection.execute(
                    sa.text("SELECT jeugdbeschermer, tot_en_met FROM afwezigheid")
                )
            ).all()
            assert [(a[0], a[1]) for a in afwezig] == [("jb-2", None)]
    finally:
        await engine.dispose()
