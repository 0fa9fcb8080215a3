"""The API docs page (Swagger UI) at ``/api/v1/docs``, served without internet.

FastAPI's own page loads Swagger UI from a CDN, so in a closed network it is blank. Swagger UI's
files come from the ``fastapi-offline`` package (kept up to date with Swagger UI 5, MIT, no
dependencies beyond FastAPI) and are served under ``/api/v1/docs/assets/``. The page itself has
no inline script (the Content-Security-Policy allows none): ``/static/apidocs.js`` starts Swagger
UI with the document URL it reads from the page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .headers import DOCS_PATH

ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI, openapi_url: str) -> None:
    """Serve the Swagger UI page and its assets (create the app with ``docs_url=None``)."""
    app.mount(f"{DOCS_PATH}/assets", StaticFiles(directory=str(ASSETS)), name="apidocs-assets")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(app.title)} · API</title>
<link rel="stylesheet" href="{DOCS_PATH}/assets/swagger-ui.css">
<link rel="icon" href="{DOCS_PATH}/assets/favicon.png">
</head>
<body>
<main id="swagger-ui" data-openapi="{escape(openapi_url)}"></main>
<script src="{DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)
