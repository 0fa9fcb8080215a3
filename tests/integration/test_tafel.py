"""The tafel: planning within two working days, cancelling and adding sessions, deadlines,
besluit, correction and deferral. Against a real nats-server, on SQLite and PostgreSQL, with a
clock the tests move (no test waits for days)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
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
    MeldingGeagendeerd,
    MeldingOntvangen,
    MeldingOntvangenData,
    RaadsonderzoekGevraagd,
    TermijnOverschreden,
)
from jbplein_contracts.waarden import Zorg
from jbplein_contracts.werkdagen import AMSTERDAM, termijn
from jbplein_kit.audit import AuditEntry
from jbplein_kit.clock import ManualClock
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_app
from jbplein_tafel.models import TafelMelding
from jbplein_tafel.settings import Settings

from ..conftest import bearer, eventually, fast_settings, serving
from ..support import bus as support_bus
from ..support.ontvanger import ontvanger

FRIDAY_3PM = datetime(2026, 11, 20, 15, 0, tzinfo=AMSTERDAM)
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_3PM)


@pytest.fixture
def capaciteit() -> int:
    return 15


@pytest.fixture
def app(
    nats_server: NatsServer,
    database_url: str,
    tmp_path: Path,
    accounts_file: Path,
    clock: ManualClock,
    capaciteit: int,
) -> FastAPI:
    return create_app(
        fast_settings(
            Settings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            accounts_file=accounts_file,
            sessie_capaciteit=capaciteit,
        ),
        clock,
    )


class Bus(support_bus.Bus):
    """The test's bus, with what intake would publish."""

    async def melding(
        self,
        ontvangen: datetime,
        spoed: bool = False,
        gezin: UUID | None = None,
        referentie: str | None = None,
        dataref: str | None = None,
    ) -> UUID:
        melding_id = uuid4()
        event = MeldingOntvangen.maak(
            MeldingOntvangenData(
                gemeente="0599",
                melding_id=melding_id,
                referentie=referentie,
                gezin_ref=gezin or uuid4(),
                melder_organisatie="veilig-thuis",
                ontvangen_op=ontvangen,
                bespreken_uiterlijk=termijn(ontvangen, 2),
                spoed=spoed,
                zorgen=[Zorg.VEILIGHEID],
                aantal_kinderen=1,
            ),
            bron=Bron.INTAKE,
            tijd=ontvangen,
            onderwerp=melding_id,
            dataref=dataref or f"http://127.0.0.1:1/api/v1/meldingen/{melding_id}",
        )
        await self.publish(event)
        return melding_id


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    async with Bus(nats_server.url) as bus:
        yield bus


async def at_tafel(client: httpx.AsyncClient, token: str, melding_id: UUID) -> dict[str, Any]:
    r = await client.get(f"/api/v1/meldingen/{melding_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def planned_on(client: httpx.AsyncClient, token: str, ids: list[UUID]) -> list[date | None]:
    result = []
    for melding_id in ids:
        m = await at_tafel(client, token, melding_id)
        result.append(date.fromisoformat(m["sessie"]["datum"]) if m["sessie"] else None)
    return result


async def all_at_tafel(client: httpx.AsyncClient, token: str, ids: list[UUID]) -> bool:
    for melding_id in ids:
        r = await client.get(f"/api/v1/meldingen/{melding_id}", headers=bearer(token))
        if r.status_code != 200:
            return False
    return True


DRANG = {
    "aanpak": "drang",
    "casusregie": "jbrr",
    "jeugdbeschermingsteam": ["jbrr", "wijkteam-rotterdam"],
    "aanwezigen": ["veilig-thuis", "jbrr"],
    "notulen": "Onveilige thuissituatie; drang.",
}


async def test_a_melding_arriving_friday_afternoon_is_planned_no_later_than_tuesday(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str]
) -> None:
    staff = tokens["ondersteuner"]
    melding_id = await bus.melding(FRIDAY_3PM, referentie="JBP-2026-000001")
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    [day] = await planned_on(client, staff, [melding_id])
    assert day is not None and day <= TUESDAY
    assert day == MONDAY, "the earliest session: Friday's has ended, Monday's agenda is open"
    [event] = await eventually(lambda: bus.read(subjects.MELDING_GEAGENDEERD, MeldingGeagendeerd))
    assert event.data.melding_id == melding_id and event.data.sessie_datum == MONDAY
    assert event.data.bespreken_uiterlijk == TUESDAY and not event.data.in_gevaar
    agenda = (
        await client.get(
            "/api/v1/agenda", params={"datum": MONDAY.isoformat()}, headers=bearer(staff)
        )
    ).json()
    assert [i["referentie"] for i in agenda[0]["agenda"]] == ["JBP-2026-000001"]


