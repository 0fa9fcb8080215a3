"""Security headers on every answer, set once for every service (an ASGI middleware).

- ``Cache-Control: no-store`` on everything but static assets: API answers and screens may hold
  personal data, and no browser or proxy cache may keep them.
- A Content-Security-Policy that allows scripts, styles and images from the service itself only
  (no inline script at all: the screens have none, and the API docs page loads its start-up
  script from a file), ``frame-ancestors 'none'`` (no framing, so no click-jacking), forms that
  post only to the service itself.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (a melding's URL
  holds its id; it is not handed to another site). Not ``no-referrer``: under that policy a
  browser sends ``Origin: null`` with every form, and login and logout check the origin.

The API docs page (Swagger UI) sets ``style`` attributes from its script and shows inline
``data:`` images; its policy allows just those, and still no inline script.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_DOCS = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_PATH = "/api/v1/docs"
STATIC_PREFIXES = ("/static/", f"{DOCS_PATH}/assets/")


def apply(headers: MutableHeaders, path: str) -> None:
    """Set the security headers of an answer to ``path``."""
    if not path.startswith(STATIC_PREFIXES):
        headers["Cache-Control"] = "no-store"
    headers["Content-Security-Policy"] = CSP_DOCS if path == DOCS_PATH else CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"


class SecurityHeaders:
    """Every answer gets the headers; a 500 is answered outside all middleware (Starlette's
    ServerErrorMiddleware), so the kit's 500 handler applies them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)
