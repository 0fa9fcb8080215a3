"""Migration 0002 of toewijzing carries over a database of the foundation's thin service: its
assignments get a besluit moment and a contact promise, an absent jeugdbeschermer an absence."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from jbplein_contracts.waarden import Aanpak
from jbplein_contracts.werkdagen import termijn
from jbplein_kit.clock import ManualClock
from jbplein_kit.db import UtcDateTime, make_engine
from jbplein_kit.migrations import upgrade
from jbplein_runner.nats_server import NatsServer
from jbplein_toewijzing.app import MIGRATIONS, create_app
from jbplein_toewijzing.settings import Settings

from ..conftest import eventually, fast_settings, serving
from ..support.bus import Bus
from .test_toewijzing import REFERENTIE, THURSDAY, besluit, zaak

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


async def test_a_case_open_at_the_upgrade_to_one_gezin_one_case_follows_a_joined_correction(
    database_url: str,
    nats_server: NatsServer,
    tmp_path: Path,
    accounts_file: Path,
    tokens: dict[str, str],
) -> None:
    """Migration 0003 fills the case's own besluit aanpak from the aanpak it had: a later
    raadsonderzoek joins the drang case, and when that besluit is corrected to drang, the case
    goes back to drang (it does not keep the raadsonderzoek nobody holds any more)."""
    clock = ManualClock(THURSDAY)
    gezin, oud = uuid.uuid4(), uuid.uuid4()
    engine = make_engine(database_url)
    try:
        await upgrade(engine, MIGRATIONS, "0002")
        async with engine.begin() as connection:
            toewijzing = sa.Table(
                "toewijzing",
                sa.MetaData(),
                *(sa.Column(c, sa.Uuid) for c in ("id", "melding_id", "besluit_id", "gezin_ref")),
                *(
                    sa.Column(c, sa.String)
                    for c in (
                        "gemeente",
                        "wijk",
                        "aanpak",
                        "urgentie",
                        "taakaccent",
                        "status",
                        "wachtlijst_reden",
                    )
                ),
                *(
                    sa.Column(c, UtcDateTime)
                    for c in ("besluit_op", "wachtlijst_sinds", "aangemaakt_op")
                ),
                sa.Column("besluit_versie", sa.Integer),
                sa.Column("contact_uiterlijk", sa.Date),
                *(
                    sa.Column(c, sa.Boolean)
                    for c in (
                        "continuiteit",
                        "contact_overschreden",
                        "raadsonderzoek_overschreden",
                        "evaluatie_nodig",
                        "maximum_overschreden",
                    )
                ),
            )
            await connection.execute(
                toewijzing.insert().values(
                    id=uuid.uuid4(),
                    melding_id=oud,
                    besluit_id=uuid.uuid4(),
                    besluit_versie=1,
                    gezin_ref=gezin,
                    gemeente="0599",
                    wijk="Feijenoord",
                    aanpak="drang",
                    urgentie="regulier",
                    taakaccent="civiel",
                    besluit_op=THURSDAY,
                    status="wachtlijst",
                    wachtlijst_reden="geen_ruimte",
                    wachtlijst_sinds=THURSDAY,
                    continuiteit=False,
                    aangemaakt_op=THURSDAY,
                    contact_uiterlijk=termijn(THURSDAY, 5),
                    contact_overschreden=False,
                    raadsonderzoek_overschreden=False,
                    evaluatie_nodig=False,
                    maximum_overschreden=False,
                )
            )
        await upgrade(engine, MIGRATIONS)
        async with engine.begin() as connection:
            eigen = await connection.scalar(sa.text("SELECT besluit_aanpak FROM toewijzing"))
            assert eigen == "drang", "the case's own besluit had the aanpak the case had"
    finally:
        await engine.dispose()
    referentie = tmp_path / "referentie.toml"
    referentie.write_text(REFERENTIE, encoding="utf-8")
    settings = fast_settings(
        Settings,
        database_url=database_url,
        nats_url=nats_server.url,
        data_dir=tmp_path,
        accounts_file=accounts_file,
        referentie_file=referentie,
    )
    staff = tokens["ondersteuner"]
    async with serving(create_app(settings, clock)) as client, Bus(nats_server.url) as bus:
        z = await eventually(lambda: zaak(client, staff, oud))
        assert z["aanpak"] == "drang"
        onderzoek = besluit(
            clock.now(), gezin=gezin, aanpak=Aanpak.RAADSONDERZOEK, team=("jbrr", "rvdk")
        )
        await bus.publish(onderzoek)

        async def met_aanpak(aanpak: str) -> dict[str, Any] | None:
            z = await zaak(client, staff, oud)
            return z if z is not None and z["aanpak"] == aanpak else None

        await eventually(lambda: met_aanpak("raadsonderzoek"))
        correctie = besluit(
            clock.now(), gezin=gezin, melding_id=onderzoek.data.melding_id, versie=2
        )
        await bus.publish(correctie)
        z = await eventually(lambda: met_aanpak("drang"))
        assert z["status"] != "afgesloten"