@pytest.mark.parametrize("capaciteit", [2])
async def test_a_cancelled_session_moves_its_meldingen_to_the_next_sessions_in_order(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], capaciteit: int
) -> None:
    staff = tokens["ondersteuner"]
    first = await bus.melding(FRIDAY_3PM - timedelta(hours=3))
    second = await bus.melding(FRIDAY_3PM - timedelta(hours=2))
    urgent = await bus.melding(FRIDAY_3PM - timedelta(hours=1), spoed=True)
    await eventually(lambda: all_at_tafel(client, staff, [first, second, urgent]))
    assert await planned_on(client, staff, [urgent, first, second]) == [MONDAY, MONDAY, TUESDAY]
    monday = (await at_tafel(client, staff, first))["sessie"]["id"]
    cancel = await client.post(
        f"/api/v1/sessies/{monday}/annulering", json={"reden": "Storing"}, headers=bearer(staff)
    )
    assert cancel.status_code == 200 and cancel.json()["geannuleerd"]
    assert await planned_on(client, staff, [urgent, first, second]) == [
        TUESDAY,
        TUESDAY,
        date(2026, 11, 25),
    ], "in order: spoed, then deadline, then arrival"
    moved = [
        e
        for e in await bus.read(subjects.MELDING_GEAGENDEERD, MeldingGeagendeerd)
        if e.data.herpland
    ]
    assert {e.data.melding_id for e in moved} == {urgent, first, second}
    second_now = await at_tafel(client, staff, second)
    assert second_now["in_gevaar"], "its deadline is Tuesday; Wednesday is too late"


@pytest.mark.parametrize("capaciteit", [2])
async def test_an_over_full_week_marks_the_excess_in_gevaar_and_shows_it(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], capaciteit: int
) -> None:
    staff = tokens["ondersteuner"]
    ids = [await bus.melding(FRIDAY_3PM + timedelta(minutes=i)) for i in range(7)]
    await eventually(lambda: all_at_tafel(client, staff, ids))
    days = await planned_on(client, staff, ids)
    assert days == [
        MONDAY,
        MONDAY,
        TUESDAY,
        TUESDAY,
        date(2026, 11, 25),
        date(2026, 11, 25),
        date(2026, 11, 26),
    ]
    board = (await client.get("/api/v1/termijnen", headers=bearer(staff))).json()
    assert {UUID(r["melding_id"]) for r in board["in_gevaar"]} == set(ids[4:])
    events = await bus.read(subjects.MELDING_GEAGENDEERD, MeldingGeagendeerd)
    latest = {e.data.melding_id: e for e in events}
    assert [latest[m].data.in_gevaar for m in ids] == [False] * 4 + [True] * 3
    # An extra session on Monday afternoon takes the excess before its deadline.
    extra = await client.post(
        "/api/v1/sessies",
        json={"datum": "2026-11-23", "begin": "14:00", "einde": "16:00", "capaciteit": 5},
        headers=bearer(staff),
    )
    assert extra.status_code == 201, extra.text
    board = (await client.get("/api/v1/termijnen", headers=bearer(staff))).json()
    assert board["in_gevaar"] == []


