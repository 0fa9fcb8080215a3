"""The whole system as separate processes: one nats-server and the four services.

``./jbplein up`` runs it in the foreground; the end-to-end tests start it the same way on free
ports and a temporary data folder, and kill and restart its parts.
"""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

import nats

from jbplein_kit.bestanden import prive_bestand, prive_boom, prive_map
from jbplein_kit.streams import ensure_streams

from . import processes
from .accounts import ensure_accounts, ensure_session_secret, read_credentials
from .nats_server import NatsServer


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    default_port: int


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("intake", "jbplein_intake", 8101),
    ServiceSpec("tafel", "jbplein_tafel", 8102),
    ServiceSpec("toewijzing", "jbplein_toewijzing", 8103),
    ServiceSpec("notificatie", "jbplein_notificatie", 8104),
)
DEFAULT_NATS_PORT = 4250

_PER_SYSTEM = {
    "JBPLEIN_DATABASE_URL",
    "JBPLEIN_PORT",
    "JBPLEIN_PUBLIC_URL",
    "JBPLEIN_TELEMETRY_FILE",
    "JBPLEIN_DATA_DIR",
    "JBPLEIN_NATS_URL",
    "JBPLEIN_SESSION_SECRET",
    "JBPLEIN_DIENST_TOKEN",
}


@dataclass
class System:
    data_dir: Path
    host: str = "127.0.0.1"
    nats_port: int = DEFAULT_NATS_PORT
    ports: dict[str, int] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    telemetry: str = "file"

    def __post_init__(self) -> None:
        self.data_dir = self.data_dir.resolve()
        # Personal data, secrets and credentials live here: the folder and all in it are for
        # this user only, tightened too when an older version left them open (issue 11).
        prive_boom(self.data_dir)
        for spec in SERVICES:
            self.ports.setdefault(spec.name, spec.default_port)
        self.nats = NatsServer(
            self.data_dir / "nats",
            port=self.nats_port,
            host=self.host,
            log_file=self.data_dir / "logs" / "nats-server.log",
        )
        self.children: dict[str, Popen[bytes]] = {}
        self.accounts_file, self.credentials_file = ensure_accounts(self.data_dir)
        self.session_secret = ensure_session_secret(self.data_dir)
        self.tokens = read_credentials(self.credentials_file)["tokens"]

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    def service_env(self, spec: ServiceSpec) -> dict[str, str]:
        env = {k: v for k, v in self.environment.items() if k not in _PER_SYSTEM}
        prefix = f"JBPLEIN_{spec.name.upper()}_"
        overrides = {
            "JBPLEIN_" + k.removeprefix(prefix): v
            for k, v in self.environment.items()
            if k.startswith(prefix)
        }
        env.update(
            {
                "JBPLEIN_HOST": self.host,
                "JBPLEIN_PORT": str(self.ports[spec.name]),
                "JBPLEIN_PUBLIC_URL": self.url(spec.name),
                "JBPLEIN_DATA_DIR": str(self.data_dir),
                "JBPLEIN_NATS_URL": self.nats.url,
                "JBPLEIN_ACCOUNTS_FILE": str(self.accounts_file),
                "JBPLEIN_SESSION_SECRET": self.session_secret,
                "JBPLEIN_DIENST_TOKEN": self.tokens[f"dienst-{spec.name}"],
                "JBPLEIN_TELEMETRY": env.get("JBPLEIN_TELEMETRY", self.telemetry),
                "JBPLEIN_TELEMETRY_FILE": str(self.data_dir / "telemetry" / f"{spec.name}.jsonl"),
                # The embedded mode runs on one machine: a partner's test endpoint is local
                # (production refuses this, so it is never the default there).
                "JBPLEIN_WEBHOOK_INTERNE_DOELEN": env.get(
                    "JBPLEIN_WEBHOOK_INTERNE_DOELEN",
                    "false" if env.get("JBPLEIN_OMGEVING") == "productie" else "true",
                ),
            }
        )
        for other in SERVICES:
            env[f"JBPLEIN_{other.name.upper()}_URL"] = self.url(other.name)
        env.update(overrides)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    async def _declare_streams(self) -> None:
        connection = await nats.connect(self.nats.url)
        try:
            await ensure_streams(connection.jetstream())
        finally:
            await connection.close()

    def start_nats(self) -> None:
        self.nats.start()
        asyncio.run(self._declare_streams())

    def start_service(self, name: str) -> None:
        spec = next(s for s in SERVICES if s.name == name)
        if processes.port_open(self.host, self.ports[name]):
            raise RuntimeError(f"port {self.ports[name]} for {name} is already in use")
        log_path = self.data_dir / "logs" / f"{name}.log"
        prive_map(log_path.parent)
        with prive_bestand(log_path).open("ab") as log:
            self.children[name] = processes.spawn(
                [sys.executable, "-m", spec.module], env=self.service_env(spec), log=log
            )

    def healthy(self, name: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url(name)}/healthz", timeout=0.5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def wait_healthy(self, name: str, timeout: float = 30.0) -> None:
        def check() -> bool:
            child = self.children.get(name)
            if child is not None and child.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {child.returncode}; see {self.data_dir}/logs/{name}.log"
                )
            return self.healthy(name)

        processes.wait_until(check, timeout, name)

    def start(self, timeout: float = 30.0) -> None:
        try:
            self.start_nats()
            for spec in SERVICES:
                self.start_service(spec.name)
            for spec in SERVICES:
                self.wait_healthy(spec.name, timeout)
        except BaseException:
            self.stop()
            raise

    def kill_service(self, name: str) -> None:
        child = self.children.pop(name, None)
        if child is not None:
            processes.kill(child)

    def stop_service(self, name: str) -> None:
        child = self.children.pop(name, None)
        if child is not None:
            processes.stop(child)

    def exited(self) -> dict[str, int]:
        """Services that ended on their own, with their exit codes."""
        return {n: c.returncode for n, c in self.children.items() if c.poll() is not None}

    def stop(self) -> None:
        for name in list(self.children):
            self.stop_service(name)
        self.nats.stop()

    def pids(self) -> list[int]:
        result = [c.pid for c in self.children.values()]
        if self.nats.process is not None:
            result.append(self.nats.process.pid)
        return result
