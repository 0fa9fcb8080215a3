"""The deployment files: a NATS configuration the server accepts, and a compose file whose
services wait for healthy dependencies and run with production settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from jbplein_runner.nats_server import binary
from jbplein_runner.system import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def test_the_nats_configuration_is_valid_for_the_server_we_ship() -> None:
    env = {
        **os.environ,
        "NATS_JBPLEIN_PASSWORD": "a",
        "NATS_VEILIG_THUIS_PASSWORD": "b",
        "NATS_SYS_PASSWORD": "c",
    }
    result = subprocess.run(
        [str(binary()), "-c", str(ROOT / "deploy/nats/nats.conf"), "-t"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_every_service_in_production_mode_after_its_dependencies() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    databases = set()
    for spec in SERVICES:
        service = services[spec.name]
        assert service["command"] == ["python", "-m", spec.module]
        env = service["environment"]
        assert env["JBPLEIN_OMGEVING"] == "productie"
        assert env["JBPLEIN_PORT"] == str(spec.default_port)
        databases.add(env["JBPLEIN_DATABASE_URL"].rsplit("/", 1)[1])
        assert "healthcheck" in service
        assert all(d["condition"] == "service_healthy" for d in service["depends_on"].values())
    assert databases == {spec.name for spec in SERVICES}, "one database per service"
    assert services["notificatie"]["environment"]["JBPLEIN_WEBHOOK_ALLEEN_HTTPS"] == "true"
    init = (ROOT / "deploy/postgres/init.sql").read_text()
    for name in databases:
        assert f"CREATE DATABASE {name} " in init
    assert {"nats-1", "nats-2", "nats-3", "otel-collector", "jaeger"} <= set(services)