async def test_a_deadline_passing_without_besluit_publishes_termijn_overschreden(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    service: Service,
    clock: ManualClock,
    app: FastAPI,
) -> None:
    staff = tokens["ondersteuner"]
    missed = await bus.melding(FRIDAY_3PM)
    decided = await bus.melding(FRIDAY_3PM + timedelta(minutes=1))
    await eventually(lambda: all_at_tafel(client, staff, [missed, decided]))
    clock.set(datetime(2026, 11, 23, 10, 30, tzinfo=AMSTERDAM))
    r = await client.post(
        f"/api/v1/meldingen/{decided}/besluiten", json=DRANG, headers=bearer(tokens["voorzitter"])
    )
    assert r.status_code == 201
    clock.set(datetime(2026, 11, 25, 0, 0, 5, tzinfo=AMSTERDAM))  # Tuesday has passed
    await service.reschedule_timers()
    [breach] = await eventually(
        lambda: bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden), timeout=20
    )
    assert breach.data.melding_id == missed
    assert breach.data.termijn == "bespreking" and breach.data.uiterlijk == TUESDAY
    assert (await at_tafel(client, staff, missed))["termijn_overschreden"]
    board = (await client.get("/api/v1/termijnen", headers=bearer(staff))).json()
    assert [UUID(r["melding_id"]) for r in board["overschreden"]] == [missed]


