"""Each service on the kit: its schema, its errors, and its thin part of the journey, against a
real nats-server and a real database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from jbplein_contracts import subjects
from jbplein_contracts.v1 import MeldingOntvangen, TermijnOverschreden
from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_intake.app import create_app as intake_app
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.audit import AuditEntry
from jbplein_kit.clock import ManualClock
from jbplein_kit.db import make_engine, make_sessionmaker
from jbplein_kit.migrations import differences, upgrade
from jbplein_kit.service import Service
from jbplein_notificatie.app import create_service as notificatie_service
from jbplein_notificatie.settings import Settings as NotificatieSettings
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_service as tafel_service
from jbplein_tafel.models import AgendaItem, TafelMelding
from jbplein_tafel.settings import Settings as TafelSettings
from jbplein_toewijzing.app import create_service as toewijzing_service
from jbplein_toewijzing.settings import Settings as ToewijzingSettings

from ..conftest import bearer, eventually, fast_settings, running, serving
from ..support.meldingen import PERSOONSGEGEVENS, melding
from ..support.probe.service import melding as melding_event

MELDING = melding()


@pytest.fixture
def intake(
    nats_server: NatsServer, database_url: str, tmp_path: Path, accounts_file: Path
) -> FastAPI:
    return intake_app(
        fast_settings(
            IntakeSettings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            accounts_file=accounts_file,
        )
    )


SERVICES: list[tuple[str, Any, Any]] = [
    ("intake", lambda s: intake_app(s).state.service, IntakeSettings),
    ("tafel", tafel_service, TafelSettings),
    ("toewijzing", toewijzing_service, ToewijzingSettings),
    ("notificatie", notificatie_service, NotificatieSettings),
]


@pytest.mark.parametrize(
    ("name", "factory", "settings_cls"), SERVICES, ids=[s[0] for s in SERVICES]
)
async def test_migrations_create_exactly_the_schema_of_the_models(
    name: str, factory: Any, settings_cls: Any, database_url: str, tmp_path: Path
) -> None:
    settings = fast_settings(
        settings_cls, database_url=database_url, nats_url="nats://127.0.0.1:1", data_dir=tmp_path
    )
    service: Service = factory(settings)
    await upgrade(service.engine, service.migrations)
    await upgrade(service.engine, service.migrations)  # idempotent at every start-up
    assert await differences(service.engine, service.metadata) == []
    await service.engine.dispose()


async def test_intake_stores_a_melding_and_publishes_it_through_the_outbox(
    nats_server: NatsServer, intake: FastAPI, tokens: dict[str, str]
) -> None:
    app = intake
    async with serving(app) as client:
        response = await client.post(
            "/api/v1/meldingen", json=MELDING, headers=bearer(tokens["veilig-thuis-api"])
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == f"/api/v1/meldingen/{body['id']}"
        connection = await nats.connect(nats_server.url)
        js = connection.jetstream()

        async def published():  # type: ignore[no-untyped-def]
            try:
                return await js.get_last_msg(
                    subjects.STREAM_INTERN.name, subjects.MELDING_ONTVANGEN.subject("0599")
                )
            except nats.js.errors.NotFoundError:
                return None

        message = await eventually(published)
        event = MeldingOntvangen.model_validate_json(message.data)
        assert str(event.data.melding_id) == body["id"]
        assert message.headers["Nats-Msg-Id"] == str(event.id)
        assert event.data.bespreken_uiterlijk.isoformat() == body["bespreken_uiterlijk"]
        for secret in PERSOONSGEGEVENS:
            assert secret not in message.data.decode(), f"{secret!r} leaked into the event"
        assert (
            event.dataref
            == f"{app.state.service.settings.base_url()}/api/v1/meldingen/{body['id']}"
        )
        await connection.close()


async def test_intake_refuses_bad_input_with_a_problem_per_field_and_stores_nothing(
    nats_server: NatsServer, intake: FastAPI, tokens: dict[str, str]
) -> None:
    app = intake
    async with serving(app) as client:
        bad = melding(gemeente="9999", gezin__kinderen=[], onbekend=True)
        response = await client.post(
            "/api/v1/meldingen", json=bad, headers=bearer(tokens["veilig-thuis-api"])
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        names = {p["name"] for p in response.json()["invalidParams"]}
        assert {"gezin.kinderen", "onbekend"} <= names
        unknown = await client.post(
            "/api/v1/meldingen",
            json={**MELDING, "gemeente": "9999"},
            headers=bearer(tokens["veilig-thuis-api"]),
        )
        assert unknown.status_code == 400
        assert unknown.json()["invalidParams"][0]["name"] == "gemeente"
        assert await app.state.service.relay.pending() == 0
        unauthenticated = await client.post("/api/v1/meldingen", json=MELDING)
        assert unauthenticated.status_code == 401


async def test_intake_answers_503_with_retry_after_when_its_database_is_unreachable(
    nats_server: NatsServer, intake: FastAPI, tokens: dict[str, str]
) -> None:
    app = intake
    service: Service = app.state.service
    async with serving(app) as client:
        healthy = service.sessions
        # The database goes away: nothing listens where the service expects it.
        unreachable = make_engine("postgresql://postgres@127.0.0.1:1/jbplein")
        service.sessions = make_sessionmaker(unreachable)
        try:
            response = await client.post(
                "/api/v1/meldingen", json=MELDING, headers=bearer(tokens["veilig-thuis-api"])
            )
            assert response.status_code == 503
            assert response.headers["retry-after"]
            assert response.headers["content-type"] == "application/problem+json"
        finally:
            service.sessions = healthy
            await unreachable.dispose()
        async with healthy() as session:
            assert (await session.scalars(select(AuditEntry))).all() == []


async def test_a_partner_reads_only_its_own_meldingen_and_every_read_is_audited(
    nats_server: NatsServer, intake: FastAPI, tokens: dict[str, str]
) -> None:
    app = intake
    async with serving(app) as client:
        created = await client.post(
            "/api/v1/meldingen", json=MELDING, headers=bearer(tokens["veilig-thuis-api"])
        )
        path = f"/api/v1/meldingen/{created.json()['id']}"
        own = await client.get(path, headers=bearer(tokens["veilig-thuis-api"]))
        assert own.status_code == 200
        assert own.json()["melding"]["gezin"]["kinderen"][0]["voornaam"] == "Anna"
        other = await client.get(path, headers=bearer(tokens["politie-api"]))
        assert other.status_code == 404
        staff = await client.get(path, headers=bearer(tokens["ondersteuner"]))
        assert staff.status_code == 200
        async with app.state.service.sessions() as session:
            entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.actor, e.action) for e in entries] == [
        ("veilig-thuis-api", "melding.indienen"),
        ("veilig-thuis-api", "melding.lezen"),
        ("politie-api", "melding.lezen.geweigerd"),
        ("ondersteuner", "melding.lezen"),
    ]
    assert {e.dossier for e in entries} == {created.json()["id"]}


async def test_tafel_plans_a_melding_and_reports_a_missed_two_day_deadline(
    nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=AMSTERDAM)
    clock = ManualClock(friday)
    service = tafel_service(
        fast_settings(
            TafelSettings, database_url=database_url, nats_url=nats_server.url, data_dir=tmp_path
        ),
        clock,
    )
    event = melding_event(now=friday)
    event = event.model_copy(
        update={
            "data": event.data.model_copy(
                update={"bespreken_uiterlijk": datetime(2026, 11, 24).date()}
            )
        }
    )
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    async with running(service):
        await js.publish(
            event.nats_subject(), event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)}
        )

        async def planned():  # type: ignore[no-untyped-def]
            async with service.sessions() as session:
                return (await session.scalars(select(AgendaItem))).all()

        items = await eventually(planned)
        assert len(items) == 1 and not items[0].in_gevaar
        # Tuesday 25 November has passed without a besluit.
        clock.set(datetime(2026, 11, 25, 0, 0, 1, tzinfo=AMSTERDAM))
        await service.reschedule_timers()
        sub = await js.pull_subscribe(
            subjects.TERMIJN_OVERSCHREDEN.alle_gemeenten, stream=subjects.STREAM_INTERN.name
        )
        messages = await eventually(lambda: _fetch(sub), timeout=20)
        breach = TermijnOverschreden.model_validate_json(messages[0].data)
        assert breach.data.melding_id == event.data.melding_id
        assert breach.data.termijn == "bespreking"
        assert breach.data.uiterlijk.isoformat() == "2026-11-24"
        async with service.sessions() as session:
            stored = await session.get(TafelMelding, event.data.melding_id)
            assert stored is not None and stored.termijn_overschreden and stored.status == "open"
    await connection.close()


async def _fetch(sub) -> list:  # type: ignore[no-untyped-def]
    try:
        return await sub.fetch(1, timeout=0.5)
    except TimeoutError:  # nats-py raises its own and, at times, the builtin one
        return []
