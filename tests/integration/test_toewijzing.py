"""Toewijzing: a casusregisseur at once, continuity, the waiting list, reassignment, and the
promises that follow (contact and the Raad's start within 5 werkdagen, drang's 3 and 6 months).
Against a real nats-server, on SQLite and PostgreSQL, with a clock the tests move."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from jbplein_contracts import subjects
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    ContactGeregistreerd,
    DrangEvaluatieNodig,
    RaadsonderzoekGestart,
    RegisseurToegewezen,
    RegisseurWachtlijst,
    TermijnOverschreden,
    ZaakAfgesloten,
)
from jbplein_contracts.waarden import Aanpak, Taakaccent, Urgentie
from jbplein_contracts.werkdagen import AMSTERDAM, termijn
from jbplein_kit.audit import AuditEntry
from jbplein_kit.auth import token_hash
from jbplein_kit.clock import ManualClock
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer
from jbplein_toewijzing.app import create_app
from jbplein_toewijzing.settings import Settings

from ..conftest import bearer, eventually, fast_settings, serving
from ..support.bus import Bus

THURSDAY = datetime(2026, 11, 19, 11, 0, tzinfo=AMSTERDAM)
CONTACT_BY = date(2026, 11, 26)  # 5 werkdagen after Thursday 19 November

REFERENTIE = """
[[gebiedsteams]]
code = "zuid"
naam = "Zuid"
gemeenten = ["0599"]
wijken = ["Feijenoord", "Charlois"]

[[gebiedsteams]]
code = "noord"
naam = "Noord"
gemeenten = ["0599"]
wijken = ["Noord"]

[[jeugdbeschermers]]
code = "zuid-civiel"
naam = "Zara Zuid"
gebiedsteam = "zuid"
taakaccent = "civiel"
max_caseload = 2
telefoon = "010-1111111"
email = "zara@jbrr.example"

[[jeugdbeschermers]]
code = "zuid-straf"
naam = "Sem Straf"
gebiedsteam = "zuid"
taakaccent = "straf"
max_caseload = 2

[[jeugdbeschermers]]
code = "noord-civiel"
naam = "Nina Noord"
gebiedsteam = "noord"
taakaccent = "civiel"
max_caseload = 2
"""

OTHER_RAAD_TOKEN = "another-raad-token-for-tests-only-0123456789"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(THURSDAY)


@pytest.fixture
def accounts_with_two_raden(accounts_file: Path, tmp_path: Path) -> Path:
    """The embedded accounts plus a second Raad organisation (another office)."""
    path = tmp_path / "accounts.toml"
    path.write_text(
        accounts_file.read_text(encoding="utf-8")
        + f"""
[[organisaties]]
code = "rvdk-zuidwest"
naam = "Raad voor de Kinderbescherming, vestiging Zuidwest"
soort = "rvdk"

[[accounts]]
id = "rvdk-zuidwest-api"
organisatie = "rvdk-zuidwest"
rollen = ["partner"]
token_sha256 = "{token_hash(OTHER_RAAD_TOKEN)}"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def settings(
    nats_server: NatsServer, database_url: str, tmp_path: Path, accounts_with_two_raden: Path
) -> Settings:
    referentie = tmp_path / "referentie.toml"
    referentie.write_text(REFERENTIE, encoding="utf-8")
    return fast_settings(
        Settings,
        database_url=database_url,
        nats_url=nats_server.url,
        data_dir=tmp_path,
        accounts_file=accounts_with_two_raden,
        referentie_file=referentie,
    )


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    return create_app(settings, clock)


def besluit(
    genomen_op: datetime,
    *,
    aanpak: Aanpak = Aanpak.DRANG,
    melding_id: UUID | None = None,
    gezin: UUID | None = None,
    wijk: str | None = "Feijenoord",
    taakaccent: Taakaccent = Taakaccent.CIVIEL,
    urgentie: Urgentie = Urgentie.REGULIER,
    versie: int = 1,
    team: tuple[str, ...] = ("jbrr",),
) -> BesluitGenomen:
    melding_id = melding_id or uuid4()
    vto = aanpak is Aanpak.RAADSONDERZOEK
    return BesluitGenomen.maak(
        BesluitGenomenData(
            gemeente="0599",
            besluit_id=uuid4(),
            melding_id=melding_id,
            gezin_ref=gezin or uuid4(),
            versie=versie,
            wijk=wijk,
            melder_organisatie="veilig-thuis",
            aanpak=aanpak,
            urgentie=urgentie,
            taakaccent=taakaccent,
            casusregie="jbrr",
            jeugdbeschermingsteam=list(team),
            vto=vto,
            genomen_op=genomen_op,
            contact_uiterlijk=termijn(genomen_op, 5) if aanpak.vraagt_regisseur else None,
            raadsonderzoek_start_uiterlijk=termijn(genomen_op, 5) if vto else None,
        ),
        bron=Bron.TAFEL,
        tijd=genomen_op,
        onderwerp=melding_id,
    )


