"""Crash tests: during a run of 1,000 meldingen through the system as ``./jbplein up`` runs it,
each service in turn is killed with SIGKILL and started again, and then the nats-server is
killed and started again on the same store. Afterwards every melding has exactly one agenda
entry, one besluit and its effects, one assignment where due, one letter and one partner event:
nothing lost, nothing twice. Long: runs with JBPLEIN_SLOW=1 (CI sets it)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from bench.pipeline.pijplijn import Pijplijn, start_systeem, systeem_env
from jbplein_contracts import subjects
from jbplein_runner.system import System

pytestmark = pytest.mark.slow

N = int(os.environ.get("JBPLEIN_CRASH_N", "1000"))


def tel(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return list(connection.execute(sql).fetchall())


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
    await asyncio.to_thread(system.wait_healthy, naam, 60)


async def test_kill_9_of_each_service_and_of_nats_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    env = systeem_env({"JBPLEIN_ACK_WAIT_SECONDS": "5", "JBPLEIN_TELEMETRY": "none"}, data)
    system = await asyncio.to_thread(start_systeem, data, env)
    try:
        pijplijn = Pijplijn(system, N, concurrency=8, naam="crash")
        run = asyncio.create_task(pijplijn.run(binnen=900))
        gedood: list[str] = []
        for naam, drempel in (
            ("intake", 0.10),
            ("tafel", 0.25),
            ("toewijzing", 0.40),
            ("notificatie", 0.55),
            ("nats", 0.70),
        ):
            while sum(s.melding_id is not None for s in pijplijn.sporen) < drempel * N:
                assert not run.done(), "the run ended before every kill"
                await asyncio.sleep(0.2)
            await herstart(system, naam)
            gedood.append(naam)
        uitkomst = await run
        assert gedood == ["intake", "tafel", "toewijzing", "notificatie", "nats"]
        assert uitkomst.fouten == []
        assert all(s.klaar for s in uitkomst.sporen)
        assert system.exited() == {}, "no service died on its own"

        ids = {s.melding_id for s in uitkomst.sporen}
        regie = {s.melding_id for s in uitkomst.sporen if s.aanpak != "vrijwillig"}
        assert len(ids) == N

        # Each service's own records: exactly one of each per melding.
        een_per_melding = "SELECT count(*), count(DISTINCT melding_id) FROM {}"
        assert tel(data / "intake.db", "SELECT count(*) FROM melding") == [(N,)]
        assert tel(data / "tafel.db", "SELECT count(*) FROM melding") == [(N,)]
        assert tel(data / "tafel.db", een_per_melding.format("agenda_item")) == [(N, N)]
        assert tel(data / "tafel.db", een_per_melding.format("besluit")) == [(N, N)]
        actief = een_per_melding.format("toewijzing") + " WHERE status = 'actief'"
        assert tel(data / "toewijzing.db", actief) == [(len(regie), len(regie))]
        brieven = "SELECT status, count(*), count(DISTINCT melding_id) FROM brief GROUP BY status"
        assert tel(data / "notificatie.db", brieven) == [("gereed", N, N)]

        # And what went out on the bus: exactly one of each per melding, no duplicates.
        url = system.nats.url
        for kanaal, sleutel, verwacht in (
            (subjects.MELDING_ONTVANGEN, "melding_id", ids),
            (subjects.BESLUIT_GENOMEN, "melding_id", ids),
            (subjects.REGISSEUR_TOEGEWEZEN, "melding_id", regie),
            (subjects.BRIEF_GEREED, "melding_id", ids),
            (subjects.PARTNER_BESLUIT_GENOMEN, "zaak_ref", ids),
        ):
            gezien = Counter(str(b["data"][sleutel]) for b in await berichten(url, kanaal))
            assert set(gezien) == verwacht, kanaal.type
            dubbel = {k: v for k, v in gezien.items() if v != 1}
            assert dubbel == {}, f"{kanaal.type} more than once: {list(dubbel.items())[:5]}"
    finally:
        await asyncio.to_thread(system.stop)
