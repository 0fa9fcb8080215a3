"""One gezin, one case at the tafel: the Raad is asked once about a gezin whose case is open.
Two meldingen about one gezin both decided raadsonderzoek (at the same moment, too) make one
verzoek tot onderzoek; once toewijzing closes the gezin's case, a new raadsonderzoek asks again.
Against a real nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from jbplein_contracts import subjects
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    RaadsonderzoekGevraagd,
    ZaakAfgesloten,
    ZaakAfgeslotenData,
)
from jbplein_contracts.waarden import Aanpak, Afsluitreden
from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_kit.clock import ManualClock
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_app
from jbplein_tafel.models import TafelMelding
from jbplein_tafel.settings import Settings

from ..conftest import bearer, eventually, fast_settings
from .test_tafel import DRANG, FRIDAY_3PM, Bus, _n, all_at_tafel

MONDAY_10_30 = datetime(2026, 11, 23, 10, 30, tzinfo=AMSTERDAM)
TUESDAY_10_30 = datetime(2026, 11, 24, 10, 30, tzinfo=AMSTERDAM)
RAADSONDERZOEK = {
    **DRANG,
    "aanpak": "raadsonderzoek",
    "jeugdbeschermingsteam": ["jbrr", "rvdk", "wijkteam-rotterdam"],
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_3PM)


@pytest.fixture
def app(
    nats_server: NatsServer,
    database_url: str,
    tmp_path: Path,
    accounts_file: Path,
    clock: ManualClock,
) -> FastAPI:
    return create_app(
        fast_settings(
            Settings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            accounts_file=accounts_file,
        ),
        clock,
    )


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    async with Bus(nats_server.url) as bus:
        yield bus


async def test_two_meldingen_of_one_gezin_decided_raadsonderzoek_at_once_ask_the_raad_once(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    chair = bearer(tokens["voorzitter"])
    gezin = uuid4()
    eerste = await bus.melding(FRIDAY_3PM, gezin=gezin)
    tweede = await bus.melding(FRIDAY_3PM, gezin=gezin)
    await eventually(lambda: all_at_tafel(client, tokens["ondersteuner"], [eerste, tweede]))
    clock.set(MONDAY_10_30)  # the session has begun
    antwoorden = await asyncio.gather(
        *(
            client.post(f"/api/v1/meldingen/{m}/besluiten", json=RAADSONDERZOEK, headers=chair)
            for m in (eerste, tweede)
        )
    )
    assert [r.status_code for r in antwoorden] == [201, 201], [r.text for r in antwoorden]
    assert sorted(r.json()["vto"] for r in antwoorden) == [False, True]
    besluiten = await eventually(lambda: _n(bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen), 2))
    assert {b.data.aanpak for b in besluiten} == {Aanpak.RAADSONDERZOEK}
    assert sorted(b.data.vto for b in besluiten) == [False, True]
    [gevraagd] = await eventually(
        lambda: bus.read(subjects.RAADSONDERZOEK_GEVRAAGD, RaadsonderzoekGevraagd)
    )
    [met_vto] = [b for b in besluiten if b.data.vto]
    assert gevraagd.data.besluit_id == met_vto.data.besluit_id
    [zonder_vto] = [b for b in besluiten if not b.data.vto]
    # The joined besluit names the running investigation's Raad and start deadline: a
    # partner reading it cannot tell it joined another organisation's raadsonderzoek.
    assert met_vto.data.raadsonderzoek_start_uiterlijk is not None and met_vto.data.raad == "rvdk"
    assert zonder_vto.data.raadsonderzoek_start_uiterlijk == (
        met_vto.data.raadsonderzoek_start_uiterlijk
    )
    assert zonder_vto.data.raad == "rvdk"

    # Toewijzing closes the gezin's one case (both meldingen); a new melding about the gezin
    # that the tafel sends to the Raad asks it again.
    await bus.publish(
        ZaakAfgesloten.maak(
            ZaakAfgeslotenData(
                gemeente="0599",
                toewijzing_id=uuid4(),
                melding_id=met_vto.data.melding_id,
                gezin_ref=gezin,
                aanpak=Aanpak.RAADSONDERZOEK,
                reden=Afsluitreden.AFGESLOTEN,
                afgesloten_op=clock.now(),
                meldingen=[zonder_vto.data.melding_id],
            ),
            bron=Bron.TOEWIJZING,
            tijd=clock.now(),
            onderwerp=met_vto.data.melding_id,
        )
    )

    async def gesloten() -> bool:
        async with service.unit_of_work() as uow:
            rows = [await uow.session.get(TafelMelding, m) for m in (eerste, tweede)]
            return all(r is not None and r.zaak_afgesloten_op is not None for r in rows)

    await eventually(gesloten)
    derde = await bus.melding(clock.now(), gezin=gezin)
    await eventually(lambda: all_at_tafel(client, tokens["ondersteuner"], [derde]))
    clock.set(TUESDAY_10_30)  # its session has begun
    r = await client.post(
        f"/api/v1/meldingen/{derde}/besluiten", json=RAADSONDERZOEK, headers=chair
    )
    assert r.status_code == 201, r.text
    assert r.json()["vto"] is True
    await eventually(
        lambda: _n(bus.read(subjects.RAADSONDERZOEK_GEVRAAGD, RaadsonderzoekGevraagd), 2)
    )


async def test_the_raad_is_not_asked_again_while_a_joined_raadsonderzoek_holds_the_vto(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    """M1 raadsonderzoek asks the Raad; M2 raadsonderzoek joins it; M1 is corrected to drang:
    the case's raadsonderzoek still runs (M2 holds it, on M1's VTO), so M3 raadsonderzoek asks
    no second time."""
    chair = bearer(tokens["voorzitter"])
    gezin = uuid4()
    m1, m2, m3 = [await bus.melding(FRIDAY_3PM, gezin=gezin) for _ in range(3)]
    await eventually(lambda: all_at_tafel(client, tokens["ondersteuner"], [m1, m2, m3]))
    clock.set(MONDAY_10_30)
    url = "/api/v1/meldingen/{}/besluiten"
    eerste = await client.post(url.format(m1), json=RAADSONDERZOEK, headers=chair)
    assert eerste.status_code == 201 and eerste.json()["vto"] is True, eerste.text
    tweede = await client.post(url.format(m2), json=RAADSONDERZOEK, headers=chair)
    assert tweede.status_code == 201 and tweede.json()["vto"] is False, tweede.text
    correctie = await client.post(
        f"/api/v1/meldingen/{m1}/correcties",
        json={**DRANG, "reden": "Nieuwe informatie"},
        headers=chair,
    )
    assert correctie.status_code == 201 and correctie.json()["vto"] is False, correctie.text
    derde = await client.post(url.format(m3), json=RAADSONDERZOEK, headers=chair)
    assert derde.status_code == 201, derde.text
    assert derde.json()["vto"] is False, "the raadsonderzoek M1 asked for still runs"
    await eventually(lambda: _n(bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen), 4))
    gevraagd = await bus.read(subjects.RAADSONDERZOEK_GEVRAAGD, RaadsonderzoekGevraagd)
    assert [g.data.melding_id for g in gevraagd] == [m1]