async def zaak(client: httpx.AsyncClient, token: str, melding_id: UUID) -> dict[str, Any] | None:
    r = await client.get(f"/api/v1/zaken/{melding_id}", headers=bearer(token))
    return dict(r.json()) if r.status_code == 200 else None


async def met_status(
    client: httpx.AsyncClient, token: str, melding_id: UUID, status: str
) -> dict[str, Any] | None:
    z = await zaak(client, token, melding_id)
    return z if z is not None and z["status"] == status else None


async def gepubliceerd_tot(
    bus: Bus, client: httpx.AsyncClient, token: str, event: BesluitGenomen, status: str
) -> dict[str, Any]:
    """Publish a besluit and wait until its case has ``status``; the case."""
    await bus.publish(event)
    zaak_: dict[str, Any] = await eventually(
        lambda: met_status(client, token, event.data.melding_id, status)
    )
    return zaak_


async def n_events(bus: Bus, kanaal: subjects.Kanaal, model: Any, n: int) -> list[Any]:
    events = await bus.read(kanaal, model)
    return events if len(events) >= n else []


def termijn_van(z: dict[str, Any], soort: str) -> dict[str, Any]:
    [t] = [t for t in z["termijnen"] if t["soort"] == soort]
    return dict(t)


async def test_a_drang_besluit_gets_a_casusregisseur_of_the_right_team_and_taakaccent_at_once(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    straf = besluit(clock.now(), taakaccent=Taakaccent.STRAF)
    civiel_noord = besluit(clock.now(), wijk="Noord")
    await bus.publish(straf)
    await bus.publish(civiel_noord)
    events = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 2)
    )
    per_melding = {e.data.melding_id: e.data for e in events}
    s = per_melding[straf.data.melding_id]
    assert (s.jeugdbeschermer_ref, s.gebiedsteam, s.taakaccent) == ("zuid-straf", "zuid", "straf")
    n = per_melding[civiel_noord.data.melding_id]
    assert (n.jeugdbeschermer_ref, n.gebiedsteam) == ("noord-civiel", "noord")
    # Assigned while the besluit itself was handled: the clock stood still, so the assignment
    # carries the very moment of the besluit (no batch, no polling).
    assert s.toegewezen_op == straf.data.genomen_op
    assert s.contact_uiterlijk == CONTACT_BY
    assert not s.continuiteit and not s.van_wachtlijst

    z = await zaak(client, tokens["jbrr-api"], straf.data.melding_id)
    assert z is not None and z["status"] == "actief"
    assert z["regisseur"]["naam"] == "Sem Straf"
    contact = termijn_van(z, "contact")
    assert (contact["uiterlijk"], contact["status"]) == ("2026-11-26", "open")
    assert {t["soort"] for t in z["termijnen"]} == {"contact", "drang_evaluatie", "drang_maximum"}
    assert termijn_van(z, "drang_evaluatie")["uiterlijk"] == "2027-02-19"
    assert termijn_van(z, "drang_maximum")["uiterlijk"] == "2027-05-19"
    assert [h["gebeurtenis"] for h in z["historie"]] == ["besluit", "toegewezen"]


async def test_vrijwillig_needs_no_casusregisseur(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    vrijwillig = besluit(clock.now(), aanpak=Aanpak.VRIJWILLIG)
    drang = besluit(clock.now())
    await bus.publish(vrijwillig)
    await bus.publish(drang)
    await eventually(lambda: zaak(client, tokens["ondersteuner"], drang.data.melding_id))
    assert await zaak(client, tokens["ondersteuner"], vrijwillig.data.melding_id) is None


async def test_a_second_melding_about_the_same_gezin_joins_its_open_case(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    gezin = uuid4()
    first = besluit(clock.now(), gezin=gezin)
    await bus.publish(first)
    eerste = await eventually(
        lambda: met_status(client, tokens["ondersteuner"], first.data.melding_id, "actief")
    )
    assert eerste["jeugdbeschermer"] == "zuid-civiel"
    # Weeks later, the gezin has moved to Noord and the tafel asks for a straf accent.
    clock.advance(timedelta(days=20))
    second = besluit(clock.now(), gezin=gezin, wijk="Noord", taakaccent=Taakaccent.STRAF)
    await bus.publish(second)
    [_, event] = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 2)
    )
    # One gezin, one case: the second besluit hears its casusregisseur, and no case is opened.
    assert (event.data.melding_id, event.data.besluit_id) == (
        second.data.melding_id,
        second.data.besluit_id,
    )
    assert event.data.continuiteit and event.data.jeugdbeschermer_ref == "zuid-civiel"
    assert str(event.data.toewijzing_id) == eerste["toewijzing_id"]
    tweede = await zaak(client, tokens["ondersteuner"], second.data.melding_id)
    assert tweede is not None
    assert tweede["zaak_ref"] == str(first.data.melding_id)
    assert tweede["meldingen"] == [str(second.data.melding_id)]
    assert tweede["taakaccent"] == "straf"
    assert [h["gebeurtenis"] for h in tweede["historie"]][-1] == "melding_gekoppeld"
    alle = (await client.get("/api/v1/zaken", headers=bearer(tokens["ondersteuner"]))).json()
    assert len(alle) == 1
    # One gezin counts once in the caseload.
    jbs = (await client.get("/api/v1/jeugdbeschermers", headers=bearer(tokens["jbrr-api"]))).json()
    assert {j["code"]: j["caseload"] for j in jbs}["zuid-civiel"] == 1


