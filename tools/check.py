"""``./jbplein test``: lint, format, types and the whole test suite; non-zero on any failure.

Arguments after ``--`` go to pytest, e.g. ``./jbplein test -- -k werkdagen``; ``--fast`` skips
lint and types.
"""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    fast = "--fast" in argv
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    steps = []
    if not fast:
        steps.append(run("ruff check", [str(BIN / "ruff"), "check", "."]))
        steps.append(run("ruff format", [str(BIN / "ruff"), "format", "--check", "."]))
        mypy = [str(BIN / "mypy")]
        for package in PACKAGES:
            mypy += ["-p", package]
        steps.append(run("mypy", mypy))
    steps.append(run("pytest", [sys.executable, "-m", "pytest", *pytest_args]))
    print("\n=== summary")
    for name, ok, seconds in steps:
        print(f"  {'ok  ' if ok else 'FAIL'} {name:12s} {seconds:7.1f}s")
    return 0 if all(ok for _, ok, _ in steps) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