async def test_a_session_that_ends_without_a_besluit_moves_its_meldingen_on(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    service: Service,
    clock: ManualClock,
) -> None:
    staff = tokens["ondersteuner"]
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    assert await planned_on(client, staff, [melding_id]) == [MONDAY]
    clock.set(datetime(2026, 11, 23, 12, 0, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()

    async def moved() -> bool:
        return await planned_on(client, staff, [melding_id]) == [TUESDAY]

    await eventually(moved, timeout=20)
    board = (await client.get("/api/v1/termijnen", headers=bearer(staff))).json()
    assert [UUID(r["melding_id"]) for r in board["in_gevaar"]] == []


async def test_a_besluit_typed_after_its_session_ended_is_recorded_for_that_session(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    service: Service,
    clock: ManualClock,
) -> None:
    """The ondersteuner types the notulen at 12:05 for a melding discussed at 11:30: the
    session's end has moved the melding on, yet the besluit belongs to Monday's session."""
    staff = tokens["ondersteuner"]
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    monday = (await at_tafel(client, staff, melding_id))["sessie"]["id"]
    clock.set(datetime(2026, 11, 23, 12, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()

    async def moved_on() -> list[MeldingGeagendeerd]:
        events = await bus.read(subjects.MELDING_GEAGENDEERD, MeldingGeagendeerd)
        return [e for e in events if e.data.herpland]

    [moved] = await eventually(moved_on, timeout=20)
    assert moved.data.melding_id == melding_id and moved.data.sessie_datum == TUESDAY
    # A melding that was never on a session that has begun still waits for its session.
    later = await bus.melding(datetime(2026, 11, 23, 12, 1, tzinfo=AMSTERDAM))
    await eventually(lambda: all_at_tafel(client, staff, [later]))
    assert await planned_on(client, staff, [later]) == [TUESDAY]
    too_early = await client.post(
        f"/api/v1/meldingen/{later}/besluiten", json=DRANG, headers=bearer(tokens["voorzitter"])
    )
    assert too_early.status_code == 409, too_early.text

    r = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten",
        json={**DRANG, "voorzitter": "voorzitter"},
        headers=bearer(staff),
    )
    assert r.status_code == 201, r.text
    assert r.json()["sessie_id"] == monday
    [event] = await eventually(lambda: bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen))
    assert str(event.data.sessie_id) == monday
    dossier = await at_tafel(client, staff, melding_id)
    assert dossier["sessie"]["id"] == monday, "decided at Monday's session, not planned on Tuesday"
    tuesday = (
        await client.get(
            "/api/v1/agenda", params={"datum": TUESDAY.isoformat()}, headers=bearer(staff)
        )
    ).json()
    assert melding_id not in {UUID(i["melding_id"]) for i in tuesday[0]["agenda"]}
    on_monday = (
        await client.get(
            "/api/v1/agenda", params={"datum": MONDAY.isoformat()}, headers=bearer(staff)
        )
    ).json()
    assert melding_id in {UUID(i["melding_id"]) for i in on_monday[0]["agenda"]}


async def test_exactly_one_besluit_and_a_correction_is_a_new_version_with_history(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    service: Service,
) -> None:
    staff, chair = tokens["ondersteuner"], tokens["voorzitter"]
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    clock.set(datetime(2026, 11, 19, 11, 0, tzinfo=AMSTERDAM) + timedelta(days=4))  # Mon 11:00
    no_chair = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten", json=DRANG, headers=bearer(staff)
    )
    assert no_chair.status_code == 400
    assert no_chair.json()["invalidParams"][0]["name"] == "voorzitter"
    not_a_chair = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten",
        json={**DRANG, "voorzitter": "ondersteuner"},
        headers=bearer(staff),
    )
    assert not_a_chair.status_code == 400
    unknown_org = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten",
        json={**DRANG, "casusregie": "nobody"},
        headers=bearer(chair),
    )
    assert unknown_org.status_code == 400
    first = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten",
        json={**DRANG, "voorzitter": "voorzitter"},
        headers=bearer(staff),
    )
    assert first.status_code == 201, first.text
    assert first.json()["voorzitter"] == "voorzitter"
    second = await client.post(
        f"/api/v1/meldingen/{melding_id}/besluiten", json=DRANG, headers=bearer(chair)
    )
    assert second.status_code == 409
    staff_correcting = await client.post(
        f"/api/v1/meldingen/{melding_id}/correcties",
        json={**DRANG, "reden": "x"},
        headers=bearer(staff),
    )
    assert staff_correcting.status_code == 403
    correction = await client.post(
        f"/api/v1/meldingen/{melding_id}/correcties",
        json={**DRANG, "aanpak": "raadsonderzoek", "reden": "Nieuwe informatie van de politie"},
        headers=bearer(chair),
    )
    assert correction.status_code == 201, correction.text
    assert correction.json()["versie"] == 2 and correction.json()["vto"]
    dossier = await at_tafel(client, staff, melding_id)
    assert [(b["versie"], b["aanpak"]) for b in dossier["besluiten"]] == [
        (1, "drang"),
        (2, "raadsonderzoek"),
    ]
    assert dossier["besluiten"][1]["correctiereden"] == "Nieuwe informatie van de politie"
    assert dossier["besluiten"][0]["notulen"] == DRANG["notulen"]

    events = await eventually(lambda: _n(bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen), 2))
    v1, v2 = sorted(events, key=lambda e: e.data.versie)
    assert v2.data.vorige_besluit_id == v1.data.besluit_id
    assert v1.data.contact_uiterlijk == termijn(clock.now(), 5)
    assert v1.data.sessie_id is not None
    assert v1.dataref is not None and v1.dataref.endswith(f"/api/v1/besluiten/{v1.data.besluit_id}")
    assert "Onveilige" not in v1.model_dump_json(), "the notulen stay at the tafel"
    [vto] = await eventually(
        lambda: bus.read(subjects.RAADSONDERZOEK_GEVRAAGD, RaadsonderzoekGevraagd)
    )
    assert vto.data.besluit_id == v2.data.besluit_id
    besluit = await client.get(
        f"/api/v1/besluiten/{v1.data.besluit_id}", headers=bearer(tokens["dienst-toewijzing"])
    )
    assert besluit.status_code == 200 and besluit.json()["notulen"] is None, (
        "no notulen for services"
    )
    # Decided before its deadline: the timer does not report a breach.
    clock.set(datetime(2026, 11, 25, 0, 0, 5, tzinfo=AMSTERDAM))
    await service.reschedule_timers()
    assert await bus.read(subjects.TERMIJN_OVERSCHREDEN, TermijnOverschreden) == []


