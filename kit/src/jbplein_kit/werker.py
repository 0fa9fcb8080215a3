"""A background worker: tasks that do due work from the service's own database, round after
round, woken at once when a transaction commits new work and polling as a safety net. An error
pauses a task with a growing delay; it never dies of one. The outbox relay, the letters and the
webhook deliveries run on it.

``parallel`` tasks run the same rounds side by side, for work that mostly waits on others (an
HTTP call): each round must claim its own piece of work (a lease), so two never do the same.
Only the first task polls; a round that found work wakes the others, so an idle worker costs
one round per poll interval however many tasks it has."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("jbplein.werker")

Ronde = Callable[[], Awaitable[int]]
"""One round of work; returns how much it did (0: nothing was due)."""


class Werker:
    def __init__(
        self,
        naam: str,
        ronde: Ronde,
        *,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        parallel: int = 1,
    ) -> None:
        if parallel < 1:
            raise ValueError("a worker needs at least one task")
        self.naam = naam
        self._ronde = ronde
        self._poll = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._wakes = [asyncio.Event() for _ in range(parallel)]
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.failures = 0
        self.rondes = 0
        """Rounds run so far, by all tasks together."""

    @property
    def poll_seconds(self) -> float:
        return self._poll

    @property
    def parallel(self) -> int:
        return len(self._wakes)

    def notify(self) -> None:
        """There may be new work: do a round now."""
        for wake in self._wakes:
            wake.set()

    def start(self) -> None:
        if not self._tasks:
            self._stopping = False
            self._tasks = [
                asyncio.create_task(self._run(wake, polls=i == 0), name=f"{self.naam}-{i}")
                for i, wake in enumerate(self._wakes)
            ]

    async def stop(self) -> None:
        self._stopping = True
        self.notify()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self, wake: asyncio.Event, *, polls: bool) -> None:
        backoff = 0.0
        while not self._stopping:
            wake.clear()
            self.rondes += 1
            try:
                gedaan = await self._ronde()
                backoff = 0.0
                if gedaan:
                    self.notify()  # there may be more: every task to work
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a worker outlives NATS, database and network outages
                self.failures += 1
                backoff = min(self._max_backoff, max(0.2, backoff * 2))
                log.warning("%s paused %.1fs: %s", self.naam, backoff, type(exc).__name__)
                await asyncio.sleep(backoff)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self._poll if polls else None)
