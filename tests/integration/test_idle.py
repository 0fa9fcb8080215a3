"""An idle system is idle: with nothing happening, every worker of every service (the outbox
relays, the letter makers, the webhook deliveries) only polls at its interval, and almost
nothing is written to the telemetry files. Before, a worker's empty round committed, the commit
woke every worker, and notificatie spun a whole core and wrote megabytes of spans a minute."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

import jbplein_intake.app
import jbplein_intake.settings
import jbplein_notificatie.app
import jbplein_notificatie.settings
import jbplein_tafel.app
import jbplein_tafel.settings
import jbplein_toewijzing.app
import jbplein_toewijzing.settings
from jbplein_kit.service import Service
from jbplein_kit.settings import ServiceSettings
from jbplein_kit.werker import Werker
from jbplein_runner.nats_server import NatsServer

from ..conftest import eventually, fast_settings, running
from ..support.probe.models import Effect
from ..support.probe.service import count, create_probe, melding

POLL_SECONDS = 0.5
IDLE_SECONDS = 10.0
MAX_TELEMETRY_BYTES = 100 * 1024

SERVICES: dict[str, tuple[ModuleType, ModuleType]] = {
    "intake": (jbplein_intake.app, jbplein_intake.settings),
    "tafel": (jbplein_tafel.app, jbplein_tafel.settings),
    "toewijzing": (jbplein_toewijzing.app, jbplein_toewijzing.settings),
    "notificatie": (jbplein_notificatie.app, jbplein_notificatie.settings),
}


@pytest.fixture
async def services(
    nats_server: NatsServer,
    database_factory: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    accounts_file: Path,
) -> AsyncIterator[list[Service]]:
    """The four services (their apps, so HTTP is instrumented too), each on its own database,
    writing telemetry to files as in the embedded mode."""
    services: list[Service] = []
    for name, (app, settings) in SERVICES.items():
        made = app.create_app(
            fast_settings(
                settings.Settings,
                database_url=await database_factory(name),
                nats_url=nats_server.url,
                data_dir=tmp_path,
                accounts_file=accounts_file,
                outbox_poll_seconds=POLL_SECONDS,
                telemetry="file",
                telemetry_file=tmp_path / "telemetry" / f"{name}.jsonl",
            )
        )
        services.append(made.state.service)
    async with AsyncExitStack() as stack:
        for service in services:
            await stack.enter_async_context(running(service))
        yield services


def werkers(services: list[Service]) -> dict[str, Werker]:
    found = {}
    for service in services:
        for werker in [service.relay.werker, *service.werkers]:
            found[f"{service.name}/{werker.naam}"] = werker
    return found


def telemetry_bytes(folder: Path, services: list[Service]) -> int:
    """What the telemetry files hold once every span and metric so far is written."""
    for service in services:
        service.telemetry.tracer_provider.force_flush()
        service.telemetry.meter_provider.force_flush()
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


async def test_an_idle_system_only_polls_and_writes_almost_no_telemetry(
    services: list[Service], tmp_path: Path
) -> None:
    async def settled() -> bool:
        # Start-up work (sessions planned, reference data loaded) is published.
        return all([await s.relay.pending() == 0 for s in services])

    await eventually(settled)
    folder = tmp_path / "telemetry"
    rounds = {naam: werker.rondes for naam, werker in werkers(services).items()}
    size = telemetry_bytes(folder, services)

    # Nothing happens for a while: this sleep is the observation window, not a wait.
    await asyncio.sleep(IDLE_SECONDS)

    grown = telemetry_bytes(folder, services) - size
    problems = []
    for naam, werker in werkers(services).items():
        ran = werker.rondes - rounds[naam]
        # Only the first task polls, and waits a poll interval after each empty round (one
        # round may be under way at either end); the other tasks sleep until work comes.
        allowed = IDLE_SECONDS / werker.poll_seconds + 2
        if ran > allowed:
            problems.append(f"{naam} ran {ran} rounds (allowed {allowed:.0f})")
    if grown >= MAX_TELEMETRY_BYTES:
        problems.append(f"the telemetry grew by {grown} bytes")
    assert not problems, f"in {IDLE_SECONDS:.0f} idle seconds: " + "; ".join(problems)


# --- the mechanisms behind it, one at a time ---------------------------------------------------


def probe(database_url: str, nats_server: NatsServer, tmp_path: Path, **settings: Any) -> Service:
    return create_probe(
        fast_settings(
            ServiceSettings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            **settings,
        ),
        consume=False,
    )


async def test_a_commit_wakes_only_the_workers_whose_rows_it_wrote(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    # Polling once a minute: within the test a worker runs a round only when it is woken.
    service = probe(database_url, nats_server, tmp_path, outbox_poll_seconds=60)
    seen: list[int] = []

    async def ronde() -> int:
        seen.append(await count(service, Effect))
        return 0

    werker = service.werker("effecten", ronde, werk=Effect)
    async with running(service):
        await eventually(lambda: ran(werker, 1))  # its round at start
        async with service.unit_of_work() as uow:  # reads only
            await uow.session.scalar(select(func.count()).select_from(Effect))
        async with service.unit_of_work() as uow:  # an event: the relay's work, not this one's
            uow.publish(melding())
        await eventually(lambda: relay_done(service))
        assert werker.rondes == 1, "neither a read nor an event is this worker's work"

        async with service.unit_of_work() as uow:
            uow.session.add(Effect(message_id="m-1", kind="nieuw", at=uow.now))
        await eventually(lambda: ran(werker, 2))
        async with service.unit_of_work() as uow:
            effect = await uow.session.scalar(select(Effect))
            assert effect is not None
            effect.kind = "gewijzigd"
        await eventually(lambda: ran(werker, 3))
        with pytest.raises(RuntimeError):
            await rolled_back(service)
        async with service.unit_of_work() as uow:
            uow.publish(melding())
        await eventually(lambda: relay_done(service))
    assert seen == [0, 1, 1], "an insert and a change woke it; a rollback did not"


async def ran(werker: Werker, rondes: int) -> bool:
    return werker.rondes >= rondes


async def relay_done(service: Service) -> bool:
    return await service.relay.pending() == 0


async def rolled_back(service: Service) -> None:
    async with service.unit_of_work() as uow:
        uow.session.add(Effect(message_id="m-2", kind="teruggedraaid", at=uow.now))
        await uow.session.flush()
        raise RuntimeError("rolled back")


async def test_sql_is_a_span_only_within_a_trace(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "telemetry" / "probe.jsonl"
    service = probe(database_url, nats_server, tmp_path, telemetry="file", telemetry_file=path)
    async with running(service):
        async with service.unit_of_work() as uow:  # a worker's round that finds nothing
            await uow.session.scalar(select(Effect).limit(1))
        with service.tracer.start_as_current_span("brief maken"):
            async with service.unit_of_work() as uow:
                await uow.session.scalar(select(Effect).limit(1))
        service.telemetry.tracer_provider.force_flush()
        spans = [json.loads(line) for line in path.read_text().splitlines()]
    [parent] = [s for s in spans if s["name"] == "brief maken"]
    sql = [s for s in spans if "db.system" in s["attributes"]]
    assert sql, "the query within the trace is a span"
    assert all(s["parent_id"] == parent["context"]["span_id"] for s in sql), (
        "no SQL span outside a trace (the start-up's and the empty round's)"
    )
