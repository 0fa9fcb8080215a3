"""The system as ``./jbplein up`` runs it: the runner process, its nats-server and the four
services, on free ports and a temporary data folder; reached over HTTP and NATS only."""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

import pytest

from jbplein_runner import processes
from jbplein_runner.accounts import read_credentials
from jbplein_runner.system import SERVICES

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Up:
    """A running ``./jbplein up``."""

    data_dir: Path
    nats_port: int
    ports: dict[str, int]
    env: dict[str, str]
    process: Popen[bytes] | None = None

    def set_time(self, moment: datetime) -> None:
        """Move the clock of every process to ``moment`` (they read the offset from a file)."""
        offset = (moment - datetime.now(UTC)).total_seconds()
        self.clock_file.write_text(f"{offset:.3f}")

    def at_least(self, moment: datetime | str) -> None:
        """Move the clock forward to ``moment`` (an ISO string or a datetime) if it is behind;
        never back. A besluit is recorded once its session has begun: tests move to it."""
        doel = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        try:
            offset = float(self.clock_file.read_text() or 0)
        except FileNotFoundError:
            offset = 0.0
        if datetime.now(UTC).timestamp() + offset < doel.timestamp():
            self.set_time(doel)

    @property
    def clock_file(self) -> Path:
        return self.data_dir.parent / "clock-offset"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    @property
    def tokens(self) -> dict[str, str]:
        return read_credentials(self.data_dir / "credentials.toml")["tokens"]

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            log = (self.data_dir / "up.log").read_text(errors="replace")
            raise RuntimeError(f"jbplein up exited with {self.process.returncode}:\n{log}")
        for name in self.ports:
            try:
                with urllib.request.urlopen(f"{self.url(name)}/healthz", timeout=0.5):
                    pass
            except OSError:
                return False
        return True

    def start(self, timeout: float = 90.0) -> None:
        args = [
            sys.executable,
            "-m",
            "jbplein_runner",
            "up",
            "--data-dir",
            str(self.data_dir),
            "--nats-port",
            str(self.nats_port),
        ]
        for name, port in self.ports.items():
            args += [f"--{name}-port", str(port)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "up.log").open("ab") as log:
            self.process = processes.spawn(args, env=self.env, log=log, cwd=ROOT)
        processes.wait_until(self._healthy, timeout, "jbplein up")

    def children(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]

    def stop(self, sig: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.process = None
        return code


@pytest.fixture
async def up(
    tmp_path: Path, backend: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[Up]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    env["JBPLEIN_OUTBOX_POLL_SECONDS"] = "0.5"
    env["JBPLEIN_CLOCK_FILE"] = str(tmp_path / "clock-offset")
    if backend == "postgres":
        for spec in SERVICES:
            env[f"JBPLEIN_{spec.name.upper()}_DATABASE_URL"] = await database_factory(spec.name)
    system = Up(
        data_dir=tmp_path / "data",
        nats_port=processes.free_port(),
        ports={spec.name: processes.free_port() for spec in SERVICES},
        env=env,
    )
    system.start()
    yield system
    if system.process is not None:
        system.stop()
