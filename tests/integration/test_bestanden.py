"""Files with personal data or secrets are for the system's own user only: folders 0700, files
0600, from the first start (issue 11 found the databases and their WAL 0644 in a 0755 folder).
Each test runs under the common umask 022, as a shell would start the system."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from jbplein_contracts import subjects
from jbplein_intake.app import create_app
from jbplein_intake.models import Melding
from jbplein_intake.settings import Settings
from jbplein_kit.service import Service
from jbplein_kit.streams import ensure_streams
from jbplein_runner.nats_server import NatsServer
from jbplein_runner.system import System

from ..conftest import bearer, eventually, fast_settings, serving
from ..support.bus import Bus
from ..support.meldingen import melding


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def open_modes(folder: Path) -> dict[str, str]:
    """Everything under ``folder`` (itself included) that others could read or enter."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        if mode != expected:
            found[str(path.relative_to(folder.parent))] = oct(mode)
    return found


async def test_a_service_keeps_its_database_wal_and_traces_private_from_the_first_start(
    nats_server: NatsServer, tmp_path: Path, accounts_file: Path, tokens: dict[str, str]
) -> None:
    data = tmp_path / "data"
    settings = fast_settings(
        Settings,
        database_url="",  # the embedded default: a SQLite file in the data folder
        nats_url=nats_server.url,
        data_dir=data,
        accounts_file=accounts_file,
        telemetry="file",
        telemetry_file=data / "telemetry" / "intake.jsonl",
    )
    app = create_app(settings)
    service: Service = app.state.service
    async with serving(app) as client:
        r = await client.post(
            "/api/v1/meldingen", json=melding(), headers=bearer(tokens["veilig-thuis-api"])
        )
        assert r.status_code == 201, r.text

        async with service.sessions() as session:
            assert await session.get(Melding, UUID(r.json()["id"])) is not None
        names = {p.name for p in data.rglob("*")}
        assert {"intake.db", "intake.db-wal", "intake.db-shm", "intake.jsonl"} <= names
        assert open_modes(data) == {}
    assert open_modes(data) == {}


def test_an_open_data_folder_of_an_older_version_is_closed_when_the_runner_starts(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    for name in ("intake.db", "intake.db-wal", "logs/intake.log"):
        (data / name).write_text("")
    os.chmod(data, 0o755)
    assert open_modes(data), "the test starts from open files"
    System(data_dir=data, host="127.0.0.1", nats_port=1)
    assert {"accounts.toml", "credentials.toml", "session_secret"} <= {
        p.name for p in data.iterdir()
    }
    assert open_modes(data) == {}


async def test_the_nats_store_the_runner_creates_is_private(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats", log_file=tmp_path / "logs" / "nats-server.log")
    server.start()
    try:
        async with Bus(server.url) as bus:
            await ensure_streams(bus.js)
            await bus.js.publish(
                subjects.MELDING_ONTVANGEN.subject("0599"), b"{}", headers={"Nats-Msg-Id": "1"}
            )

        async def store_written() -> bool:
            return any(p.is_file() for p in (tmp_path / "nats").rglob("*.blk"))

        await eventually(store_written)
    finally:
        server.stop()
    assert open_modes(tmp_path / "nats") == {}
    assert open_modes(tmp_path / "logs") == {}


async def test_a_configured_folder_elsewhere_is_left_as_its_owner_set_it(
    nats_server: NatsServer, tmp_path: Path, accounts_file: Path
) -> None:
    """The data folder is the service's; a folder an operator configured for the traces is
    theirs (the file in it is still private)."""
    elsewhere = tmp_path / "var-log"
    elsewhere.mkdir(mode=0o755)
    settings = fast_settings(
        Settings,
        database_url="",
        nats_url=nats_server.url,
        data_dir=tmp_path / "data",
        accounts_file=accounts_file,
        telemetry="file",
        telemetry_file=elsewhere / "intake.jsonl",
    )
    create_app(settings)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755
    assert stat.S_IMODE((elsewhere / "intake.jsonl").stat().st_mode) == 0o600
    assert open_modes(tmp_path / "data") == {}
