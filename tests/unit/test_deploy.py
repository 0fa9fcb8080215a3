"""The deployment files: a NATS configuration the server accepts, and a compose file whose
services wait for healthy dependencies and run with production settings."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

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


_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


def interpolate(text: str, environment: dict[str, str]) -> str:
    """Compose's variable substitution: ``${X}``, ``${X:-default}``, ``${X-default}``,
    ``${X:?error}``, ``${X?error}`` and ``$$``; a missing required variable is an error, as
    ``docker compose`` makes it."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        value = environment.get(name)
        unset = value is None or (op is not None and op.startswith(":") and value == "")
        if op and op.endswith("?") and unset:
            raise LookupError(f"{name}: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return value or ""

    return _VARIABLE.sub(substitute, text)


def _operator_environment() -> dict[str, str]:
    """What deploy/README.md tells the operator to export before ``docker compose up``."""
    values = {
        "POSTGRES_PASSWORD": "pg-" + "p" * 20,
        "NATS_JBPLEIN_PASSWORD": "nats-" + "n" * 20,
        "NATS_VEILIG_THUIS_PASSWORD": "vt-" + "v" * 20,
        "NATS_SYS_PASSWORD": "sys-" + "s" * 20,
        "JBPLEIN_SESSION_SECRET": "s" * 48,
    }
    for spec in SERVICES:
        values[f"JBPLEIN_{spec.name.upper()}_DIENST_TOKEN"] = f"token-{spec.name}-" + "t" * 32
    return values


def test_every_service_builds_its_production_settings_from_the_compose_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    operator = _operator_environment()
    compose = yaml.safe_load(interpolate((ROOT / "docker-compose.yml").read_text(), operator))
    for name in [k for k in os.environ if k.startswith("JBPLEIN_")]:
        monkeypatch.delenv(name)
    for spec in SERVICES:
        environment = {k: str(v) for k, v in compose["services"][spec.name]["environment"].items()}
        with monkeypatch.context() as m:
            for key, value in environment.items():
                m.setenv(key, value)
            settings_cls = importlib.import_module(f"{spec.module}.settings").Settings
            try:
                settings = settings_cls()
            except ValidationError as exc:
                pytest.fail(f"{spec.name} cannot start from docker-compose.yml: {exc}")
        assert settings.omgeving == "productie"
        assert settings.session_secret.get_secret_value() == operator["JBPLEIN_SESSION_SECRET"]
        # a service calling another needs its own credential (tafel and notificatie fetch from
        # intake and toewijzing); each service gets the one of its own account
        token = operator[f"JBPLEIN_{spec.name.upper()}_DIENST_TOKEN"]
        assert settings.dienst_token is not None
        assert settings.dienst_token.get_secret_value() == token


def test_compose_refuses_to_start_without_the_session_secret() -> None:
    operator = _operator_environment()
    del operator["JBPLEIN_SESSION_SECRET"]
    with pytest.raises(LookupError, match="JBPLEIN_SESSION_SECRET"):
        interpolate((ROOT / "docker-compose.yml").read_text(), operator)


def _image_uid() -> int:
    match = re.search(r"useradd\b.*--uid (\d+)", (ROOT / "Dockerfile").read_text())
    assert match, "the image runs as a user of its own"
    return int(match.group(1))


def test_the_deploy_docs_give_every_mounted_secret_to_the_images_user() -> None:
    """accounts.toml is written 0600: mounted read-only into a container whose user is not its
    owner, the service cannot read it and does not start. The docs must hand each mounted
    secret to the image's uid, and the generating command must be told the same uid."""
    uid = _image_uid()
    readme = (ROOT / "deploy/README.md").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounted = {
        volume.split(":", 1)[0].removeprefix("./")
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if volume.startswith("./deploy/secrets/")
    }
    assert mounted, "the compose file mounts the deploy secrets"
    chown = re.search(rf"chown {uid} ((?:deploy/secrets/\S+ ?)+)", readme)
    assert chown, f"deploy/README.md says to give the secrets to uid {uid}"
    assert set(chown.group(1).split()) == mounted
    assert f"jbplein_runner.accounts deploy/secrets --uid {uid}" in readme


def test_the_accounts_command_gives_accounts_toml_to_the_services_uid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jbplein_runner import accounts

    owners: dict[str, int] = {}
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: owners.update({Path(path).name: uid}))
    assert accounts.main([str(tmp_path), "--uid", "10001"]) == 0
    assert owners == {"accounts.toml": 10001}, "credentials.toml stays the administrator's"

    def refused(path: object, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refused)
    assert accounts.main([str(tmp_path), "--uid", "10001"]) == 1
    assert f"chown 10001 {tmp_path / 'accounts.toml'}" in capsys.readouterr().err
