"""schemathesis over every service's OpenAPI document: generated requests, valid and invalid,
never give a 5xx or a response that breaks the document. Bounded in examples per operation
(``JBPLEIN_FUZZ_EXAMPLES``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig

from jbplein_intake.app import create_app as intake_app
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.settings import ServiceSettings
from jbplein_notificatie.app import create_app as notificatie_app
from jbplein_notificatie.settings import Settings as NotificatieSettings
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_app as tafel_app
from jbplein_tafel.settings import Settings as TafelSettings
from jbplein_toewijzing.app import create_app as toewijzing_app
from jbplein_toewijzing.settings import Settings as ToewijzingSettings

from ..conftest import bearer, fast_settings
from ..support.http_server import served

# What the issue asks: no 5xx, and every response as the document describes it (status, media
# type, headers, body); schema-invalid requests are refused. Not checked: that every
# schema-valid body is accepted, since a BSN's 11-proef, a child's age, which municipalities
# are onboarded or which cases exist cannot all be said in JSON Schema.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


# A body over the size limit is refused with 413 before it is read: a rejection too.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
            }
        }
    }
)


def wie_intake(method: str, path: str) -> str:
    # A partner submits; the plein's staff read (the staff token reaches the list's logic).
    return "veilig-thuis-api" if method == "POST" else "ondersteuner"


def wie_tafel(method: str, path: str) -> str:
    return "voorzitter" if "correctie" in path else "ondersteuner"


def wie_toewijzing(method: str, path: str) -> str:
    if path.endswith("/contact"):
        return "jbrr-api"
    if path.endswith("/raadsonderzoek"):
        return "rvdk-api"
    if method in {"PUT", "PATCH", "DELETE"} or path.endswith(("/referentie", "/afwezigheden")):
        return "beheer"
    return "ondersteuner"


def wie_notificatie(method: str, path: str) -> str:
    if "partnerzaken" in path:
        return "veilig-thuis-api"
    if "abonnementen" in path or "leveringen" in path:
        return "beheer"
    return "ondersteuner"


Service = tuple[
    Callable[[Any], FastAPI], type[ServiceSettings], Callable[[str, str], str], set[str]
]

SERVICES: dict[str, Service] = {
    "intake": (
        intake_app,
        IntakeSettings,
        wie_intake,
        {"POST /api/v1/meldingen", "GET /api/v1/meldingen", "GET /api/v1/meldingen/{melding_id}"},
    ),
    "tafel": (
        tafel_app,
        TafelSettings,
        wie_tafel,
        {"GET /api/v1/agenda", "POST /api/v1/meldingen/{melding_id}/besluiten"},
    ),
    "toewijzing": (
        toewijzing_app,
        ToewijzingSettings,
        wie_toewijzing,
        {"GET /api/v1/zaken", "POST /api/v1/zaken/{zaak_ref}/contact", "GET /api/v1/wachtlijst"},
    ),
    "notificatie": (
        notificatie_app,
        NotificatieSettings,
        wie_notificatie,
        {"GET /api/v1/brieven", "POST /api/v1/abonnementen", "GET /api/v1/partnerzaken/{zaak_ref}"},
    ),
}


@pytest.fixture(params=sorted(SERVICES))
def dienst(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def base_url(
    dienst: str, nats_server: NatsServer, database_url: str, tmp_path: Path, accounts_file: Path
) -> Iterator[str]:
    factory, settings, _, _ = SERVICES[dienst]
    app = factory(
        fast_settings(
            settings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            accounts_file=accounts_file,
        )
    )
    with served(app) as url:
        yield url


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_gives_no_5xx_and_keeps_to_its_schema(
    dienst: str, base_url: str, tokens: dict[str, str], mode: GenerationMode
) -> None:
    _, _, wie, verwacht = SERVICES[dienst]
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{o.method.upper()} {o.path}" for o in operations} >= verwacht
    for operation in operations:
        fuzz(operation, mode, base_url, tokens[wie(operation.method.upper(), operation.path)])


def fuzz(operation: Any, mode: GenerationMode, base_url: str, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=int(os.environ.get("JBPLEIN_FUZZ_EXAMPLES", "25")),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def check(case: schemathesis.Case) -> None:
        # Every operation declares the Bearer scheme; a negative case that leaves out or spoils
        # the credential is sent as generated (and must be refused), every other one with it.
        spoiled = case.operation.schema.is_security_param_negated(case)
        headers = None if spoiled else bearer(token)
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # An operation without input (e.g. GET /api/v1/wachtlijst) has nothing to make invalid.
        if mode is not GenerationMode.NEGATIVE:
            raise