async def test_a_later_raadsonderzoek_joins_the_gezins_drang_case_and_all_close_together(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    gezin = uuid4()
    drang = besluit(clock.now(), gezin=gezin)
    await bus.publish(drang)
    await eventually(
        lambda: met_status(client, tokens["ondersteuner"], drang.data.melding_id, "actief")
    )
    onderzoek = besluit(
        clock.now(), gezin=gezin, aanpak=Aanpak.RAADSONDERZOEK, team=("jbrr", "rvdk")
    )
    await bus.publish(onderzoek)
    z = await eventually(
        lambda: met_status(client, tokens["rvdk-api"], onderzoek.data.melding_id, "actief")
    )
    assert z["aanpak"] == "raadsonderzoek"
    assert {t["soort"] for t in z["termijnen"]} == {"contact", "raadsonderzoek_start"}
    # A later drang besluit about a third melding takes nothing back.
    nog_een = besluit(clock.now(), gezin=gezin)
    await bus.publish(nog_een)
    await eventually(lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 3))
    z = await zaak(client, tokens["ondersteuner"], drang.data.melding_id)
    assert z is not None and z["aanpak"] == "raadsonderzoek"
    r = await client.post(
        f"/api/v1/zaken/{onderzoek.data.melding_id}/afsluiting",
        json={"reden": "gedwongen_kader"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 200, r.text
    [closed] = await eventually(lambda: bus.read(subjects.ZAAK_AFGESLOTEN, ZaakAfgesloten))
    assert closed.data.melding_id == drang.data.melding_id
    assert set(closed.data.meldingen) == {onderzoek.data.melding_id, nog_een.data.melding_id}
    # Closed, the gezin's next melding opens a case of its own.
    later = besluit(clock.now(), gezin=gezin)
    await bus.publish(later)
    nieuw = await eventually(
        lambda: met_status(client, tokens["ondersteuner"], later.data.melding_id, "actief")
    )
    assert nieuw["zaak_ref"] == str(later.data.melding_id)


async def test_the_raad_asked_about_a_joined_melding_learns_nothing_of_the_case_before_it(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    """Attack: melding A (one organisation) has a drang case; melding B (another) about the
    same gezin is decided raadsonderzoek and joins it, so the Raad is asked about B. The Raad
    reads the case by B, lists its cases, and tries A: it never learns A's id, A's besluit,
    the case's history before B joined, or the gezin's reference."""
    gezin = uuid4()
    a = besluit(clock.now(), gezin=gezin)
    await bus.publish(a)
    await eventually(
        lambda: met_status(client, tokens["ondersteuner"], a.data.melding_id, "actief")
    )
    clock.advance(timedelta(days=3))
    b = besluit(clock.now(), gezin=gezin, aanpak=Aanpak.RAADSONDERZOEK, team=("jbrr", "rvdk"))
    await bus.publish(b)
    await eventually(lambda: met_status(client, tokens["rvdk-api"], b.data.melding_id, "actief"))
    raad = tokens["rvdk-api"]
    verboden = [str(a.data.melding_id), str(a.data.besluit_id), str(gezin)]
    r = await client.get(f"/api/v1/zaken/{b.data.melding_id}", headers=bearer(raad))
    assert r.status_code == 200, r.text
    z = r.json()
    assert z["zaak_ref"] == str(b.data.melding_id)
    assert (z["besluit_id"], z["besluit_versie"]) == (str(b.data.besluit_id), 1)
    assert z["meldingen"] == [] and z["gezin_ref"] is None
    assert z["historie"][0]["gebeurtenis"] == "melding_gekoppeld"
    assert not any(v in r.text for v in verboden), r.text
    lijst = await client.get("/api/v1/zaken", headers=bearer(raad))
    gezocht = await client.get(
        "/api/v1/zaken", params={"zaak_ref": str(b.data.melding_id)}, headers=bearer(raad)
    )
    for antwoord in (lijst, gezocht):
        assert antwoord.status_code == 200
        assert [z["zaak_ref"] for z in antwoord.json()] == [str(b.data.melding_id)]
        assert not any(v in antwoord.text for v in verboden), antwoord.text
    # The case by A's id (should the Raad ever learn it) is not the Raad's to read.
    assert (
        await client.get(f"/api/v1/zaken/{a.data.melding_id}", headers=bearer(raad))
    ).status_code == 404
    assert (
        await client.get(
            "/api/v1/zaken", params={"zaak_ref": str(a.data.melding_id)}, headers=bearer(raad)
        )
    ).json() == []
    start = await client.post(
        f"/api/v1/zaken/{b.data.melding_id}/raadsonderzoek",
        json={"gestart_op": clock.now().isoformat()},
        headers=bearer(raad),
    )
    assert start.status_code == 201, start.text
    assert not any(v in start.text for v in verboden), start.text
    [gestart] = await eventually(
        lambda: bus.read(subjects.RAADSONDERZOEK_GESTART, RaadsonderzoekGestart)
    )
    assert (gestart.data.melding_id, gestart.data.besluit_id) == (
        b.data.melding_id,
        b.data.besluit_id,
    ), "the start answers the VTO the Raad got"
    # JBRR and the plein still see the whole case.
    volledig = await zaak(client, tokens["jbrr-api"], b.data.melding_id)
    assert volledig is not None and volledig["zaak_ref"] == str(a.data.melding_id)
    assert volledig["meldingen"] == [str(b.data.melding_id)]


async def test_no_room_puts_the_case_on_the_waiting_list_until_a_jeugdbeschermer_returns(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    beheer = bearer(tokens["beheer"])
    # Zuid civiel is full (two gezinnen), Zuid straf is away until Monday.
    for _ in range(2):
        await bus.publish(besluit(clock.now()))
    await eventually(lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 2))
    r = await client.post(
        "/api/v1/jeugdbeschermers/zuid-straf/afwezigheden",
        json={"van": "2026-11-16", "tot_en_met": "2026-11-23"},
        headers=beheer,
    )
    assert r.status_code == 201, r.text

    waiting = besluit(clock.now(), urgentie=Urgentie.SPOED)
    await bus.publish(waiting)
    [event] = await eventually(lambda: bus.read(subjects.REGISSEUR_WACHTLIJST, RegisseurWachtlijst))
    assert event.data.melding_id == waiting.data.melding_id
    assert event.data.reden == "geen_ruimte"
    lijst = (await client.get("/api/v1/wachtlijst", headers=bearer(tokens["ondersteuner"]))).json()
    assert [z["zaak_ref"] for z in lijst] == [str(waiting.data.melding_id)]
    cijfers = (await client.get("/api/v1/cijfers", headers=bearer(tokens["ondersteuner"]))).json()
    assert cijfers["geen_wachtlijst"] is False
    assert cijfers["totaal"]["nu_op_wachtlijst"] == 1

    # Monday 23 November ends; on Tuesday she is back, and the case is hers at once.
    clock.set(datetime(2026, 11, 24, 0, 0, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    z = await eventually(
        lambda: met_status(client, tokens["ondersteuner"], waiting.data.melding_id, "actief"),
        timeout=20,
    )
    assert z["jeugdbeschermer"] == "zuid-straf"
    assert [h["gebeurtenis"] for h in z["historie"]] == ["besluit", "wachtlijst", "toegewezen"]
    events = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 3)
    )
    assert events[-1].data.van_wachtlijst
    assert (await client.get("/api/v1/wachtlijst", headers=beheer)).json() == []
    cijfers = (await client.get("/api/v1/cijfers", headers=bearer(tokens["ondersteuner"]))).json()
    assert cijfers["totaal"]["via_wachtlijst"] == 1
    assert cijfers["totaal"]["wachttijd_uren_max"] == pytest.approx(109.0, abs=0.1)


async def test_a_melding_that_joined_a_waiting_case_hears_its_casusregisseur_with_it(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    beheer = bearer(tokens["beheer"])
    afwezig = {}
    for code in ("zuid-civiel", "zuid-straf"):
        r = await client.post(
            f"/api/v1/jeugdbeschermers/{code}/afwezigheden",
            json={"van": "2026-11-01"},
            headers=beheer,
        )
        assert r.status_code == 201
        afwezig[code] = r.json()["id"]
    gezin = uuid4()
    first, second = besluit(clock.now(), gezin=gezin), besluit(clock.now(), gezin=gezin)
    await bus.publish(first)
    await bus.publish(second)
    wachtend = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_WACHTLIJST, RegisseurWachtlijst, 2)
    )
    assert [e.data.besluit_id for e in wachtend] == [first.data.besluit_id, second.data.besluit_id]
    r = await client.patch(
        f"/api/v1/jeugdbeschermers/zuid-civiel/afwezigheden/{afwezig['zuid-civiel']}",
        json={"tot_en_met": "2026-11-18"},
        headers=beheer,
    )
    assert r.status_code == 200, r.text
    events = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 2)
    )
    assert {e.data.besluit_id for e in events} == {first.data.besluit_id, second.data.besluit_id}
    assert {e.data.jeugdbeschermer_ref for e in events} == {"zuid-civiel"}
    assert all(e.data.van_wachtlijst for e in events)


