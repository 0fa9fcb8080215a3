"""A background worker: a task that does due work from the service's own database, round
after round, woken at once when a transaction commits new work and polling as a safety net.
An error pauses it with a growing delay; it never dies of one. The outbox relay, the letters
and the webhook deliveries run on it."""

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
    ) -> None:
        self.naam = naam
        self._ronde = ronde
        self._poll = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.failures = 0

    def notify(self) -> None:
        """There may be new work: do a round now."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=self.naam)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.0
        while not self._stopping:
            self._wake.clear()
            try:
                gedaan = await self._ronde()
                backoff = 0.0
                if gedaan:
                    continue  # there may be more
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a worker outlives NATS, database and network outages
                self.failures += 1
                backoff = min(self._max_backoff, max(0.2, backoff * 2))
                log.warning("%s paused %.1fs: %s", self.naam, backoff, type(exc).__name__)
                await asyncio.sleep(backoff)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
