"""Databases for tests: SQLite always; PostgreSQL where ``TEST_DATABASE_URL`` is set (CI), or
through testcontainers where a Docker engine is reachable. Each test gets its own database.

A PostgreSQL server that is named but cannot be reached makes its tests skip, saying why (the
server is tried once per test process), rather than fail each of them with a connection error;
with ``JBPLEIN_REQUIRE_POSTGRES=1`` (CI) they fail with that reason instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest
from sqlalchemy.engine import make_url

_container_url: str | None = None
_unreachable: dict[str, str | None] = {}
"""Server URL → why it cannot be reached (None: it can), as found by its first check."""


def _docker_reachable() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


def postgres_server_url() -> str | None:
    """The PostgreSQL server to create test databases on, or None."""
    global _container_url
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if _container_url is None and _docker_reachable():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine")
        container.start()
        _container_url = container.get_connection_url()
    return _container_url


async def _probe(url: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
    try:
        await connection.fetchval("SELECT 1")
    finally:
        await connection.close()


def unreachable(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used, or None; checked once per process.

    Runs in a thread of its own, so that it can be called from a fixture inside an event loop.
    """
    if url not in _unreachable:
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                pool.submit(asyncio.run, _probe(url)).result()
            except Exception as error:
                _unreachable[url] = f"{type(error).__name__}: {error}"
            else:
                _unreachable[url] = None
    return _unreachable[url]


def postgres_server() -> str:
    """The PostgreSQL server for a test's databases; skips the test, saying why, if there is
    none or it cannot be reached."""
    url = postgres_server_url()
    if url is None:
        _without("no PostgreSQL: set TEST_DATABASE_URL, or run a Docker engine")
    why = unreachable(url)
    if why is not None:
        shown = make_url(url).render_as_string(hide_password=True)
        _without(f"PostgreSQL at {shown} unreachable ({why})")
    return url


def _without(reason: str) -> NoReturn:
    if os.environ.get("JBPLEIN_REQUIRE_POSTGRES") == "1":  # CI: never green without it
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _asyncpg_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def create_postgres_database(server_url: str) -> str:
    name = f"jbplein_t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    connection = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def sqlite_url(folder: Path, name: str = "test") -> str:
    return f"sqlite:///{folder / f'{name}.db'}"


@contextmanager
def env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
