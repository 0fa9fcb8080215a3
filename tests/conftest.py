"""Fixtures shared by every test: a real nats-server per test, a database per test (SQLite, and
PostgreSQL where available), accounts, and helpers to run services in-process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI

from jbplein_kit.service import Service
from jbplein_kit.settings import ServiceSettings
from jbplein_runner.accounts import ensure_accounts, read_credentials
from jbplein_runner.nats_server import NatsServer

from .support import databases

S = TypeVar("S", bound=ServiceSettings)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("JBPLEIN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set JBPLEIN_SLOW=1 (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server from the wheel, with JetStream and its own store, for one test."""
    server = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for one test."""
    if backend == "sqlite":
        yield databases.sqlite_url(tmp_path)
        return
    server = databases.postgres_server()
    url = await databases.create_postgres_database(server)
    try:
        yield url
    finally:
        await databases.drop_postgres_database(server, url)


@pytest.fixture
async def database_factory(
    backend: str, tmp_path: Path
) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Makes more fresh databases of the same backend (one per service of a test)."""
    created: list[str] = []
    server = databases.postgres_server() if backend == "postgres" else None

    async def make(name: str) -> str:
        if backend == "sqlite":
            return databases.sqlite_url(tmp_path, name)
        assert server is not None
        url = await databases.create_postgres_database(server)
        created.append(url)
        return url

    yield make
    for url in created:
        assert server is not None
        await databases.drop_postgres_database(server, url)


@pytest.fixture(scope="session")
def accounts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accounts")
    ensure_accounts(folder)
    return folder


@pytest.fixture(scope="session")
def accounts_file(accounts_dir: Path) -> Path:
    return accounts_dir / "accounts.toml"


@pytest.fixture(scope="session")
def tokens(accounts_dir: Path) -> dict[str, str]:
    return read_credentials(accounts_dir / "credentials.toml")["tokens"]


@pytest.fixture(scope="session")
def passwords(accounts_dir: Path) -> dict[str, str]:
    return read_credentials(accounts_dir / "credentials.toml")["wachtwoorden"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fast_settings(
    cls: type[S],
    *,
    database_url: str,
    nats_url: str,
    data_dir: Path,
    accounts_file: Path | None = None,
    **overrides: Any,
) -> S:
    """Settings for a test: quick redelivery and polling, no exporter."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "data_dir": data_dir,
        "accounts_file": accounts_file,
        "ack_wait_seconds": 2.0,
        "redelivery_backoff_seconds": (0.1,),
        "max_deliver": 3,
        "outbox_poll_seconds": 0.2,
        "telemetry": "none",
    }
    values.update(overrides)
    return cls(**values)


@asynccontextmanager
async def running(service: Service) -> AsyncIterator[Service]:
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's service and give an HTTP client on it."""
    service: Service = app.state.service
    async with running(service):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Wait until ``check`` returns something truthy; return it. Fails after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
