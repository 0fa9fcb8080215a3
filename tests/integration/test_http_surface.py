"""What every service shows at its HTTP surface, whatever it serves: security headers on every
answer, API docs that work without internet, and OpenAPI documents a partner's integrator can
use as they are (the Bearer scheme declared, event types as enums). The apps are built as the
services build them; only the menu test runs them (sessions live on the server, in NATS)."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from jbplein_kit.auth import Rol
from jbplein_kit.screens import COOKIE
from jbplein_kit.weergave import MENU, Menupunt
from jbplein_notificatie.partners import PARTNER_TYPES
from jbplein_runner.nats_server import NatsServer
from jbplein_runner.system import SERVICES

from ..conftest import bearer, fast_settings, running

NAMES = [spec.name for spec in SERVICES]


SECRET = "s" * 40


def build(
    name: str, tmp_path: Path, accounts_file: Path, nats_url: str = "nats://127.0.0.1:1"
) -> FastAPI:
    package = f"jbplein_{name}"
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    create_app = importlib.import_module(f"{package}.app").create_app
    settings = fast_settings(
        settings_cls,
        database_url=f"sqlite:///{tmp_path / name}.db",
        nats_url=nats_url,
        data_dir=tmp_path,
        accounts_file=accounts_file,
        session_secret=SECRET,
        **{f"{n}_url": f"http://{n}.test" for n in NAMES},
    )
    app: FastAPI = create_app(settings)
    return app


@pytest.fixture(params=NAMES)
def app(request: pytest.FixtureRequest, tmp_path: Path, accounts_file: Path) -> FastAPI:
    return build(request.param, tmp_path, accounts_file)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_screens_and_api_answers_are_never_cached_and_screens_cannot_be_framed(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    @app.get("/api/v1/kapot")
    async def kapot() -> None:
        raise RuntimeError("an unexpected error")

    document = (await client.get("/api/v1/openapi.json")).json()
    some_api_path = next(p for p in document["paths"] if "{" not in p)
    answers = [
        await client.get("/inloggen"),
        await client.get("/api/v1/docs"),
        await client.get("/api/v1/openapi.json"),
        await client.get("/healthz"),
        # refused before any handler runs: the headers are there all the same
        await client.get(some_api_path),
        await client.get(some_api_path, headers=bearer(tokens["veilig-thuis-api"])),
        await client.get("/bestaat-niet"),
        # a 500 is answered outside every middleware: it has them all the same
        await client.get("/api/v1/kapot"),
    ]
    assert answers[-1].status_code == 500
    assert answers[0].status_code == 200, answers[0].text
    for answer in answers:
        where = f"{answer.request.url.path} ({answer.status_code})"
        assert answer.headers["cache-control"] == "no-store", where
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, where
        assert re.search(r"script-src 'self'(;|$)", csp), f"{where}: {csp}"
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0], where
        assert answer.headers["x-content-type-options"] == "nosniff", where
        assert answer.headers["referrer-policy"] == "same-origin", where
    css = await client.get("/static/plein.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("cache-control", ""), "static assets may be cached"
    assert css.headers["x-content-type-options"] == "nosniff"


async def test_the_api_docs_page_loads_swagger_ui_from_the_service_itself(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.text
    assert "cdn" not in html.lower() and "https://" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "Swagger UI is started by a script"
    for attributes, body in scripts:
        assert 'src="/' in attributes and not body.strip(), "no inline script (CSP)"
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        answer = await client.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 100, asset
    start = await client.get("/static/apidocs.js")
    assert "SwaggerUIBundle(" in start.text and "validatorUrl: null" in start.text
    assert 'data-openapi="/api/v1/openapi.json"' in html


async def test_every_api_operation_declares_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await client.get("/api/v1/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "The Bearer credential of your organisation (or of a plein service).",
        }
    }
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert operations
    for method, path, operation in operations:
        assert operation.get("security") == [{"bearer": []}], f"{method.upper()} {path}"


async def test_webhook_event_types_are_enums_in_the_openapi_document(
    tmp_path: Path, accounts_file: Path
) -> None:
    app = build("notificatie", tmp_path, accounts_file)
    schemas = app.openapi()["components"]["schemas"]
    expected = sorted(PARTNER_TYPES)
    assert len(expected) >= 3
    assert schemas["AbonnementIn"]["properties"]["event_types"]["items"]["enum"] == expected
    assert schemas["AbonnementOut"]["properties"]["event_types"]["items"]["enum"] == expected
    assert schemas["LeveringOut"]["properties"]["event_type"]["enum"] == expected


@pytest.mark.parametrize("rol", [Rol.ONDERSTEUNER, Rol.VOORZITTER, Rol.BEHEER])
async def test_the_menu_offers_exactly_the_screens_a_role_may_open_and_403_keeps_the_header(
    rol: Rol,
    tmp_path: Path,
    accounts_file: Path,
    passwords: dict[str, str],
    nats_server: NatsServer,
) -> None:
    account = rol.value  # the generated accounts: one per staff role, named after it
    apps = {name: build(name, tmp_path, accounts_file, nats_server.url) for name in NAMES}
    async with AsyncExitStack() as stack:
        # Sessions live on the server (NATS): the services run, and the member logs in once.
        for app in apps.values():
            await stack.enter_async_context(running(app.state.service))
        transport = httpx.ASGITransport(app=apps["intake"])
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as login:
            answer = await login.post(
                "/inloggen", data={"gebruiker": account, "wachtwoord": passwords[account]}
            )
            assert answer.status_code == 303, answer.text
            cookie = {COOKIE: login.cookies[COOKIE]}
        for punt in MENU:
            await _check_menu_point(apps, punt, rol, account, cookie)


async def _check_menu_point(
    apps: dict[str, FastAPI], punt: Menupunt, rol: Rol, account: str, cookie: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=apps[punt.dienst], raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://{punt.dienst}.test", cookies=cookie
    ) as client:
        answer = await client.get(punt.pad)
    if rol in punt.rollen:
        assert answer.status_code == 200, (rol, punt.pad, answer.status_code)
        return
    assert answer.status_code == 403, (rol, punt.pad)
    page = answer.text
    assert "Geen toegang" in page
    assert f"{account} ({rol.value})" in page and "Uitloggen" in page, "the header stays"
    shown = re.findall(r'<nav aria-label="Menu">(.*?)</nav>', page, re.S)[0]
    assert punt.tekst not in shown, f"{punt.tekst} in the menu of {rol}"
    for ander in MENU:
        assert (ander.tekst in shown) == (rol in ander.rollen), (rol, ander.tekst)
