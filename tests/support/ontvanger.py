"""A partner's webhook endpoint on loopback: a real HTTP server that records every POST and
answers as the test tells it (fail a number of times, ask to retry later, be gone). It records
GETs too, answering ``body`` (and ``location``), as a service or an attacker's server would."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Ontvangen:
    pad: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Ontvanger:
    """Answers ``fout_status`` to the first ``fouten`` requests (forever when ``fouten`` is
    None), then 200."""

    fouten: int | None = 0
    fout_status: int = 503
    retry_after: str | None = None
    body: bytes = b""
    location: str | None = None
    ontvangen: list[Ontvangen] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def antwoord(self) -> int:
        mislukt = sum(1 for o in self.ontvangen if o.status != 200)
        if self.fouten is None or mislukt < self.fouten:
            return self.fout_status
        return 200

    @property
    def gelukt(self) -> list[Ontvangen]:
        return [o for o in self.ontvangen if o.status == 200]


@contextmanager
def ontvanger(tls: tuple[Path, Path] | None = None, **kwargs: object) -> Iterator[Ontvanger]:
    """A receiver on loopback; with ``tls`` (certificate, key) it speaks HTTPS."""
    staat = Ontvanger(**kwargs)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            lengte = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(lengte)
            with staat._lock:
                status = staat.antwoord()
                staat.ontvangen.append(
                    Ontvangen(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                    )
                )
            self.send_response(status)
            if status != 200 and staat.retry_after is not None:
                self.send_header("Retry-After", staat.retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            with staat._lock:
                status = staat.antwoord()
                staat.ontvangen.append(
                    Ontvangen(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, b"", status
                    )
                )
            self.send_response(status)
            if staat.location is not None:
                self.send_header("Location", staat.location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(staat.body)))
            self.end_headers()
            self.wfile.write(staat.body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    staat.url = f"{scheme}://127.0.0.1:{server.server_port}/jbplein/events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield staat
    finally:
        server.shutdown()
        server.server_close()
