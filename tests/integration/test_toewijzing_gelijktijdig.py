"""Toewijzing under concurrency: many requests about one case at once. Every use case that
checks a case and then changes it locks first, so exactly one of them passes and publishes.
Against a real nats-server, on SQLite and PostgreSQL (where requests really run in parallel)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from jbplein_contracts import subjects
from jbplein_contracts.v1 import ContactGeregistreerd, RaadsonderzoekGestart, ZaakAfgesloten
from jbplein_contracts.waarden import Aanpak
from jbplein_kit.clock import ManualClock
from jbplein_kit.outbox import OutboxMessage
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer
from jbplein_toewijzing.app import create_app
from jbplein_toewijzing.settings import Settings

from ..conftest import bearer, eventually, fast_settings
from ..support.bus import Bus
from .test_toewijzing import REFERENTIE, THURSDAY, besluit, met_status

GELIJKTIJDIG = 10


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(THURSDAY)


@pytest.fixture
def app(
    nats_server: NatsServer,
    database_url: str,
    tmp_path: Path,
    accounts_file: Path,
    clock: ManualClock,
) -> FastAPI:
    referentie = tmp_path / "referentie.toml"
    referentie.write_text(REFERENTIE, encoding="utf-8")
    settings = fast_settings(
        Settings,
        database_url=database_url,
        nats_url=nats_server.url,
        data_dir=tmp_path,
        accounts_file=accounts_file,
        referentie_file=referentie,
    )
    return create_app(settings, clock)


async def alles_verstuurd(service: Service) -> bool:
    async with service.unit_of_work() as uow:
        open_ = await uow.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    return open_ == 0


async def test_concurrent_closing_contact_raad_start_and_evaluation_pass_once_and_publish_once(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    te_sluiten, contact, raad, te_evalueren = (
        besluit(clock.now()),
        besluit(clock.now(), wijk="Noord"),
        besluit(clock.now(), aanpak=Aanpak.RAADSONDERZOEK, team=("jbrr", "rvdk")),
        besluit(clock.now()),
    )
    for b in (te_sluiten, contact, raad, te_evalueren):
        await bus.publish(b)
        await eventually(
            lambda b=b: met_status(client, tokens["jbrr-api"], b.data.melding_id, "actief")
        )
    jbrr, rvdk = bearer(tokens["jbrr-api"]), bearer(tokens["rvdk-api"])
    moment = clock.now().isoformat()
    verzoeken = [
        *(
            client.post(
                f"/api/v1/zaken/{te_sluiten.data.melding_id}/afsluiting",
                json={"reden": "terug_naar_wijkteam"},
                headers=jbrr,
            )
            for _ in range(GELIJKTIJDIG)
        ),
        *(
            client.post(
                f"/api/v1/zaken/{contact.data.melding_id}/contact",
                json={"contact_op": moment},
                headers=jbrr,
            )
            for _ in range(GELIJKTIJDIG)
        ),
        *(
            client.post(
                f"/api/v1/zaken/{raad.data.melding_id}/raadsonderzoek",
                json={"gestart_op": moment},
                headers=rvdk,
            )
            for _ in range(GELIJKTIJDIG)
        ),
        *(
            client.post(
                f"/api/v1/zaken/{te_evalueren.data.melding_id}/evaluatie",
                json={"uitkomst": "gedwongen_kader"},
                headers=jbrr,
            )
            for _ in range(GELIJKTIJDIG)
        ),
    ]
    antwoorden = await asyncio.gather(*verzoeken)
    statussen = [r.status_code for r in antwoorden]
    per_soort = [statussen[i : i + GELIJKTIJDIG] for i in range(0, len(statussen), GELIJKTIJDIG)]
    assert [sorted(s) for s in per_soort] == [
        [200] + [409] * (GELIJKTIJDIG - 1),
        [201] + [409] * (GELIJKTIJDIG - 1),
        [201] + [409] * (GELIJKTIJDIG - 1),
        [200] + [409] * (GELIJKTIJDIG - 1),
    ], [r.text for r in antwoorden if r.status_code >= 500][:1]

    await eventually(lambda: alles_verstuurd(service))
    gesloten = await bus.read(subjects.ZAAK_AFGESLOTEN, ZaakAfgesloten)
    assert sorted(str(e.data.melding_id) for e in gesloten) == sorted(
        str(b.data.melding_id) for b in (te_sluiten, te_evalueren)
    )
    assert len(await bus.read(subjects.CONTACT_GEREGISTREERD, ContactGeregistreerd)) == 1
    assert len(await bus.read(subjects.RAADSONDERZOEK_GESTART, RaadsonderzoekGestart)) == 1
    z = await met_status(client, tokens["jbrr-api"], te_sluiten.data.melding_id, "afgesloten")
    assert z is not None
    assert [h["gebeurtenis"] for h in z["historie"]].count("afgesloten") == 1
