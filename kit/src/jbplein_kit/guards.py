"""Request guards for the APIs: a body must be JSON and must not be larger than allowed.

An ASGI middleware rather than a FastAPI dependency, so that an oversized body is refused while
it is being received (also without a Content-Length) and never fully read into memory.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import PROBLEM_JSON

BODY_METHODS = {"POST", "PUT", "PATCH"}


def _problem(status: int, title: str, detail: str, path: str) -> tuple[int, bytes]:
    body = {
        "type": f"https://jbplein.nl/problemen/{status}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    return status, json.dumps(body).encode()


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class ApiRequestGuard:
    """For requests under ``prefix`` with a body: 415 unless the body is JSON, 413 when it is
    larger than ``max_body_bytes``. A request without a body passes."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, prefix: str = "/api/") -> None:
        self.app = app
        self.max = max_body_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not str(scope["path"]).startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = str(scope["path"])
        zonder_body = headers.get("content-length") == "0" or (
            "content-length" not in headers
            and "transfer-encoding" not in headers
            and "content-type" not in headers
        )
        if zonder_body:  # an action without a body (e.g. re-send); a body it needs is a 400
            await self.app(scope, receive, send)
            return
        if not is_json(headers.get("content-type", "")):
            await _respond(
                send,
                *_problem(
                    415, "Unsupported Media Type", "Send the body as application/json.", path
                ),
            )
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max):
            await _respond(
                send,
                *_problem(
                    413, "Content Too Large", f"The body may be at most {self.max} bytes.", path
                ),
            )
            return

        received = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            # Past the limit: answer 413 at once and tell the app the client went away, so it
            # stops reading; whatever it still sends is dropped.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max and not started:
                    refused = True
                    await _respond(
                        send,
                        *_problem(
                            413,
                            "Content Too Large",
                            f"The body may be at most {self.max} bytes.",
                            path,
                        ),
                    )
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers: list[Any] = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
