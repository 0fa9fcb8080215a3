"""Telemetry files in the embedded mode never grow without bound: each is rolled over at a size
cap, and only a few rolled-over files are kept."""

from __future__ import annotations

import json
from pathlib import Path

from jbplein_kit.settings import ServiceSettings
from jbplein_kit.telemetry import setup_telemetry

CAP = 64 * 1024


def test_telemetry_files_roll_over_at_their_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "telemetry" / "probe.jsonl"
    settings = ServiceSettings(
        telemetry="file",
        telemetry_file=path,
        telemetry_file_max_bytes=CAP,
        telemetry_file_backups=2,
    )
    telemetry = setup_telemetry("probe", settings)
    written = 0
    for batch in range(40):
        for i in range(50):
            with telemetry.tracer.start_as_current_span(
                "brief maken", attributes={"jbplein.ronde": f"{batch}-{i}"}
            ):
                written += 1
        telemetry.tracer_provider.force_flush()
    telemetry.shutdown()

    files = sorted(p.name for p in path.parent.iterdir() if not p.name.endswith("metrics.jsonl"))
    assert files == ["probe.jsonl", "probe.jsonl.1", "probe.jsonl.2"]
    kept = 0
    for name in files:
        text = (path.parent / name).read_text()
        assert len(text.encode()) <= CAP, f"{name} is over the cap"
        for line in text.splitlines():
            assert json.loads(line)["name"] == "brief maken"  # whole lines only
            kept += 1
    assert 0 < kept < written, "the oldest spans were dropped, the newest kept"
    newest = json.loads(path.read_text().splitlines()[-1])
    assert newest["attributes"]["jbplein.ronde"] == "39-49"
