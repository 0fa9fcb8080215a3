"""What the benchmarks share: a nats-server and a service as real processes, a load loop, and
percentiles."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from jbplein_runner import processes
from jbplein_runner.accounts import ensure_accounts, ensure_session_secret, read_credentials
from jbplein_runner.nats_server import NatsServer


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}"
    )


@dataclass
class Figures:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    def row(self) -> str:
        return (
            f"| {self.name} | {self.count} | {self.rate:,.0f}/s | {self.percentile(50):.1f} ms "
            f"| {self.percentile(99):.1f} ms | {self.failures} |"
        )


HEADER = (
    "| what | requests | throughput | p50 | p99 | failed |\n| --- | --- | --- | --- | --- | --- |"
)


async def load(
    call: Callable[[int], Awaitable[bool]], n: int, concurrency: int, name: str
) -> Figures:
    """Run ``call(i)`` for i in range(n) with ``concurrency`` in flight; time each call."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        nonlocal failures
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            ok = await call(i)
            latencies.append(time.perf_counter() - started)
            failures += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(name, n, time.perf_counter() - started, latencies, failures)


def wait_http(url: str, timeout: float = 60.0) -> None:
    def up() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return True
        except OSError:
            return False

    processes.wait_until(up, timeout, url)


@contextmanager
def nats_server(folder: Path) -> Iterator[NatsServer]:
    server = NatsServer(folder / "nats", log_file=folder / "nats.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def service_process(
    module: str, folder: Path, nats_url: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """``python -m <module>`` as ``./jbplein up`` starts it; yields its URL and the tokens."""
    accounts_file, credentials_file = ensure_accounts(folder)
    port = processes.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    env.update(
        {
            "JBPLEIN_PORT": str(port),
            "JBPLEIN_DATA_DIR": str(folder),
            "JBPLEIN_NATS_URL": nats_url,
            "JBPLEIN_ACCOUNTS_FILE": str(accounts_file),
            "JBPLEIN_SESSION_SECRET": ensure_session_secret(folder),
            "JBPLEIN_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
    )
    with (folder / f"{module}.log").open("ab") as log:
        process: Popen[bytes] = processes.spawn([sys.executable, "-m", module], env=env, log=log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz")
        yield url, read_credentials(credentials_file)["tokens"]
    finally:
        processes.stop(process)


def summary(values: list[float]) -> str:
    return f"mean {statistics.mean(values):.1f}, min {min(values):.1f}, max {max(values):.1f}"
