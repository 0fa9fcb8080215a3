"""``UnitOfWork.lock``: handlers that take the same key run one after the other, on SQLite and
PostgreSQL (the notificatie service relies on it when a besluit and its assignment arrive at
once)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from jbplein_kit.clock import ManualClock
from jbplein_kit.db import make_engine, make_sessionmaker
from jbplein_kit.uow import unit_of_work


async def test_two_units_of_work_on_one_key_run_one_after_the_other(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = ManualClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    order: list[str] = []
    first_holds = asyncio.Event()
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
            await uow.lock(key)
            order.append(f"second has {key}")

    try:
        a = asyncio.create_task(first())
        b = asyncio.create_task(second("brief-1"))
        await first_holds.wait()
        # Give the second every chance to get past the lock if it were not held.
        for _ in range(20):
            await asyncio.sleep(0.01)
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
