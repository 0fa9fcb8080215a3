"""Crash tests: during a run of meldingen through the system as ``./jbplein up`` runs it (on
SQLite, and on PostgreSQL), each service in turn is killed with SIGKILL and started again, and
then the nats-server is killed and started again on the same store. Each kill is aimed at the
moment that service is in the middle of its own part of the journey (some of its work done,
some under way), so that it cuts through requests, transactions, outbox rows and unacked
messages. Afterwards every melding has exactly one agenda entry, one besluit and its effects,
one assignment where due, one letter and one partner event: nothing lost, nothing twice.

Its budget follows its progress, not the clock: it fails when no melding has moved a step on
for ``JBPLEIN_CRASH_STILSTAND`` seconds (a busy machine makes it slower, never red). Long: runs
with JBPLEIN_SLOW=1 (CI sets it)."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import text

from bench.pipeline.pijplijn import Pijplijn, Uitkomst, start_systeem, systeem_env
from jbplein_contracts import subjects
from jbplein_kit.db import make_engine
from jbplein_runner.system import SERVICES, System

# No fixed total: the run's own budget is the time without progress (see the module's text).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(0)]

N = int(os.environ.get("JBPLEIN_CRASH_N", "300"))
STILSTAND = float(os.environ.get("JBPLEIN_CRASH_STILSTAND", "300"))

DODEN = (
    # (what is killed, the step of the journey it does, the share of that step done by then)
    ("intake", "aangenomen", 0.3),  # POSTs in flight, events in its outbox
    ("tafel", "besluit", 0.2),  # meldingen being planned, besluiten posted and published
    ("toewijzing", "regisseur", 0.3),  # besluiten consumed, casusregisseurs assigned
    ("notificatie", "brief", 0.3),  # letters being made, partner events published
    ("nats", "brief", 0.6),  # every service publishing, consuming and acking
)


async def tel(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def berichten(url: str, kanaal: subjects.Kanaal) -> list[dict[str, Any]]:
    """Every message of a channel in its stream, as stored (duplicates would show here)."""
    connection = await nats.connect(url)
    try:
        sub = await connection.jetstream().pull_subscribe(
            kanaal.alle_gemeenten,
            stream=kanaal.stream.name,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        result: list[dict[str, Any]] = []
        while True:
            try:
                batch = await sub.fetch(500, timeout=2)
            except TimeoutError:  # nats-py raises its own and, at times, the builtin one
                return result
            result += [json.loads(m.data) for m in batch]
    finally:
        await connection.close()


async def herstart(system: System, naam: str) -> None:
    """kill -9, then start it again as the runner does."""
    if naam == "nats":
        system.nats.kill()
        await asyncio.to_thread(system.nats.start)
        return
    system.kill_service(naam)
    system.start_service(naam)
    await asyncio.to_thread(system.wait_healthy, naam, STILSTAND)


async def zodra(pijplijn: Pijplijn, run: asyncio.Task[Uitkomst], soort: str, aantal: int) -> None:
    """Wait until ``aantal`` meldingen have reached step ``soort``; bounded by the run's own
    budget (it ends when nothing moves on)."""
    while pijplijn.gezien(soort) < aantal:
        if run.done():
            fouten = run.result().fouten
            raise AssertionError(f"the run ended before {aantal} reached {soort}: {fouten}")
        await asyncio.sleep(0.2)


async def test_kill_9_of_each_service_and_of_nats_loses_nothing_and_doubles_nothing(
    tmp_path: Path, backend: str, database_factory: Callable[[str], Awaitable[str]]
) -> None:
    data = tmp_path / "data"
    if backend == "postgres":
        urls = {spec.name: await database_factory(spec.name) for spec in SERVICES}
        per_service = {f"JBPLEIN_{n.upper()}_DATABASE_URL": url for n, url in urls.items()}
    else:  # the embedded default: a file per service in the data folder
        urls = {spec.name: f"sqlite:///{data / f'{spec.name}.db'}" for spec in SERVICES}
        per_service = {}
    env = systeem_env(
        {"JBPLEIN_ACK_WAIT_SECONDS": "5", "JBPLEIN_TELEMETRY": "none", **per_service}, data
    )
    system = await asyncio.to_thread(start_systeem, data, env)
    try:
        pijplijn = Pijplijn(system, N, concurrency=8, naam="crash")
        regie = sum(s.aanpak != "vrijwillig" for s in pijplijn.sporen)
        totaal = {"aangenomen": N, "besluit": N, "regisseur": regie, "brief": N}
        run = asyncio.create_task(pijplijn.run(binnen=None, stilstand=STILSTAND))
        onderweg: list[tuple[str, int, int]] = []
        for naam, soort, deel in DODEN:
            await zodra(pijplijn, run, soort, max(1, round(deel * totaal[soort])))
            onderweg.append((naam, pijplijn.gezien(soort), totaal[soort]))
            await herstart(system, naam)
        uitkomst = await run
        print(f"killed (service, its step done, of): {onderweg}; {uitkomst.seconden:.0f} s")
        assert [naam for naam, _, _ in onderweg] == [naam for naam, _, _ in DODEN]
        assert all(0 < gedaan < alles for _, gedaan, alles in onderweg), (
            f"each kill fell while its service's work was under way: {onderweg}"
        )
        assert uitkomst.fouten == []
        assert all(s.klaar for s in uitkomst.sporen)
        assert system.exited() == {}, "no service died on its own"

        ids = {s.melding_id for s in uitkomst.sporen}
        regie_ids = {s.melding_id for s in uitkomst.sporen if s.aanpak != "vrijwillig"}
        assert len(ids) == N and len(regie_ids) == regie

        # Each service's own records: exactly one of each per melding.
        een_per_melding = "SELECT count(*), count(DISTINCT melding_id) FROM {}"
        assert await tel(urls["intake"], "SELECT count(*) FROM melding") == [(N,)]
        assert await tel(urls["tafel"], "SELECT count(*) FROM melding") == [(N,)]
        assert await tel(urls["tafel"], een_per_melding.format("agenda_item")) == [(N, N)]
        assert await tel(urls["tafel"], een_per_melding.format("besluit")) == [(N, N)]
        actief = een_per_melding.format("toewijzing") + " WHERE status = 'actief'"
        assert await tel(urls["toewijzing"], actief) == [(regie, regie)]
        brieven = "SELECT status, count(*), count(DISTINCT melding_id) FROM brief GROUP BY status"
        assert await tel(urls["notificatie"], brieven) == [("gereed", N, N)]

        # And what went out on the bus: exactly one of each per melding, no duplicates.
        url = system.nats.url
        for kanaal, sleutel, verwacht in (
            (subjects.MELDING_ONTVANGEN, "melding_id", ids),
            (subjects.BESLUIT_GENOMEN, "melding_id", ids),
            (subjects.REGISSEUR_TOEGEWEZEN, "melding_id", regie_ids),
            (subjects.BRIEF_GEREED, "melding_id", ids),
            (subjects.PARTNER_BESLUIT_GENOMEN, "zaak_ref", ids),
        ):
            gezien = Counter(str(b["data"][sleutel]) for b in await berichten(url, kanaal))
            assert set(gezien) == verwacht, kanaal.type
            dubbel = {k: v for k, v in gezien.items() if v != 1}
            assert dubbel == {}, f"{kanaal.type} more than once: {list(dubbel.items())[:5]}"
    finally:
        await asyncio.to_thread(system.stop)
