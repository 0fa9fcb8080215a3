"""A service's credential goes to the configured base URLs of the other services and nowhere
else (issue 11: an event's ``dataref`` pointing elsewhere received it). Real HTTP servers on
loopback stand in for intake and for an attacker, and record every request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jbplein_kit.dienst import Diensten, DienstFout, Geweigerd
from jbplein_kit.settings import ServiceSettings

from ..support.ontvanger import Ontvanger, ontvanger

TOKEN = "dienst-geheim-0123456789"
BSN = "111222333"


@pytest.fixture
def intake() -> Iterator[Ontvanger]:
    with ontvanger(body=b'{"id": "m-1"}') as server:
        yield server


@pytest.fixture
def aanvaller() -> Iterator[Ontvanger]:
    with ontvanger(body=b'{"melding": {}}') as server:
        yield server


def basis(server: Ontvanger) -> str:
    return server.url.removesuffix("/jbplein/events")


def diensten(intake: Ontvanger, tmp_path: Path, **extra: str) -> Diensten:
    settings = ServiceSettings(
        data_dir=tmp_path, intake_url=basis(intake), dienst_token=TOKEN, **extra
    )
    return Diensten(settings)


async def test_a_service_is_called_at_its_configured_url_with_the_credential(
    intake: Ontvanger, tmp_path: Path
) -> None:
    d = diensten(intake, tmp_path)
    try:
        assert await d.haal("intake", "/api/v1/meldingen/m-1") == {"id": "m-1"}
    finally:
        await d.close()
    [verzoek] = intake.ontvangen
    assert verzoek.pad == "/api/v1/meldingen/m-1"
    assert verzoek.headers["authorization"] == f"Bearer {TOKEN}"


def _trucs(aanvaller: str) -> list[str]:
    host = aanvaller.removeprefix("http://")
    return [
        aanvaller + "/x",
        f"@{host}/x",
        f"//{host}/x",
        f"/@{host}/x",
        "/api/../../x",
        "/api/./x",
        "/x?bsn=" + BSN,
        "/x#" + BSN,
        "/x\\y",
        " /x",
        "/x\r\nHost: evil",
        "",
    ]


async def test_a_path_that_could_leave_the_service_is_refused_and_logged_without_it(
    intake: Ontvanger,
    aanvaller: Ontvanger,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    d = diensten(intake, tmp_path)
    caplog.set_level(logging.WARNING, logger="jbplein.dienst")
    try:
        for pad in _trucs(basis(aanvaller)):
            with pytest.raises(Geweigerd):
                await d.haal("intake", pad)
            assert await d.haal_op("intake", pad) is None
    finally:
        await d.close()
    assert aanvaller.ontvangen == [] and intake.ontvangen == [], "no request at all"
    assert caplog.records, "each refusal is logged"
    assert all("refused" in r.getMessage() or "failed" in r.getMessage() for r in caplog.records)
    tekst = "\n".join(r.getMessage() for r in caplog.records)
    assert BSN not in tekst and basis(aanvaller) not in tekst, "the log quotes no path"


async def test_a_redirect_elsewhere_is_not_followed(aanvaller: Ontvanger, tmp_path: Path) -> None:
    with ontvanger(fouten=None, fout_status=302, location=basis(aanvaller) + "/x") as intake:
        d = diensten(intake, tmp_path)
        try:
            with pytest.raises(DienstFout, match="answered 302"):
                await d.haal("intake", "/api/v1/meldingen/m-1")
        finally:
            await d.close()
    assert aanvaller.ontvangen == []


async def test_a_service_without_a_configured_url_is_not_called(
    intake: Ontvanger, tmp_path: Path
) -> None:
    d = diensten(intake, tmp_path)
    try:
        with pytest.raises(DienstFout, match="JBPLEIN_TOEWIJZING_URL"):
            await d.haal("toewijzing", "/api/v1/zaken/z")
    finally:
        await d.close()
    assert intake.ontvangen == []


async def test_the_credential_is_refused_for_any_url_outside_the_base_urls(
    intake: Ontvanger, aanvaller: Ontvanger, tmp_path: Path
) -> None:
    """The mechanism under the API: the client's authentication adds the credential only to a
    request for a configured base URL, and refuses to send any other, including a URL whose
    text merely starts like the base URL."""
    d = diensten(intake, tmp_path, toewijzing_url=basis(intake) + "/toewijzing")
    host = basis(intake).removeprefix("http://")
    elders = [
        basis(aanvaller) + "/api/v1/meldingen/m-1",
        f"http://user@{host}/api/v1/meldingen/m-1",
        basis(intake).replace("http://", "https://") + "/x",
        basis(intake).replace("127.0.0.1", "localhost") + "/x",
    ]
    auth = d._auth
    assert auth is not None
    try:
        for url in elders:
            request = httpx.Request("GET", url)
            with pytest.raises(Geweigerd):
                next(auth.auth_flow(request))
            assert "authorization" not in request.headers
        for url in (basis(intake) + "/api/v1/x", basis(intake) + "/toewijzing/api/v1/zaken/z"):
            request = httpx.Request("GET", url)
            assert next(auth.auth_flow(request)).headers["authorization"] == f"Bearer {TOKEN}"
    finally:
        await d.close()
    assert aanvaller.ontvangen == []
