"""bench/idle: ``./jbplein up`` (the runner, its nats-server and the four services) left
alone. Prints, per process, the CPU it used while nothing happened (utime + stime from
``/proc/<pid>/stat``) and its resident memory (``VmRSS``), the whole stack's memory, and how much
the data folder grew (telemetry, logs, the NATS store, the databases).

    ./jbplein run python -m bench.idle.run [--seconds 60] [--settle 10] [--nats-port 5150]
        [--first-port 9151]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common import machine
from jbplein_runner import processes
from jbplein_runner.accounts import ensure_accounts, ensure_session_secret
from jbplein_runner.system import SERVICES
from tests.support.procfs import cpu_seconds


def memory_mib(pid: int) -> tuple[float, float]:
    """Resident memory (RSS) and its proportional share (PSS: pages shared with other processes,
    such as the shared libraries, divided among them)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0]) / 1024
    return values["Rss"], values["Pss"]


def folder_kib(path: Path) -> float:
    if not path.exists():
        return 0.0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024


@dataclass
class Measured:
    name: str
    pid: int
    cpu: float
    rss: float
    pss: float


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def name_of(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    for part in command:
        text = part.decode(errors="replace")
        if text.startswith("jbplein_") or text.endswith("nats-server"):
            return text.rsplit("/", 1)[-1].removeprefix("jbplein_")
    return str(pid)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to watch (60)")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds to wait after start-up first (10)"
    )
    parser.add_argument("--nats-port", type=int, default=0, help="0: a free port")
    parser.add_argument(
        "--first-port", type=int, default=0, help="the services' ports from here; 0: free ports"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="a data folder's first start (the runner then generates the accounts itself)",
    )
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    ports = {
        spec.name: (args.first_port + i if args.first_port else processes.free_port())
        for i, spec in enumerate(SERVICES)
    }
    with tempfile.TemporaryDirectory(prefix="jbplein-idle-") as folder:
        data = Path(folder) / "data"
        if not args.fresh:  # as every start after the first finds it
            ensure_accounts(data)
            ensure_session_secret(data)
        command = [sys.executable, "-m", "jbplein_runner", "up", "--data-dir", str(data)]
        command += ["--nats-port", str(args.nats_port or processes.free_port())]
        for name, port in ports.items():
            command += [f"--{name}-port", str(port)]
        with (Path(folder) / "up.log").open("ab") as log:
            runner = processes.spawn(command, env=env, log=log)
        try:
            processes.wait_until(
                lambda: all(healthy(f"http://127.0.0.1:{p}") for p in ports.values()),
                120,
                "jbplein up",
            )
            time.sleep(args.settle)
            pids = {"runner (./jbplein up)": runner.pid}
            pids.update({name_of(pid): pid for pid in children(runner.pid)})
            parts = ("telemetry", "logs", "nats")
            sizes = {p: folder_kib(data / p) for p in parts}
            databases = sum(f.stat().st_size for f in data.glob("*.db*")) / 1024
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            time.sleep(args.seconds)
            measured = [
                Measured(name, pid, cpu_seconds(pid) - before[name], *memory_mib(pid))
                for name, pid in pids.items()
            ]
            grown = {p: folder_kib(data / p) - sizes[p] for p in parts}
            grown["databases"] = sum(f.stat().st_size for f in data.glob("*.db*")) / 1024 - (
                databases
            )
        finally:
            runner.send_signal(signal.SIGINT)
            runner.wait(timeout=60)

    print(f"# idle for {args.seconds:.0f} s after {args.settle:.0f} s to settle; {machine()}")
    print(f"# load average at the end: {os.getloadavg()[0]:.2f}")
    print("# first start of the data folder" if args.fresh else "# a later start (accounts exist)")
    print()
    print("| process | CPU while idle | per minute | memory (RSS) | proportional (PSS) |")
    print("| --- | --- | --- | --- | --- |")
    for m in measured:
        per_minute = m.cpu * 60 / args.seconds
        print(
            f"| {m.name} | {m.cpu:.2f} s | {per_minute:.2f} s | {m.rss:.0f} MiB | {m.pss:.0f} MiB |"
        )
    cpu = sum(m.cpu for m in measured)
    rss = sum(m.rss for m in measured)
    pss = sum(m.pss for m in measured)
    print(f"| **whole stack** | {cpu:.2f} s | | **{rss:.0f} MiB** | **{pss:.0f} MiB** |")
    print()
    print("| data folder | grew by |")
    print("| --- | --- |")
    for part, kib in grown.items():
        print(f"| {part} | {kib:.1f} KiB |")


if __name__ == "__main__":
    main()
