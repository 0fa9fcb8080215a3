"""The benchmarks keep working: each runs with a small load and prints its figures. (They are
run for their figures by hand and in CI; the tests assert nothing about timings.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import BACKENDS
from ..support import databases

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <args>`` from the project's root; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_bench_intake_runs_and_prints_its_figures(backend: str) -> None:
    env = {}
    if backend == "postgres":  # the server this test process found (or it skips, saying why)
        env["TEST_DATABASE_URL"] = databases.postgres_server()
    result = bench(
        "bench.intake.run", "--n", "40", "--concurrency", "4", "--backend", backend, **env
    )
    assert "| bare FastAPI endpoint | 40 |" in result.stdout
    assert f"| intake on {backend} | 40 |" in result.stdout


@pytest.mark.slow
def test_bench_planning_runs_and_prints_its_figures() -> None:
    result = bench("bench.planning.run", "--n", "300", "--herhaal", "2")
    assert "full re-plan of all 300" in result.stdout
    assert "incremental (one re-plan per arrival, 300 re-plans)" in result.stdout


@pytest.mark.slow
def test_bench_pipeline_runs_and_prints_its_figures() -> None:
    result = bench("bench.pipeline.run", "--n", "60")
    assert "through: 60 of 60" in result.stdout
    for hop in ("intake: POST", "on the agenda", "casusregisseur", "letter made", "end to end"):
        assert f"| {hop}" in result.stdout or hop in result.stdout
    assert "raw JetStream" in result.stdout and "ratio:" in result.stdout


@pytest.mark.slow
def test_bench_idle_runs_and_prints_its_figures() -> None:
    result = bench("bench.idle.run", "--seconds", "2", "--settle", "1")
    for process in ("runner (./jbplein up)", "nats-server", "intake", "notificatie"):
        assert f"| {process} |" in result.stdout
    assert "| **whole stack** |" in result.stdout
    assert "| telemetry |" in result.stdout
