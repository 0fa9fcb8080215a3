"""``./jbplein test``: lint, format, types and the whole test suite; non-zero on any failure.

Arguments after ``--`` go to pytest, e.g. ``./jbplein test -- -k werkdagen``; ``--fast`` skips
lint and types.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PACKAGES = [
    "jbplein_contracts",
    "jbplein_kit",
    "jbplein_runner",
    "jbplein_intake",
    "jbplein_tafel",
    "jbplein_toewijzing",
    "jbplein_notificatie",
]


def run(name: str, args: list[str]) -> tuple[str, bool, float]:
    print(f"\n=== {name}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    ok = subprocess.run(args, cwd=ROOT, check=False).returncode == 0
    return name, ok, time.monotonic() - started


def ensure_chromium() -> None:
    """The browser test drives Debian's chromium; install it where this machine allows."""
    if os.environ.get("JBPLEIN_CHROMIUM") or shutil.which("chromium"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            "jbplein: chromium is missing and cannot be installed here; the browser test "
            "will fail (install Debian's chromium package)",
            flush=True,
        )
        return
    print("jbplein: installing Debian's chromium for the browser test ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./jbplein test", description=__doc__)
    parser.add_argument("--fast", action="store_true", help="skip lint, format and types")
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args(argv)
    fast = args.fast
    pytest_args = list(args.pytest_args)
    steps = []
    if not fast:
        steps.append(run("ruff check", [str(BIN / "ruff"), "check", "."]))
        steps.append(run("ruff format", [str(BIN / "ruff"), "format", "--check", "."]))
        mypy = [str(BIN / "mypy")]
        for package in PACKAGES:
            mypy += ["-p", package]
        steps.append(run("mypy", mypy))
    ensure_chromium()
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args):
        # Two workers: most tests wait on processes, NATS and the database, not the CPU.
        pytest_args = ["-n", "2", "--dist", "worksteal", *pytest_args]
    if not any(a.startswith("--durations") for a in pytest_args):
        # The slowest tests, so that each run shows where CI's time goes.
        pytest_args = ["--durations", "15", *pytest_args]
    steps.append(run("pytest", [sys.executable, "-m", "pytest", *pytest_args]))
    print("\n=== summary")
    for name, ok, seconds in steps:
        print(f"  {'ok  ' if ok else 'FAIL'} {name:12s} {seconds:7.1f}s")
    return 0 if all(ok for _, ok, _ in steps) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