async def _n(awaitable: Any, n: int) -> Any:
    result = await awaitable
    return result if len(result) >= n else None


async def test_a_deferred_melding_goes_to_a_later_session_and_its_deadline_keeps_running(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], clock: ManualClock
) -> None:
    staff = tokens["ondersteuner"]
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    clock.set(datetime(2026, 11, 23, 10, 45, tzinfo=AMSTERDAM))
    empty = await client.post(
        f"/api/v1/meldingen/{melding_id}/aanhoudingen", json={"reden": ""}, headers=bearer(staff)
    )
    assert empty.status_code == 400
    r = await client.post(
        f"/api/v1/meldingen/{melding_id}/aanhoudingen",
        json={"reden": "Wachten op informatie van school"},
        headers=bearer(staff),
    )
    assert r.status_code == 201
    dossier = await at_tafel(client, staff, melding_id)
    assert dossier["sessie"]["datum"] == TUESDAY.isoformat()
    assert dossier["bespreken_uiterlijk"] == TUESDAY.isoformat()
    assert dossier["aanhoudingen"][0]["reden"] == "Wachten op informatie van school"
    monday = (
        await client.get(
            "/api/v1/agenda", params={"datum": MONDAY.isoformat()}, headers=bearer(staff)
        )
    ).json()
    assert [i["aangehouden"] for i in monday[0]["agenda"]] == [True]


async def test_roles_and_audit(
    client: httpx.AsyncClient, bus: Bus, tokens: dict[str, str], service: Service
) -> None:
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, tokens["ondersteuner"], [melding_id]))
    assert (
        await client.get("/api/v1/agenda", headers=bearer(tokens["jbrr-api"]))
    ).status_code == 403
    assert (
        await client.post(
            f"/api/v1/meldingen/{melding_id}/besluiten",
            json=DRANG,
            headers=bearer(tokens["beheer"]),
        )
    ).status_code == 403
    sessie = (await at_tafel(client, tokens["ondersteuner"], melding_id))["sessie"]["id"]
    assert (
        await client.post(
            f"/api/v1/sessies/{sessie}/annulering",
            json={"reden": "x"},
            headers=bearer(tokens["voorzitter"]),
        )
    ).status_code == 403
    await client.get(
        "/api/v1/agenda", params={"datum": MONDAY.isoformat()}, headers=bearer(tokens["voorzitter"])
    )
    async with service.sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.dossier == str(melding_id)))
        ).all()
    assert {(e.actor, e.action) for e in entries} >= {
        ("ondersteuner", "melding.lezen"),
        ("voorzitter", "agenda.lezen"),
    }
    async with service.sessions() as session:
        stored = await session.get(TafelMelding, melding_id)
        assert stored is not None and stored.dataref is not None


