"""The plein's scenarios against the real processes, started as ``./jbplein up`` starts them, over
HTTP and NATS only. Each scenario stands alone: it makes its own gezinnen (and its own partner
subscription), so that it runs by itself, in any order and on any pytest worker. They share a
system per database backend and worker, its clock starting at ``T0``; none depends on where
that clock stands by then (dates are checked against the melding's or besluit's own moment).
The scenario that moves time past a deadline (through the processes' clock file, so that no
test waits for days) has a system of its own, and checks the dates from ``T0``.

1. vrijwillig; 2. drang → regisseur → contact within 5 working days; 3. raadsonderzoek → VTO,
regisseur and letter at once; 4. a 2-day deadline missed and reported; 5. a second melding
about the same gezin linked to the first; 6. spoed planned ahead of others; 7. a partner
webhook receiving the besluit.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from jbplein_contracts import subjects, werkdagen
from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_runner import processes
from jbplein_runner.system import SERVICES

from ..conftest import bearer, eventually
from ..support import databases
from ..support.meldingen import melding
from ..support.ontvanger import ontvanger
from .conftest import Up

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=AMSTERDAM)  # Tuesday, before the agenda closes at 9
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Systeem:
    up: Up


@contextmanager
def gestart(folder: pathlib.Path, backend: str) -> Iterator[Systeem]:
    """A ``./jbplein up`` on ``backend`` (a fresh database per service), its clock at ``T0``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    env["JBPLEIN_OUTBOX_POLL_SECONDS"] = "0.5"
    env["JBPLEIN_CLOCK_FILE"] = str(folder / "clock-offset")
    gemaakt: list[str] = []
    server = databases.postgres_server() if backend == "postgres" else None
    if server is not None:
        for spec in SERVICES:
            url = asyncio.run(databases.create_postgres_database(server))
            gemaakt.append(url)
            env[f"JBPLEIN_{spec.name.upper()}_DATABASE_URL"] = url
    system = Up(
        data_dir=folder / "data",
        nats_port=processes.free_port(),
        ports={spec.name: processes.free_port() for spec in SERVICES},
        env=env,
    )
    system.set_time(T0)
    try:
        system.start()
        try:
            yield Systeem(system)
        finally:
            system.stop()
    finally:
        for url in gemaakt:
            assert server is not None
            asyncio.run(databases.drop_postgres_database(server, url))


@pytest.fixture(scope="module", params=BACKENDS)
def systeem(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Systeem]:
    """The system the scenarios of a backend share (on one pytest worker); none moves its
    clock."""
    with gestart(tmp_path_factory.mktemp(f"scenarios-{request.param}"), request.param) as s:
        yield s


@pytest.fixture(params=BACKENDS)
def eigen_systeem(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Systeem]:
    """A system for one scenario alone: one that moves the clock."""
    with gestart(tmp_path, request.param) as s:
        yield s


