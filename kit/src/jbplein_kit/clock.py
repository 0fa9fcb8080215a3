"""Clocks: the system clock in production, controllable clocks in tests.

Every service asks its clock for "now"; nothing calls ``datetime.now()`` directly. A clock may run
ahead of the wall clock (``skew``): deadline timers are scheduled at wall-clock moments, so a
timer due at logical time ``t`` fires at ``t - skew``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


def wall_now() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...

    def skew(self) -> timedelta:
        """How far this clock runs ahead of the wall clock."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return wall_now()

    def skew(self) -> timedelta:
        return timedelta(0)


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware moment")
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta

    def skew(self) -> timedelta:
        return self.now() - wall_now()


class OffsetFileClock:
    """The wall clock shifted by an offset that a file holds (seconds, a float).

    The end-to-end tests control the time of running processes with it: they write the file and
    every process reads it on the next ``now()``. It is refused in production by the settings.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._cache: tuple[float, float] = (-1.0, 0.0)

    def _offset(self) -> timedelta:
        try:
            mtime = self._path.stat().st_mtime
        except FileNotFoundError:
            return timedelta(0)
        if mtime != self._cache[0]:
            text = self._path.read_text(encoding="utf-8").strip()
            self._cache = (mtime, float(text) if text else 0.0)
        return timedelta(seconds=self._cache[1])

    def now(self) -> datetime:
        return wall_now() + self._offset()

    def skew(self) -> timedelta:
        return self._offset()
