"""Fixtures of the service tests: each test module defines ``app`` (its service, on a real
nats-server and a fresh database); these give a client on it, its runtime and the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer

from ..conftest import serving
from ..support.bus import Bus


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the module's ``app``, which is started (migrations, consumers)."""
    async with serving(app) as client:
        yield client


@pytest.fixture
def service(app: FastAPI) -> Service:
    service: Service = app.state.service
    return service


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    async with Bus(nats_server.url) as bus:
        yield bus
