"""``UnitOfWork.lock``: handlers that take the same key run one after the other, on SQLite and
PostgreSQL (the notificatie service relies on it when a besluit and its assignment arrive at
once)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from jbplein_kit.clock import ManualClock
from jbplein_kit.db import make_engine, make_sessionmaker
from jbplein_kit.uow import unit_of_work

from ..conftest import eventually


async def waits_for_an_advisory_lock(engine: AsyncEngine) -> bool:
    """PostgreSQL: some transaction is blocked on an advisory lock."""
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )
    return bool(waiting)


async def test_two_units_of_work_on_one_key_run_one_after_the_other(
    database_url: str, backend: str
) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = ManualClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    order: list[str] = []
    first_holds = asyncio.Event()
    second_asks = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with unit_of_work(sessions, clock, "test") as uow:
            await uow.lock("brief-1")
            order.append("first has it")
            first_holds.set()
            await release.wait()
            order.append("first done")

    async def second(key: str) -> None:
        await first_holds.wait()
        async with unit_of_work(sessions, clock, "test") as uow:
            second_asks.set()
            await uow.lock(key)
            order.append(f"second has {key}")

    try:
        a = asyncio.create_task(first())
        b = asyncio.create_task(second("brief-1"))
        await first_holds.wait()
        await second_asks.wait()
        if backend == "postgres":  # the second has reached the server and waits there
            await eventually(lambda: waits_for_an_advisory_lock(engine))
        # (SQLite: asking for the service's one connection, which the first holds, is where
        # the second task stopped; it runs again only when the connection is free.)
        assert order == ["first has it"]
        release.set()
        await asyncio.gather(a, b)
        assert order == ["first has it", "first done", "second has brief-1"]
    finally:
        await engine.dispose()


# On PostgreSQL only: SQLite runs one transaction at a time per service (one connection), so
# there every key waits, by design.
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_other_keys_do_not_wait_on_postgres(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = ManualClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    release = asyncio.Event()
    held = asyncio.Event()

    async def holder() -> None:
        async with unit_of_work(sessions, clock, "test") as uow:
            await uow.lock("brief-1")
            held.set()
            await release.wait()

    try:
        task = asyncio.create_task(holder())
        await held.wait()
        async with unit_of_work(sessions, clock, "test") as uow:
            await uow.lock("brief-2")  # would hang (and time out) if keys were shared
        release.set()
        await task
    finally:
        await engine.dispose()