async def test_the_screen_of_a_melding_never_follows_its_dataref_and_shows_what_it_has(
    nats_server: NatsServer,
    database_url: str,
    tmp_path: Path,
    accounts_file: Path,
    clock: ManualClock,
    bus: Bus,
    tokens: dict[str, str],
    passwords: dict[str, str],
) -> None:
    """Issue 11: the screen fetched whatever ``dataref`` an event carried, with the tafel's own
    credential, which then opened intake's gezin details to whoever received it. An event
    pointing at an attacker's server: the screen asks intake at its configured URL and nobody
    else, and shows what it has when intake cannot answer (was a 500)."""
    with (
        ontvanger(body=b'{"melding": {}}') as aanvaller,
        ontvanger(fouten=None, fout_status=503) as intake,
    ):
        settings = fast_settings(
            Settings,
            database_url=database_url,
            nats_url=nats_server.url,
            data_dir=tmp_path,
            accounts_file=accounts_file,
            intake_url=intake.url.removesuffix("/jbplein/events"),
            dienst_token=tokens["dienst-tafel"],
        )
        async with serving(create_app(settings, clock)) as client:
            melding_id = await bus.melding(
                FRIDAY_3PM, referentie="JBP-2026-000007", dataref=aanvaller.url + "/steal"
            )
            await eventually(lambda: all_at_tafel(client, tokens["ondersteuner"], [melding_id]))
            login = await client.post(
                "/inloggen",
                data={"gebruiker": "ondersteuner", "wachtwoord": passwords["ondersteuner"]},
            )
            assert login.status_code == 303, login.text
            unavailable = await client.get(f"/meldingen/{melding_id}")
            assert unavailable.status_code == 200, unavailable.text
            assert "JBP-2026-000007" in unavailable.text
            assert "niet op te halen" in unavailable.text
            intake.fouten, intake.ontvangen, intake.body = 0, [], b'{"id": "x"}'
            odd = await client.get(f"/meldingen/{melding_id}")
            assert odd.status_code == 200, odd.text
            assert "niet op te halen" in odd.text
    assert aanvaller.ontvangen == [], "no request reached the event's dataref"
    assert [o.pad for o in intake.ontvangen] == [f"/api/v1/meldingen/{melding_id}"]
    assert intake.ontvangen[0].headers["authorization"] == f"Bearer {tokens['dienst-tafel']}"


async def test_a_besluit_for_a_session_that_has_not_taken_place_is_refused_naming_the_session(
    client: httpx.AsyncClient,
    bus: Bus,
    tokens: dict[str, str],
    clock: ManualClock,
    passwords: dict[str, str],
) -> None:
    staff, chair = tokens["ondersteuner"], tokens["voorzitter"]
    melding_id = await bus.melding(FRIDAY_3PM)
    await eventually(lambda: all_at_tafel(client, staff, [melding_id]))
    assert await planned_on(client, staff, [melding_id]) == [MONDAY]
    url = f"/api/v1/meldingen/{melding_id}/besluiten"
    for moment in (
        FRIDAY_3PM + timedelta(minutes=5),
        datetime(2026, 11, 23, 9, 59, tzinfo=AMSTERDAM),
    ):
        clock.set(moment)
        early = await client.post(url, json=DRANG, headers=bearer(chair))
        assert early.status_code == 409, early.text
        assert early.headers["content-type"] == "application/problem+json"
        [param] = early.json()["invalidParams"]
        assert param["name"] == "sessie"
        assert (
            "has not taken place yet" in param["reason"] and "23-11-2026 10:00" in param["reason"]
        )
    # Nothing was stored or published.
    dossier = await at_tafel(client, staff, melding_id)
    assert dossier["besluiten"] == [] and dossier["status"] == "open"
    assert await bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen) == []
    # The screen says why.
    r = await client.post(
        "/inloggen", data={"gebruiker": "ondersteuner", "wachtwoord": passwords["ondersteuner"]}
    )
    assert r.status_code == 303
    pagina = await client.get(f"/meldingen/{melding_id}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', pagina.text)
    assert csrf is not None
    scherm = await client.post(
        f"/meldingen/{melding_id}/besluit",
        data={
            "csrf": csrf.group(1),
            "aanpak": "drang",
            "casusregie": "jbrr",
            "notulen": "Onveilige thuissituatie; drang.",
            "voorzitter": "voorzitter",
        },
    )
    assert scherm.status_code == 409
    assert "sessie: has not taken place yet" in scherm.text
    # Once the session has begun, the besluit is recorded.
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM))
    ok = await client.post(url, json=DRANG, headers=bearer(chair))
    assert ok.status_code == 201, ok.text
    [event] = await eventually(lambda: bus.read(subjects.BESLUIT_GENOMEN, BesluitGenomen))
    assert str(event.data.sessie_id) == dossier["sessie"]["id"]