async def test_ending_an_absence_early_or_raising_a_caseload_assigns_waiting_cases_at_once(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    beheer = bearer(tokens["beheer"])
    for code in ("zuid-civiel", "zuid-straf"):
        r = await client.post(
            f"/api/v1/jeugdbeschermers/{code}/afwezigheden",
            json={"van": "2026-11-01"},
            headers=beheer,
        )
        assert r.status_code == 201
    afwezigheid = r.json()
    first, second = besluit(clock.now()), besluit(clock.now())
    await bus.publish(first)
    await bus.publish(second)
    await eventually(lambda: n_events(bus, subjects.REGISSEUR_WACHTLIJST, RegisseurWachtlijst, 2))
    r = await client.patch(
        f"/api/v1/jeugdbeschermers/zuid-straf/afwezigheden/{afwezigheid['id']}",
        json={"tot_en_met": "2026-11-18"},
        headers=beheer,
    )
    assert r.status_code == 200, r.text
    z = await met_status(client, tokens["ondersteuner"], first.data.melding_id, "actief")
    assert z is not None and z["jeugdbeschermer"] == "zuid-straf"
    # Sem has room for two; lowering it to one leaves the second waiting, raising it frees it.
    jb = {"naam": "Sem Straf", "gebiedsteam": "zuid", "taakaccent": "straf", "max_caseload": 1}
    assert (
        await client.put("/api/v1/jeugdbeschermers/zuid-straf", json=jb, headers=beheer)
    ).status_code == 200
    assert await met_status(client, tokens["ondersteuner"], second.data.melding_id, "actief")


async def test_a_contact_registered_on_day_5_keeps_the_promise(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    drang = besluit(clock.now())
    await bus.publish(drang)
    await eventually(
        lambda: met_status(client, tokens["jbrr-api"], drang.data.melding_id, "actief")
    )
    clock.set(datetime(2026, 11, 26, 16, 0, tzinfo=AMSTERDAM))  # day 5
    r = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/contact",
        json={"contact_op": "2026-11-26T15:30:00+01:00"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 201, r.text
    assert termijn_van(r.json(), "contact")["status"] == "gehaald"
    [event] = await eventually(
        lambda: bus.read(subjects.CONTACT_GEREGISTREERD, ContactGeregistreerd)
    )
    assert event.data.binnen_termijn and event.data.contact_uiterlijk == CONTACT_BY
    again = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/contact",
        json={"contact_op": "2026-11-26T15:30:00+01:00"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert again.status_code == 409
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    assert await bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden) == []


async def test_no_contact_by_the_end_of_day_5_raises_termijn_overschreden(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    drang = besluit(clock.now())
    await bus.publish(drang)
    await eventually(
        lambda: met_status(client, tokens["ondersteuner"], drang.data.melding_id, "actief")
    )
    clock.set(datetime(2026, 11, 26, 23, 59, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    assert await bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden) == []
    clock.set(datetime(2026, 11, 27, 0, 0, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    [breach] = await eventually(
        lambda: bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden), timeout=20
    )
    assert breach.data.termijn == "contact"
    assert breach.data.melding_id == drang.data.melding_id
    assert breach.data.uiterlijk == CONTACT_BY
    z = await zaak(client, tokens["ondersteuner"], drang.data.melding_id)
    assert z is not None and termijn_van(z, "contact")["status"] == "overschreden"
    beloften = (await client.get("/api/v1/termijnen", headers=bearer(tokens["jbrr-api"]))).json()
    eerste = beloften[0]["termijn"]
    assert (eerste["soort"], eerste["status"]) == ("contact", "overschreden")
    # Registered late: kept, but not in time; no second breach.
    r = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/contact",
        json={"contact_op": "2026-11-27T00:00:01+01:00"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 201
    assert termijn_van(r.json(), "contact")["status"] == "te_laat"


async def test_only_jbrr_registers_contact_and_the_raad_only_starts_its_own_investigations(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
    app: FastAPI,
) -> None:
    drang = besluit(clock.now())
    onderzoek = besluit(clock.now(), aanpak=Aanpak.RAADSONDERZOEK, team=("jbrr", "rvdk"))
    await bus.publish(drang)
    await bus.publish(onderzoek)
    await eventually(
        lambda: met_status(client, tokens["jbrr-api"], onderzoek.data.melding_id, "actief")
    )
    contact = {"contact_op": "2026-11-19T14:00:00+01:00"}
    for who in ("veilig-thuis-api", "rvdk-api", "wijkteam-rotterdam-api"):
        r = await client.post(
            f"/api/v1/zaken/{drang.data.melding_id}/contact",
            json=contact,
            headers=bearer(tokens[who]),
        )
        assert r.status_code == 403, who
    staff = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/contact",
        json=contact,
        headers=bearer(tokens["ondersteuner"]),
    )
    assert staff.status_code == 403

    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=AMSTERDAM))
    start = {"gestart_op": "2026-11-20T10:00:00+01:00"}
    jbrr = await client.post(
        f"/api/v1/zaken/{onderzoek.data.melding_id}/raadsonderzoek",
        json=start,
        headers=bearer(tokens["jbrr-api"]),
    )
    assert jbrr.status_code == 403
    not_an_investigation = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/raadsonderzoek",
        json=start,
        headers=bearer(tokens["rvdk-api"]),
    )
    assert not_an_investigation.status_code == 404
    other_office = await client.post(
        f"/api/v1/zaken/{onderzoek.data.melding_id}/raadsonderzoek",
        json=start,
        headers=bearer(OTHER_RAAD_TOKEN),
    )
    assert other_office.status_code == 404
    assert (
        await client.get(
            f"/api/v1/zaken/{onderzoek.data.melding_id}", headers=bearer(OTHER_RAAD_TOKEN)
        )
    ).status_code == 404
    own = await client.post(
        f"/api/v1/zaken/{onderzoek.data.melding_id}/raadsonderzoek",
        json=start,
        headers=bearer(tokens["rvdk-api"]),
    )
    assert own.status_code == 201, own.text
    assert termijn_van(own.json(), "raadsonderzoek_start")["status"] == "gehaald"
    [event] = await eventually(
        lambda: bus.read(subjects.RAADSONDERZOEK_GESTART, RaadsonderzoekGestart)
    )
    assert event.data.binnen_termijn
    # The Raad sees its own investigation, not the drang case.
    seen = (await client.get("/api/v1/zaken", headers=bearer(tokens["rvdk-api"]))).json()
    assert [z["zaak_ref"] for z in seen] == [str(onderzoek.data.melding_id)]
    # A moment in the future is refused, naming the field.
    future = await client.post(
        f"/api/v1/zaken/{drang.data.melding_id}/contact",
        json={"contact_op": "2026-12-01T10:00:00+01:00"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert future.status_code == 400
    assert future.json()["invalidParams"][0]["name"] == "contact_op"
    async with service.unit_of_work() as uow:
        audit = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.dossier == str(onderzoek.data.melding_id))
            )
        ).all()
    acties = {(a.organisation, a.action) for a in audit}
    assert ("rvdk", "zaak.raadsonderzoek_registreren") in acties
    assert ("jbrr", "zaak.lezen") in acties


async def test_the_raads_start_deadline_passing_is_a_breach(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    onderzoek = besluit(clock.now(), aanpak=Aanpak.RAADSONDERZOEK)
    await bus.publish(onderzoek)
    await eventually(
        lambda: met_status(client, tokens["ondersteuner"], onderzoek.data.melding_id, "actief")
    )
    r = await client.post(
        f"/api/v1/zaken/{onderzoek.data.melding_id}/contact",
        json={"contact_op": "2026-11-19T11:00:00+01:00"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 201, r.text
    clock.set(datetime(2026, 11, 27, 0, 0, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    [breach] = await eventually(
        lambda: bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden), timeout=20
    )
    assert breach.data.termijn == "raadsonderzoek_start"


async def test_drang_is_evaluated_at_3_months_breaches_at_6_and_closing_stops_its_timers(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    lopend, gesloten = besluit(clock.now()), besluit(clock.now())
    await bus.publish(lopend)
    await bus.publish(gesloten)
    for b in (lopend, gesloten):
        await eventually(
            lambda b=b: met_status(client, tokens["jbrr-api"], b.data.melding_id, "actief")
        )
        r = await client.post(
            f"/api/v1/zaken/{b.data.melding_id}/contact",
            json={"contact_op": "2026-11-19T11:00:00+01:00"},
            headers=bearer(tokens["jbrr-api"]),
        )
        assert r.status_code == 201, r.text
    clock.set(datetime(2027, 2, 20, 0, 0, 5, tzinfo=AMSTERDAM))  # 19 February has passed
    await service.reschedule_timers()
    events = await eventually(
        lambda: n_events(bus, subjects.DRANG_EVALUATIE_NODIG, DrangEvaluatieNodig, 2), timeout=20
    )
    assert {e.data.evaluatie_op for e in events} == {date(2027, 2, 19)}
    z = await zaak(client, tokens["jbrr-api"], lopend.data.melding_id)
    assert z is not None and z["evaluatie_nodig"] is True
    beloften = (
        await client.get("/api/v1/termijnen", headers=bearer(tokens["ondersteuner"]))
    ).json()
    assert {b["termijn"]["soort"] for b in beloften} == {"drang_evaluatie", "drang_maximum"}

    r = await client.post(
        f"/api/v1/zaken/{lopend.data.melding_id}/evaluatie",
        json={"uitkomst": "voortzetten"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/zaken/{gesloten.data.melding_id}/evaluatie",
        json={"uitkomst": "terug_naar_wijkteam"},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.json()["status"] == "afgesloten"
    assert r.json()["afsluitreden"] == "terug_naar_wijkteam"
    [closed] = await eventually(lambda: bus.read(subjects.ZAAK_AFGESLOTEN, ZaakAfgesloten))
    assert closed.data.melding_id == gesloten.data.melding_id

    clock.set(datetime(2027, 5, 20, 0, 0, 5, tzinfo=AMSTERDAM))  # 6 months have passed
    await service.reschedule_timers()
    [breach] = await eventually(
        lambda: bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden), timeout=20
    )
    assert breach.data.termijn == "drang_maximum"
    assert breach.data.melding_id == lopend.data.melding_id  # the closed one stays silent


async def test_reassignment_moves_the_gezin_with_its_reason_and_keeps_the_history(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    gezin = uuid4()
    first, second = besluit(clock.now(), gezin=gezin), besluit(clock.now(), gezin=gezin)
    await bus.publish(first)
    await bus.publish(second)
    await eventually(lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 2))
    r = await client.post(
        f"/api/v1/zaken/{second.data.melding_id}/herverdeling",
        json={"reden": "conflict", "toelichting": "Vader weigert contact met deze regisseur."},
        headers=bearer(tokens["jbrr-api"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["jeugdbeschermer"] == "zuid-straf"
    herverdeeld = r.json()["historie"][-1]
    assert (herverdeeld["gebeurtenis"], herverdeeld["reden"]) == ("herverdeeld", "conflict")
    assert herverdeeld["vorige_jeugdbeschermer"] == "zuid-civiel"
    z2 = await zaak(client, tokens["jbrr-api"], second.data.melding_id)
    assert z2 is not None and z2["jeugdbeschermer"] == "zuid-straf", "one gezin, one director"
    events = await eventually(
        lambda: n_events(bus, subjects.REGISSEUR_TOEGEWEZEN, RegisseurToegewezen, 3)
    )
    assert {e.data.herverdeling for e in events[2:]} == {"conflict"}
    assert "Vader" not in "".join(e.model_dump_json() for e in events)
    unknown = await client.post(
        f"/api/v1/zaken/{first.data.melding_id}/herverdeling",
        json={"reden": "overig", "jeugdbeschermer": "zuid-9"},
        headers=bearer(tokens["ondersteuner"]),
    )
    assert unknown.status_code == 400
    assert unknown.json()["invalidParams"][0]["name"] == "jeugdbeschermer"
    same = await client.post(
        f"/api/v1/zaken/{first.data.melding_id}/herverdeling",
        json={"reden": "overig", "jeugdbeschermer": "zuid-straf"},
        headers=bearer(tokens["ondersteuner"]),
    )
    assert same.status_code == 409
    # A partner other than JBRR may not reassign.
    vol = await client.post(
        f"/api/v1/zaken/{first.data.melding_id}/herverdeling",
        json={"reden": "caseload", "jeugdbeschermer": "noord-civiel"},
        headers=bearer(tokens["veilig-thuis-api"]),
    )
    assert vol.status_code == 403


async def test_a_corrected_besluit_without_casusregisseur_closes_the_case(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    drang = besluit(clock.now())
    await gepubliceerd_tot(bus, client, tokens["ondersteuner"], drang, "actief")
    correctie = besluit(
        clock.now(), aanpak=Aanpak.VRIJWILLIG, melding_id=drang.data.melding_id, versie=2
    )
    z = await gepubliceerd_tot(bus, client, tokens["ondersteuner"], correctie, "afgesloten")
    assert z["afsluitreden"] == "besluit_gecorrigeerd"
    assert (z["besluit_versie"], z["aanpak"]) == (2, "vrijwillig"), "the aanpak of version 2"
    [gesloten] = await eventually(
        lambda: n_events(bus, subjects.ZAAK_AFGESLOTEN, ZaakAfgesloten, 1)
    )
    assert gesloten.data.aanpak == "drang", "the case that ended was a drang case"


async def test_a_correction_shows_its_aanpak_and_an_older_version_arriving_late_changes_nothing(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    drang = besluit(clock.now())
    await gepubliceerd_tot(bus, client, tokens["ondersteuner"], drang, "actief")
    correctie = besluit(
        clock.now(), aanpak=Aanpak.RAADSONDERZOEK, melding_id=drang.data.melding_id, versie=3
    )
    await bus.publish(correctie)

    async def versie(n: int) -> dict[str, Any] | None:
        z = await zaak(client, tokens["ondersteuner"], drang.data.melding_id)
        return z if z is not None and z["besluit_versie"] == n else None

    z = await eventually(lambda: versie(3))
    assert z["aanpak"] == "raadsonderzoek" and z["status"] == "actief"
    assert termijn_van(z, "raadsonderzoek_start")
    laat = besluit(
        clock.now(), aanpak=Aanpak.VRIJWILLIG, melding_id=drang.data.melding_id, versie=2
    )
    await bus.publish(laat)
    nog = besluit(clock.now(), aanpak=Aanpak.DRANG, melding_id=drang.data.melding_id, versie=4)
    await bus.publish(nog)  # handled after the late one: the late one is behind it
    z = await eventually(lambda: versie(4))
    assert z["aanpak"] == "drang" and z["status"] == "actief", "version 2 was ignored"


async def test_reference_data_is_kept_by_beheer_only_and_refuses_what_does_not_fit(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    jb = {"naam": "Nieuw", "gebiedsteam": "zuid", "taakaccent": "civiel", "max_caseload": 10}
    for who in ("ondersteuner", "jbrr-api", "voorzitter"):
        r = await client.put(
            "/api/v1/jeugdbeschermers/zuid-3", json=jb, headers=bearer(tokens[who])
        )
        assert r.status_code == 403, who
    created = await client.put(
        "/api/v1/jeugdbeschermers/zuid-3", json=jb, headers=bearer(tokens["beheer"])
    )
    assert created.status_code == 201, created.text
    assert created.json()["caseload"] == 0
    wrong = await client.put(
        "/api/v1/jeugdbeschermers/zuid-4",
        json={**jb, "gebiedsteam": "oost"},
        headers=bearer(tokens["beheer"]),
    )
    assert wrong.status_code == 400
    assert wrong.json()["invalidParams"][0]["name"] == "gebiedsteam"
    bad = await client.put(
        "/api/v1/jeugdbeschermers/zuid-4",
        json={**jb, "max_caseload": -1, "kleur": "rood"},
        headers=bearer(tokens["beheer"]),
    )
    assert bad.status_code == 400
    assert {p["name"] for p in bad.json()["invalidParams"]} >= {"max_caseload", "kleur"}
    team = await client.put(
        "/api/v1/gebiedsteams/schiedam",
        json={"naam": "Schiedam", "gemeenten": ["0606"]},
        headers=bearer(tokens["beheer"]),
    )
    assert team.status_code == 201
    teams = (await client.get("/api/v1/gebiedsteams", headers=bearer(tokens["jbrr-api"]))).json()
    assert [t["code"] for t in teams] == ["noord", "schiedam", "zuid"]


async def test_a_restart_loads_the_reference_file_only_when_it_changed(
    settings: Settings, clock: ManualClock, tokens: dict[str, str]
) -> None:
    beheer = bearer(tokens["beheer"])
    jb = {"naam": "Zara Zuid", "gebiedsteam": "zuid", "taakaccent": "civiel", "max_caseload": 7}

    async def caseloads() -> dict[str, int]:
        async with serving(create_app(settings, clock)) as client:
            jbs = (await client.get("/api/v1/jeugdbeschermers", headers=beheer)).json()
            return {j["code"]: j["max_caseload"] for j in jbs}

    async with serving(create_app(settings, clock)) as client:
        r = await client.put("/api/v1/jeugdbeschermers/zuid-civiel", json=jb, headers=beheer)
        assert r.status_code == 200
    assert (await caseloads())["zuid-civiel"] == 7, "same file: the change through the API stays"
    assert settings.referentie_file is not None
    settings.referentie_file.write_text(
        REFERENTIE.replace("max_caseload = 2", "max_caseload = 3"), encoding="utf-8"
    )
    assert (await caseloads())["zuid-civiel"] == 3, "a changed file is loaded"
