"""``./jbplein up`` left alone: its processes use next to no CPU and write next to nothing (the
services' workers only poll; SQL outside a trace makes no span). Before, notificatie used a
whole core and wrote some 500 KB of spans a second while nothing happened."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ..support.procfs import cpu_seconds
from .conftest import Up

IDLE_SECONDS = 10.0
MAX_CPU_SECONDS = 2.0
"""Per process over the idle window: generous for a busy machine (idle, a service uses about
0.01 s a second; spinning, it used a whole core)."""
MAX_GROWTH_BYTES = 100 * 1024


def name_of(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return next((w for w in command.split() if w.startswith("jbplein_")), command[:60])


def written(data_dir: Path) -> int:
    """Bytes in the telemetry and log files."""
    return sum(
        p.stat().st_size
        for folder in ("telemetry", "logs")
        for p in (data_dir / folder).rglob("*")
        if p.is_file()
    )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_idle_system_uses_next_to_no_cpu_and_writes_next_to_nothing(up: Up) -> None:
    pids = up.children()
    cpu = {pid: cpu_seconds(pid) for pid in pids}
    size = written(up.data_dir)

    # Nothing happens for a while: this sleep is the observation window, not a wait.
    await asyncio.sleep(IDLE_SECONDS)

    busy = {
        name_of(pid): round(cpu_seconds(pid) - cpu[pid], 2)
        for pid in pids
        if cpu_seconds(pid) - cpu[pid] > MAX_CPU_SECONDS
    }
    assert not busy, f"CPU seconds used in {IDLE_SECONDS:.0f} idle seconds: {busy}"
    grown = written(up.data_dir) - size
    assert grown < MAX_GROWTH_BYTES, f"telemetry and logs grew {grown} bytes while idle"
