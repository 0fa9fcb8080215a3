"""The kit's worker: however many tasks it has, an idle worker runs one round per poll interval
(only its first task polls); a round that finds work sets every task to work."""

from __future__ import annotations

import asyncio

from jbplein_kit.werker import Werker

from ..conftest import eventually


async def test_only_the_first_task_polls_while_idle() -> None:
    tasks: list[str] = []

    async def ronde() -> int:
        task = asyncio.current_task()
        assert task is not None
        tasks.append(task.get_name())
        return 0

    werker = Werker("idle", ronde, poll_seconds=0.01, parallel=4)
    werker.start()
    try:

        async def polled() -> bool:
            return len(tasks) >= 4 + 10  # the round every task runs at start, then ten polls

        await eventually(polled)
    finally:
        await werker.stop()
    assert sorted(tasks[:4]) == ["idle-0", "idle-1", "idle-2", "idle-3"]
    assert set(tasks[4:]) == {"idle-0"}


async def test_work_found_by_polling_sets_every_task_to_work() -> None:
    werk: list[int] = []
    door: dict[int, str] = {}

    async def ronde() -> int:
        if not werk:
            return 0
        item = werk.pop()
        task = asyncio.current_task()
        assert task is not None
        door[item] = task.get_name()
        await asyncio.sleep(0.01)  # it mostly waits on another service
        return 1

    werker = Werker("letters", ronde, poll_seconds=0.01, parallel=3)
    werker.start()
    try:

        async def started() -> bool:
            return werker.rondes >= 3  # every task ran its first round and found nothing

        await eventually(started)
        werk.extend(range(12))  # due by time: nobody wakes the worker, its poll finds it

        async def done() -> bool:
            return len(door) == 12

        await eventually(done)
    finally:
        await werker.stop()
    assert len(set(door.values())) == 3, "all three tasks made letters"