class Plein:
    """The scenarios' view of the system: its APIs as partners and staff use them."""

    def __init__(self, systeem: Systeem, client: httpx.AsyncClient) -> None:
        self.up = systeem.up
        self.client = client
        self.tokens = self.up.tokens

    async def melden(self, body: dict[str, Any], wie: str = "veilig-thuis-api") -> dict[str, Any]:
        r = await self.client.post(
            f"{self.up.url('intake')}/api/v1/meldingen", json=body, headers=bearer(self.tokens[wie])
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def aan_tafel(self, melding_id: str) -> dict[str, Any]:
        async def gepland() -> Any:
            r = await self.client.get(
                f"{self.up.url('tafel')}/api/v1/meldingen/{melding_id}",
                headers=bearer(self.tokens["ondersteuner"]),
            )
            return r.json() if r.status_code == 200 and r.json()["sessie"] else None

        return dict(await eventually(gepland, timeout=30))

    async def besluit(self, melding_id: str, aanpak: str, **extra: Any) -> dict[str, Any]:
        # The tafel decides at its session: move the clock to it (forward only).
        self.up.at_least((await self.aan_tafel(melding_id))["sessie"]["begin"])
        r = await self.client.post(
            f"{self.up.url('tafel')}/api/v1/meldingen/{melding_id}/besluiten",
            json={
                "aanpak": aanpak,
                "casusregie": "wijkteam-rotterdam" if aanpak == "vrijwillig" else "jbrr",
                "jeugdbeschermingsteam": ["jbrr", "wijkteam-rotterdam"],
                "notulen": f"Besproken; besluit: {aanpak}.",
                **extra,
            },
            headers=bearer(self.tokens["voorzitter"]),
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def zaak(self, melding_id: str, status: str = "actief") -> dict[str, Any]:
        async def gevonden() -> Any:
            r = await self.client.get(
                f"{self.up.url('toewijzing')}/api/v1/zaken/{melding_id}",
                headers=bearer(self.tokens["jbrr-api"]),
            )
            return r.json() if r.status_code == 200 and r.json()["status"] == status else None

        return dict(await eventually(gevonden, timeout=30))

    async def brief(self, melding_id: str) -> dict[str, Any]:
        async def gereed() -> Any:
            r = await self.client.get(
                f"{self.up.url('notificatie')}/api/v1/brieven",
                params={"melding_id": melding_id},
                headers=bearer(self.tokens["ondersteuner"]),
            )
            rows = [b for b in r.json() if b["status"] == "gereed"]
            return rows[0] if rows else None

        return dict(await eventually(gereed, timeout=30))

    async def status_bij_intake(self, melding_id: str) -> str:
        r = await self.client.get(
            f"{self.up.url('intake')}/api/v1/meldingen/{melding_id}",
            headers=bearer(self.tokens["veilig-thuis-api"]),
        )
        return str(r.json()["status"])

    async def op_nats(self, kanaal: subjects.Kanaal) -> list[dict[str, Any]]:
        connection = await nats.connect(self.up.nats_url)
        try:
            sub = await connection.jetstream().pull_subscribe(
                kanaal.alle_gemeenten,
                stream=kanaal.stream.name,
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
            )
            try:
                return [json.loads(m.data) for m in await sub.fetch(1000, timeout=1)]
            except TimeoutError:  # nats-py raises its own and, at times, the builtin one
                return []
        finally:
            await connection.close()


@pytest.fixture
async def plein(systeem: Systeem) -> Any:
    async with httpx.AsyncClient(timeout=15) as client:
        yield Plein(systeem, client)


@pytest.fixture
async def eigen_plein(eigen_systeem: Systeem) -> Any:
    async with httpx.AsyncClient(timeout=15) as client:
        yield Plein(eigen_systeem, client)


def gezin(kind: str, achternaam: str, bsn: str, postcode: str, **extra: Any) -> dict[str, Any]:
    return melding(
        gezin__ouders=[{"voornaam": "Ouder", "achternaam": achternaam, "rol": "moeder"}],
        gezin__kinderen=[
            {"voornaam": kind, "achternaam": achternaam, "geboortedatum": "2016-04-04", "bsn": bsn}
        ],
        gezin__adres={
            "straat": "Maasstraat",
            "postcode": postcode,
            "huisnummer": "1",
            "woonplaats": "Rotterdam",
            "wijk": "Feijenoord",
        },
        **extra,
    )


async def test_1_vrijwillig_the_help_goes_on_and_the_gezin_gets_its_letter(plein: Plein) -> None:
    m = await plein.melden(gezin("Ada", "Aalbers", "100000009", "3071 AA"))
    # 2 werkdagen from its arrival (the shared clock is at T0 or later; test 8 has the date).
    ontvangen = datetime.fromisoformat(m["ontvangen_op"])
    assert m["bespreken_uiterlijk"] == werkdagen.termijn(ontvangen, 2).isoformat()
    besluit = await plein.besluit(m["id"], "vrijwillig")
    assert besluit["vto"] is False
    brief = await plein.brief(m["id"])
    assert brief["variant"] == "vrijwillig" and brief["regisseur_ref"] is None
    assert await plein.status_bij_intake(m["id"]) == "besloten"
    r = await plein.client.get(
        f"{plein.up.url('toewijzing')}/api/v1/zaken/{m['id']}",
        headers=bearer(plein.tokens["jbrr-api"]),
    )
    assert r.status_code == 404, "no casusregisseur for voluntary help"


async def test_2_drang_a_regisseur_who_contacts_the_gezin_within_5_working_days(
    plein: Plein,
) -> None:
    m = await plein.melden(gezin("Bob", "Bakker", "100000010", "3071 BB"))
    besluit = await plein.besluit(m["id"], "drang")
    zaak = await plein.zaak(m["id"])
    assert zaak["jeugdbeschermer"].startswith("jb-zuid-")
    contact = next(t for t in zaak["termijnen"] if t["soort"] == "contact")
    genomen = datetime.fromisoformat(besluit["genomen_op"])
    assert contact["uiterlijk"] == werkdagen.termijn(genomen, 5).isoformat()  # 5 werkdagen
    brief = await plein.brief(m["id"])
    assert brief["regisseur_ref"] == zaak["jeugdbeschermer"]
    # The casusregisseur reached the gezin right after the besluit.
    r = await plein.client.post(
        f"{plein.up.url('toewijzing')}/api/v1/zaken/{m['id']}/contact",
        json={"contact_op": besluit["genomen_op"]},
        headers=bearer(plein.tokens["jbrr-api"]),
    )
    assert r.status_code == 201, r.text
    assert next(t for t in r.json()["termijnen"] if t["soort"] == "contact")["status"] == "gehaald"

    async def geregistreerd() -> Any:
        return [
            e
            for e in await plein.op_nats(subjects.CONTACT_GEREGISTREERD)
            if e["data"]["melding_id"] == m["id"]
        ]

    [event] = await eventually(geregistreerd)
    assert event["data"]["binnen_termijn"] is True


async def test_3_raadsonderzoek_the_vto_a_regisseur_and_the_letter_at_once(plein: Plein) -> None:
    m = await plein.melden(gezin("Cor", "Claassen", "100000022", "3071 CC"))
    await plein.besluit(m["id"], "raadsonderzoek", jeugdbeschermingsteam=["jbrr", "rvdk"])
    zaak = await plein.zaak(m["id"])
    assert any(t["soort"] == "raadsonderzoek_start" for t in zaak["termijnen"])
    brief = await plein.brief(m["id"])
    assert brief["variant"] == "raadsonderzoek"
    assert brief["regisseur_ref"] == zaak["jeugdbeschermer"]

    async def vto() -> Any:
        connection = await nats.connect(plein.up.nats_url)
        try:
            sub = await connection.jetstream().pull_subscribe(
                subjects.partner_filter_aan("rvdk"),
                stream=subjects.STREAM_PARTNER.name,
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
            )
            try:
                berichten = [json.loads(b.data) for b in await sub.fetch(100, timeout=1)]
            except TimeoutError:  # nats-py raises its own and, at times, the builtin one
                berichten = []
            return [b for b in berichten if b["data"]["zaak_ref"] == m["id"]]
        finally:
            await connection.close()

    [verzoek] = await eventually(vto)
    assert verzoek["type"] == "nl.jbplein.partner.raadsonderzoek.gevraagd.v1"
    details = await plein.client.get(verzoek["dataref"], headers=bearer(plein.tokens["rvdk-api"]))
    assert details.status_code == 200
    assert details.json()["gezin"]["gezin"]["kinderen"][0]["voornaam"] == "Cor"


async def test_5_a_second_melding_about_the_gezin_is_linked_to_the_first(plein: Plein) -> None:
    first = await plein.melden(gezin("Dirk", "Dijkstra", "100000034", "3072 DD"))
    second = await plein.melden(
        gezin("Dirk", "Dijkstra", "100000034", "3072 DD"), wie="politie-api"
    )
    assert first["id"] not in str(second), "a partner's answer never names another's melding"
    aan_tafel = await plein.aan_tafel(second["id"])
    assert first["id"] in {g["melding_id"] for g in aan_tafel["gezin"]}


async def test_6_spoed_is_planned_ahead_of_the_others(plein: Plein) -> None:
    regulier = await plein.melden(gezin("Eva", "Evers", "100000046", "3073 EE"))
    spoed = await plein.melden(
        gezin("Fleur", "Fransen", "100000058", "3073 FF", spoed=True, spoed_reden="Acuut")
    )
    sessie = (await plein.aan_tafel(spoed["id"]))["sessie"]
    assert (await plein.aan_tafel(regulier["id"]))["sessie"]["id"] == sessie["id"]
    r = await plein.client.get(
        f"{plein.up.url('tafel')}/api/v1/agenda",
        params={"datum": sessie["datum"]},
        headers=bearer(plein.tokens["ondersteuner"]),
    )
    [agenda] = [s for s in r.json() if s["id"] == sessie["id"]]
    volgorde = [regel["melding_id"] for regel in agenda["agenda"]]
    assert volgorde.index(spoed["id"]) < volgorde.index(regulier["id"])
    assert agenda["agenda"][0]["spoed"] is True


async def test_7_a_partners_webhook_receives_the_besluiten(plein: Plein) -> None:
    with ontvanger() as partner:
        r = await plein.client.post(
            f"{plein.up.url('notificatie')}/api/v1/abonnementen",
            json={
                "organisatie": "wijkteam-rotterdam",
                "omschrijving": "Zaaksysteem wijkteams",
                "url": partner.url,
                "token": "wijkteam-geheim-0123456789",
                "event_types": ["nl.jbplein.partner.besluit.genomen.v1"],
                "gemeenten": ["0599"],
            },
            headers=bearer(plein.tokens["beheer"]),
        )
        assert r.status_code == 201, r.text
        besloten: dict[str, str] = {}
        for aanpak, team, kind, bsn, postcode in (
            ("vrijwillig", "wijkteam-rotterdam", "Hugo", "100000083", "3075 HA"),
            ("drang", "wijkteam-rotterdam", "Ilse", "100000095", "3075 HB"),
            ("raadsonderzoek", "rvdk", "Joop", "100000101", "3075 HC"),
        ):
            m = await plein.melden(gezin(kind, "Hendriks", bsn, postcode))
            await plein.besluit(m["id"], aanpak, jeugdbeschermingsteam=["jbrr", team])
            besloten[m["id"]] = aanpak

        def van_ons() -> list[dict[str, Any]]:
            events = [json.loads(o.body) for o in partner.gelukt]
            return [e for e in events if e["data"]["zaak_ref"] in besloten]

        async def ontvangen() -> Any:
            # A webhook is delivered at least once: wait for every melding, not a count.
            return {e["data"]["zaak_ref"] for e in van_ons()} >= set(besloten)

        await eventually(ontvangen, timeout=60)
        assert {e["data"]["zaak_ref"]: e["data"]["aanpak"] for e in van_ons()} == besloten
        assert all(
            o.headers["authorization"] == "Bearer wijkteam-geheim-0123456789"
            for o in partner.gelukt
        )


async def test_8_a_missed_two_day_deadline_is_reported_never_silent(eigen_plein: Plein) -> None:
    plein = eigen_plein
    m = await plein.melden(gezin("Gijs", "Gerritsen", "100000071", "3074 GG"))
    uiterlijk = m["bespreken_uiterlijk"]
    await plein.aan_tafel(m["id"])
    # Its last day ends without a besluit.
    plein.up.set_time(
        werkdagen.einde_van_dag(date.fromisoformat(uiterlijk)) + timedelta(seconds=10)
    )

    async def gemeld() -> Any:
        return [
            e
            for e in await plein.op_nats(subjects.TERMIJN_OVERSCHREDEN)
            if e["data"]["melding_id"] == m["id"]
        ]

    [breach] = await eventually(gemeld, timeout=60)
    assert breach["data"]["termijn"] == "bespreking"
    assert breach["data"]["uiterlijk"] == uiterlijk
    bord = await plein.client.get(
        f"{plein.up.url('tafel')}/api/v1/termijnen", headers=bearer(plein.tokens["ondersteuner"])
    )
    assert m["id"] in {r["melding_id"] for r in bord.json()["overschreden"]}
    # On this system of its own the melding came in at T0: Tuesday + 2 werkdagen.
    assert uiterlijk == "2026-12-03"
