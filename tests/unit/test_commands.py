"""Every command of the project answers ``--help`` with its usage and does nothing else: no file
written, nothing started (``python -m jbplein_runner.accounts --help`` once wrote credentials
into a folder named ``--help``, and a service's ``--help`` started the service)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["runner/src", "kit/src", "contracts/src", "services", "bench", "tools"]

PYTHON_COMMANDS = [
    ["-m", "jbplein_runner"],
    ["-m", "jbplein_runner", "up"],
    ["-m", "jbplein_runner.up"],
    ["-m", "jbplein_runner.accounts"],
    ["-m", "jbplein_kit.migrations"],
    ["-m", "jbplein_kit.migrations", "revision"],
    ["-m", "jbplein_contracts.generate"],
    ["-m", "jbplein_intake"],
    ["-m", "jbplein_tafel"],
    ["-m", "jbplein_toewijzing"],
    ["-m", "jbplein_notificatie"],
    ["-m", "bench.idle.run"],
    ["-m", "bench.intake.run"],
    ["-m", "bench.intake.bare"],
    ["-m", "bench.pipeline.run"],
    ["-m", "bench.planning.run"],
    [str(ROOT / "tools/check.py")],
]
JBPLEIN_COMMANDS = [["help"], ["up"], ["test"], ["sync"], ["run"]]


def _module_of(path: Path) -> str:
    relative = path.relative_to(ROOT)
    parts = list(relative.with_suffix("").parts)
    if "src" in parts:
        parts = parts[parts.index("src") + 1 :]
    if parts[-1] == "__main__":
        parts = parts[:-1]
    return ".".join(parts)


def test_every_runnable_module_is_in_the_list() -> None:
    listed = {c[1] if c[0] == "-m" else c[0] for c in PYTHON_COMMANDS}
    found = set()
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if re.search(r"^if __name__ == .__main__.:", path.read_text(), re.M):
                found.add(str(path) if source == "tools" else _module_of(path))
    assert found <= listed, f"commands without a --help test: {sorted(found - listed)}"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _check(result: subprocess.CompletedProcess[str], where: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:"), result.stdout[:300]
    assert list(where.iterdir()) == [], f"--help wrote {sorted(where.iterdir())}"


@pytest.mark.parametrize("command", PYTHON_COMMANDS, ids=" ".join)
def test_a_python_command_answers_help_and_writes_nothing(
    command: list[str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, *command, "--help"],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    _check(result, tmp_path)


def _state_of_the_checkout() -> set[str]:
    """What a command could leave behind in the checkout (the environment itself aside; the
    tools' caches, which tests running beside this one may create, aside too)."""
    names = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")}
    jbplein = ROOT / ".jbplein"
    data = {str(p) for p in jbplein.rglob("*") if "tools" not in p.relative_to(jbplein).parts}
    return names | data


@pytest.mark.parametrize("command", JBPLEIN_COMMANDS, ids=" ".join)
def test_a_jbplein_subcommand_answers_help_and_writes_nothing(
    command: list[str], tmp_path: Path
) -> None:
    before = _state_of_the_checkout()
    result = subprocess.run(
        [str(ROOT / "jbplein"), *command, "--help"],
        cwd=tmp_path,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if command == ["help"]:
        assert result.returncode == 0 and "./jbplein up" in result.stdout
        assert "set -eu" not in result.stdout
    else:
        _check(result, tmp_path)
    assert _state_of_the_checkout() == before
