"""The kit's pure parts: problems, accounts, settings, timers, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jbplein_kit import problems
from jbplein_kit.auth import (
    Account,
    Accounts,
    Actor,
    Organisatie,
    OrganisatieSoort,
    Rol,
    requires,
    token_hash,
    wachtwoord_hash,
    wachtwoord_klopt,
)
from jbplein_kit.clock import ManualClock, OffsetFileClock
from jbplein_kit.settings import ServiceSettings
from jbplein_kit.timers import at_header


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    naam: str = Field(min_length=1)
    kinderen: list[int] = Field(min_length=1)


def app_with_auth() -> FastAPI:
    app = FastAPI()
    problems.install(app)
    app.state.accounts = Accounts.of(
        [
            Organisatie(code="veilig-thuis", naam="VT", soort=OrganisatieSoort.VEILIG_THUIS),
            Organisatie(code="jbplein", naam="plein", soort=OrganisatieSoort.PLEIN),
        ],
        [
            Account(
                id="vt",
                organisatie="veilig-thuis",
                rollen=(Rol.PARTNER,),
                token_sha256=token_hash("vt-secret"),
            ),
            Account(
                id="vz",
                organisatie="jbplein",
                rollen=(Rol.VOORZITTER,),
                token_sha256=token_hash("vz-secret"),
            ),
        ],
    )

    @app.post("/echo")
    async def echo(body: Body) -> dict[str, str]:
        return {"naam": body.naam}

    @app.get("/voorzitter")
    async def voorzitter(
        actor: Annotated[Actor, Depends(requires(Rol.VOORZITTER))],
    ) -> dict[str, str]:
        return {"id": actor.id, "organisatie": actor.organisatie}

    @app.get("/boom")
    async def boom() -> None:
        bsn = "".join(["1234", "56782"])
        raise RuntimeError(f"secret value {bsn} must not be shown")

    return app


def test_invalid_input_is_a_problem_document_naming_each_field() -> None:
    client = TestClient(app_with_auth())
    response = client.post("/echo", json={"naam": "", "kinderen": [], "extra": 1})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    names = {p["name"] for p in body["invalidParams"]}
    assert names == {"naam", "kinderen", "extra"}
    assert body["status"] == 400 and body["title"]


def test_malformed_json_is_a_400_problem_not_a_500() -> None:
    client = TestClient(app_with_auth())
    response = client.post(
        "/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unexpected_error_is_a_500_problem_that_does_not_echo_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(app_with_auth(), raise_server_exceptions=False)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "123456782" not in response.text
    assert "123456782" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_unknown_routes_are_problems_too() -> None:
    response = TestClient(app_with_auth()).get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_caller_without_a_valid_credential_gets_401_and_a_wrong_role_403() -> None:
    client = TestClient(app_with_auth())
    missing = client.get("/voorzitter")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/voorzitter", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        client.get("/voorzitter", headers={"Authorization": "Bearer vt-secret"}).status_code == 403
    )
    ok = client.get("/voorzitter", headers={"Authorization": "Bearer vz-secret"})
    assert ok.json() == {"id": "vz", "organisatie": "jbplein"}


def test_passwords_are_kept_as_scrypt_hashes() -> None:
    stored = wachtwoord_hash("correct horse")
    assert "correct horse" not in stored
    assert wachtwoord_klopt("correct horse", stored)
    assert not wachtwoord_klopt("wrong", stored)
    assert not wachtwoord_klopt("x", "md5$abc")


def test_accounts_refuse_an_unknown_organisation() -> None:
    with pytest.raises(ValueError, match="unknown organisation"):
        Accounts.of([], [Account(id="x1", organisatie="nobody", rollen=(Rol.PARTNER,))])


def test_production_refuses_unsafe_settings() -> None:
    with pytest.raises(ValidationError, match="SQLite"):
        ServiceSettings(omgeving="productie")
    ok = ServiceSettings(
        omgeving="productie",
        database_url="postgresql://db/intake",
        accounts_file=Path("/etc/jbplein/accounts.toml"),
        public_url="https://intake.jbplein.nl",
        session_secret="s" * 32,
    )
    assert ok.database_url_for("intake") == "postgresql://db/intake"
    with pytest.raises(ValidationError, match="TELEMETRY_FILE"):
        ServiceSettings(telemetry="file")


def test_the_embedded_database_is_a_sqlite_file_per_service(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path)
    assert settings.database_url_for("tafel") == f"sqlite:///{tmp_path.resolve()}/tafel.db"


def test_a_timer_never_fires_early_because_of_rounding() -> None:
    exact = datetime(2026, 11, 24, 23, 0, 0, tzinfo=UTC)
    assert at_header(exact) == "@at 2026-11-24T23:00:00Z"
    assert at_header(exact + timedelta(microseconds=1)) == "@at 2026-11-24T23:00:01Z"


def test_clocks() -> None:
    start = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    clock = ManualClock(start)
    clock.advance(timedelta(days=4))
    assert clock.now() == start + timedelta(days=4)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))


def test_offset_file_clock_follows_its_file(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = OffsetFileClock(path)
    assert abs(clock.skew()) == timedelta(0)
    path.write_text("86400")
    assert clock.skew() == timedelta(days=1)


def test_a_nul_character_in_any_text_of_a_request_is_refused_naming_the_field() -> None:
    from pydantic import ValidationError

    from jbplein_kit.invoer import Invoer

    class Binnen(Invoer):
        namen: list[str]

    class Buiten(Invoer):
        naam: str
        binnen: Binnen

    assert Buiten.model_validate({"naam": "Anna", "binnen": {"namen": ["Bram"]}}).naam == "Anna"
    with pytest.raises(ValidationError) as fout:
        Buiten.model_validate({"naam": "A\x00na", "binnen": {"namen": ["B\x00"]}})
    assert {e["loc"] for e in fout.value.errors()} == {("naam",), ("binnen", "namen")}
    with pytest.raises(ValidationError):
        Buiten.model_validate({"naam": "Anna", "binnen": {"namen": []}, "extra": 1})
