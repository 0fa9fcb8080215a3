"""Intake: every melding enters here, once, complete and safe. Each rule against a real
nats-server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import nats
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from jbplein_contracts import subjects
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    MeldingGeagendeerd,
    MeldingGeagendeerdData,
    MeldingOntvangen,
    ZaakAfgesloten,
    ZaakAfgeslotenData,
)
from jbplein_contracts.waarden import Aanpak, Afsluitreden, Urgentie
from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_intake.app import create_app
from jbplein_intake.models import GezinSleutel, Idempotentie, Melding
from jbplein_intake.settings import Settings
from jbplein_intake.validatie import bsn_geldig
from jbplein_kit.audit import AuditEntry
from jbplein_kit.clock import ManualClock
from jbplein_kit.outbox import OutboxMessage
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer

from ..conftest import bearer, eventually, fast_settings
from ..support.meldingen import BSN_KIND, BSN_KIND_2, melding

FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=AMSTERDAM)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY)


@pytest.fixture
def app(
    nats_server: NatsServer,
    database_url: str,
    tmp_path: Path,
    accounts_file: Path,
    clock: ManualClock,
) -> FastAPI:
    settings = fast_settings(
        Settings,
        database_url=database_url,
        nats_url=nats_server.url,
        data_dir=tmp_path,
        accounts_file=accounts_file,
        max_body_bytes=64 * 1024,
    )
    return create_app(settings, clock)


async def count(service: Service, model: type) -> int:
    async with service.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def post(client: httpx.AsyncClient, body: Any, token: str, **headers: str) -> httpx.Response:
    return await client.post("/api/v1/meldingen", json=body, headers={**bearer(token), **headers})


def invalid(response: httpx.Response) -> set[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {p["name"] for p in response.json()["invalidParams"]}


async def stored_events(nats_url: str) -> list[MeldingOntvangen]:
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    sub = await js.pull_subscribe(
        subjects.MELDING_ONTVANGEN.alle_gemeenten, stream=subjects.STREAM_INTERN.name
    )
    try:
        messages = await sub.fetch(100, timeout=1)
    except TimeoutError:  # nats-py raises its own and, at times, the builtin one
        messages = []
    await connection.close()
    return [MeldingOntvangen.model_validate_json(m.data) for m in messages]


async def outbox_empty(service: Service) -> bool:
    return await service.relay.pending() == 0


# --- the happy path ------------------------------------------------------------------------


async def test_a_partner_gets_the_reference_the_status_and_the_day_it_will_be_discussed(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service, nats_server: NatsServer
) -> None:
    first = await post(client, melding(), tokens["veilig-thuis-api"])
    second = await post(
        client,
        melding(gezin__kinderen__0__bsn=BSN_KIND_2, gezin__adres__postcode="3011 AA"),
        tokens["politie-api"],
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["referentie"] == "JBP-2026-000001"
    assert second.json()["referentie"] == "JBP-2026-000002"
    assert body["status"] == "ontvangen"
    assert body["bespreken_uiterlijk"] == "2026-11-24", "Friday 15:00: discussed by Tuesday"
    assert "gekoppeld_aan" not in body
    assert first.headers["location"] == f"/api/v1/meldingen/{body['id']}"

    events = await eventually(lambda: _at_least(stored_events(nats_server.url), 2))
    event = next(e for e in events if str(e.data.melding_id) == body["id"])
    assert event.data.bespreken_uiterlijk == date(2026, 11, 24)
    assert event.data.spoed is False
    assert event.data.melder_organisatie == "veilig-thuis"
    assert event.data.postcodegebied == "3072"
    assert event.data.wijk == "Feijenoord"
    async with service.sessions() as session:
        stored = await session.get(Melding, UUID(body["id"]))
        assert stored is not None
        assert stored.gegevens["gezin"]["adres"]["postcode"] == "3072AB", "stored normalised"
        assert stored.kanaal == "api"


async def _at_least(awaitable: Any, n: int) -> Any:
    result = await awaitable
    return result if len(result) >= n else None


async def test_spoed_needs_a_reason_and_travels_with_the_event(
    client: httpx.AsyncClient, tokens: dict[str, str], nats_server: NatsServer
) -> None:
    without_reason = await post(client, melding(spoed=True), tokens["veilig-thuis-api"])
    assert invalid(without_reason) == {"spoed_reden"}
    reason_without_spoed = await post(client, melding(spoed_reden="x"), tokens["veilig-thuis-api"])
    assert invalid(reason_without_spoed) == {"spoed_reden"}
    ok = await post(
        client,
        melding(spoed=True, spoed_reden="Kind durft niet naar huis"),
        tokens["veilig-thuis-api"],
    )
    assert ok.status_code == 201 and ok.json()["spoed"] is True
    [event] = await eventually(lambda: stored_events(nats_server.url))
    assert event.data.spoed is True
    assert "durft" not in event.model_dump_json()


# --- validation ----------------------------------------------------------------------------


async def test_every_child_must_be_under_18_or_unborn(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    token = tokens["veilig-thuis-api"]
    vandaag = FRIDAY.date()
    achttien = vandaag.replace(year=vandaag.year - 18)
    too_old = melding(
        gezin__kinderen=[
            {"voornaam": "Bo", "achternaam": "Ek", "geboortedatum": achttien.isoformat()}
        ]
    )
    assert invalid(await post(client, too_old, token)) == {"gezin.kinderen[0].geboortedatum"}
    just_17 = melding(
        gezin__kinderen=[
            {
                "voornaam": "Bo",
                "achternaam": "Ek",
                "geboortedatum": (achttien + timedelta(days=1)).isoformat(),
            }
        ]
    )
    assert (await post(client, just_17, token)).status_code == 201
    future = melding(
        gezin__kinderen=[
            {
                "voornaam": "Bo",
                "achternaam": "Ek",
                "geboortedatum": (vandaag + timedelta(days=3)).isoformat(),
            }
        ]
    )
    assert invalid(await post(client, future, token)) == {"gezin.kinderen[0].geboortedatum"}
    unborn = melding(
        gezin__kinderen=[{"verwachte_geboortedatum": (vandaag + timedelta(days=100)).isoformat()}]
    )
    assert (await post(client, unborn, token)).status_code == 201
    far_unborn = melding(
        gezin__kinderen=[{"verwachte_geboortedatum": (vandaag + timedelta(days=400)).isoformat()}]
    )
    assert invalid(await post(client, far_unborn, token)) == {
        "gezin.kinderen[0].verwachte_geboortedatum"
    }
    unborn_bsn = melding(
        gezin__kinderen=[
            {"verwachte_geboortedatum": (vandaag + timedelta(days=10)).isoformat(), "bsn": BSN_KIND}
        ]
    )
    assert invalid(await post(client, unborn_bsn, token)) == {"gezin.kinderen[0]"}
    nameless = melding(gezin__kinderen=[{"geboortedatum": "2020-01-01"}])
    assert invalid(await post(client, nameless, token)) == {"gezin.kinderen[0]"}
    no_child = melding(gezin__kinderen=[])
    assert invalid(await post(client, no_child, token)) == {"gezin.kinderen"}
    assert await count(service, Melding) == 2


def _acht_cijfers() -> str:
    return next(f"{n:08d}" for n in range(10_000_000, 99_999_999) if bsn_geldig(f"{n:08d}"))


async def test_a_bsn_must_pass_the_11_proef(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    token = tokens["veilig-thuis-api"]
    assert invalid(await post(client, melding(gezin__kinderen__0__bsn="123456789"), token)) == {
        "gezin.kinderen[0].bsn"
    }
    assert invalid(await post(client, melding(gezin__ouders__0__bsn="111222334"), token)) == {
        "gezin.ouders[0].bsn"
    }
    assert invalid(await post(client, melding(gezin__kinderen__0__bsn="000000000"), token)) == {
        "gezin.kinderen[0].bsn"
    }
    assert invalid(await post(client, melding(gezin__kinderen__0__bsn="12345"), token)) == {
        "gezin.kinderen[0].bsn"
    }
    eight = _acht_cijfers()
    ok = await post(client, melding(gezin__kinderen__0__bsn=eight), token)
    assert ok.status_code == 201
    async with service.sessions() as session:
        stored = await session.get(Melding, UUID(ok.json()["id"]))
        assert stored is not None
        assert stored.gegevens["gezin"]["kinderen"][0]["bsn"] == eight.zfill(9)


async def test_municipality_and_postcode_must_be_known_and_dutch(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    token = tokens["veilig-thuis-api"]
    assert invalid(await post(client, melding(gemeente="0363"), token)) == {"gemeente"}
    assert invalid(await post(client, melding(gemeente="Rotterdam"), token)) == {"gemeente"}
    for postcode in ("1234", "0123 AB", "1234 A", "12345 AB", "ABCD 12"):
        assert invalid(await post(client, melding(gezin__adres__postcode=postcode), token)) == {
            "gezin.adres.postcode"
        }, postcode
    assert invalid(await post(client, melding(gezin__adres__huisnummer="twaalf"), token)) == {
        "gezin.adres.huisnummer"
    }
    for postcode in ("3072AB", "3072 ab", " 3072  AB "[1:-1]):
        response = await post(
            client, melding(gezin__adres__postcode=postcode.replace("  ", " ")), token
        )
        assert response.status_code == 201, postcode


async def test_sizes_are_bounded(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    token = tokens["veilig-thuis-api"]
    long_text = melding(zorgen={"soorten": ["veiligheid"], "toelichting": "x" * 5001})
    assert invalid(await post(client, long_text, token)) == {"zorgen.toelichting"}
    child = {"voornaam": "Bo", "achternaam": "Ek", "geboortedatum": "2015-01-01"}
    assert invalid(await post(client, melding(gezin__kinderen=[child] * 16), token)) == {
        "gezin.kinderen"
    }
    assert invalid(await post(client, melding(melder__naam="n" * 101), token)) == {"melder.naam"}
    huge = await client.post(
        "/api/v1/meldingen",
        content=b'{"gemeente": "' + b"9" * 70_000 + b'"}',
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    chunked = await client.post(
        "/api/v1/meldingen",
        content=chunks(),
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert chunked.status_code == 413, "no Content-Length: still refused while receiving"
    assert await count(service, Melding) == 0


async def test_unknown_fields_and_wrong_content_types_are_refused(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    token = tokens["veilig-thuis-api"]
    extra = melding(extra="x", gezin__adres__land="NL")
    assert invalid(await post(client, extra, token)) == {"extra", "gezin.adres.land"}
    as_text = await client.post(
        "/api/v1/meldingen", content=b"{}", headers={**bearer(token), "content-type": "text/plain"}
    )
    assert as_text.status_code == 415
    as_form = await client.post(
        "/api/v1/meldingen", data={"gemeente": "0599"}, headers=bearer(token)
    )
    assert as_form.status_code == 415
    broken = await client.post(
        "/api/v1/meldingen",
        content=b'{"gemeente": ',
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.headers["content-type"] == "application/problem+json"
    not_object = await post(client, ["a", "list"], token)
    assert not_object.status_code == 400


async def test_a_refused_melding_leaves_nothing_behind(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    token = tokens["veilig-thuis-api"]
    old = FRIDAY.date().replace(year=FRIDAY.year - 19).isoformat()
    # Passes the model, fails on content: the reference counter and the keys must roll back too.
    refused = melding(
        gezin__kinderen=[
            {"voornaam": "A", "achternaam": "B", "geboortedatum": "2018-01-01", "bsn": BSN_KIND},
            {"voornaam": "C", "achternaam": "D", "geboortedatum": old},
        ]
    )
    assert invalid(await post(client, refused, token)) == {"gezin.kinderen[1].geboortedatum"}
    for model in (Melding, GezinSleutel, OutboxMessage, AuditEntry, Idempotentie):
        assert await count(service, model) == 0, model.__name__
    accepted = await post(client, melding(), token)
    assert accepted.json()["referentie"] == "JBP-2026-000001", "no number was used up"


async def test_only_partners_submit_through_the_api(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    assert (await post(client, melding(), tokens["ondersteuner"])).status_code == 403
    assert (await post(client, melding(), tokens["dienst-tafel"])).status_code == 403
    assert (await client.post("/api/v1/meldingen", json=melding())).status_code == 401


# --- idempotency ---------------------------------------------------------------------------


async def test_a_repeated_idempotency_key_gives_the_same_answer_and_never_a_second_melding(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service, nats_server: NatsServer
) -> None:
    token = tokens["veilig-thuis-api"]
    first = await post(client, melding(), token, **{"Idempotency-Key": "vt-2026-0001"})
    again = await post(client, melding(), token, **{"Idempotency-Key": "vt-2026-0001"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert await count(service, Melding) == 1
    other_body = await post(
        client,
        melding(spoed=True, spoed_reden="Acuut"),
        token,
        **{"Idempotency-Key": "vt-2026-0001"},
    )
    assert other_body.status_code == 422
    assert other_body.headers["content-type"] == "application/problem+json"
    # The key belongs to one organisation: another may use the same one.
    other_org = await post(
        client,
        melding(gezin__adres__postcode="3011 AA", gezin__kinderen__0__bsn=BSN_KIND_2),
        tokens["politie-api"],
        **{"Idempotency-Key": "vt-2026-0001"},
    )
    assert other_org.status_code == 201
    assert other_org.json()["id"] != first.json()["id"]
    bad_key = await post(client, melding(), token, **{"Idempotency-Key": "met spatie"})
    assert bad_key.status_code == 400
    assert await count(service, Melding) == 2
    await eventually(lambda: outbox_empty(service))  # every committed event is on NATS now
    assert len(await stored_events(nats_server.url)) == 2, "one event per melding"


async def test_concurrent_requests_with_one_key_make_one_melding(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    token = tokens["veilig-thuis-api"]
    responses = await asyncio.gather(
        *[post(client, melding(), token, **{"Idempotency-Key": "tegelijk"}) for _ in range(4)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count(service, Melding) == 1


# --- one gezin, one case -------------------------------------------------------------------


async def gekoppeld_aan(
    client: httpx.AsyncClient, tokens: dict[str, str], melding_id: str
) -> str | None:
    """The link of a melding as the plein's staff see it in their list."""
    r = await client.get(
        "/api/v1/meldingen", params={"limit": 200}, headers=bearer(tokens["ondersteuner"])
    )
    assert r.status_code == 200, r.text
    [item] = [m for m in r.json()["items"] if m["id"] == melding_id]
    return item["gekoppeld_aan"]  # type: ignore[no-any-return]


async def test_a_melding_about_a_gezin_with_an_open_melding_is_linked_to_it(
    client: httpx.AsyncClient, tokens: dict[str, str], nats_server: NatsServer
) -> None:
    first = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    by_bsn = await post(client, melding(gezin__adres__postcode="3011 AA"), tokens["politie-api"])
    assert await gekoppeld_aan(client, tokens, by_bsn.json()["id"]) == first["id"]
    # No BSN, but the same address, name and birth date, written differently.
    by_address = await post(
        client,
        melding(
            gezin__kinderen=[
                {"voornaam": "ANNA", "achternaam": "oudermans ", "geboortedatum": "2019-03-01"}
            ],
            gezin__adres={"postcode": "3072ab", "huisnummer": "12 B"},
        ),
        tokens["wijkteam-rotterdam-api"],
    )
    assert await gekoppeld_aan(client, tokens, by_address.json()["id"]) == first["id"]
    other_child = await post(
        client,
        melding(
            gezin__kinderen=[
                {"voornaam": "Anna", "achternaam": "Oudermans", "geboortedatum": "2019-03-02"}
            ],
        ),
        tokens["jeugdhulp-api"],
    )
    assert await gekoppeld_aan(client, tokens, other_child.json()["id"]) is None, (
        "a different child is a different gezin"
    )
    events = await eventually(lambda: _at_least(stored_events(nats_server.url), 4))
    by_id = {str(e.data.melding_id): e for e in events}
    assert by_id[by_bsn.json()["id"]].data.gekoppeld_aan == UUID(first["id"])
    assert by_id[by_bsn.json()["id"]].data.gezin_ref == by_id[first["id"]].data.gezin_ref
    assert by_id[other_child.json()["id"]].data.gezin_ref != by_id[first["id"]].data.gezin_ref


# The fields of a partner's answer that belong to the melding itself, not to its gezin.
EIGEN = {"id", "referentie", "melding"}


async def test_a_partner_cannot_learn_of_another_organisations_melding_about_the_child(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    """The BSN oracle of issue 11, as an attacker tries it: partner B files with a child's BSN
    that partner A filed about, and a control melding about a child nobody filed about; its
    answers (POST, a replay of it, GET of its own melding) are the same in every field but the
    melding's own, and never name A's melding, whose id is the zaak_ref of A's case."""
    a = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    b = tokens["politie-api"]
    about_a = await post(
        client, melding(gezin__adres__postcode="3011 AA"), b, **{"Idempotency-Key": "kind-a"}
    )
    control = await post(
        client,
        melding(gezin__kinderen__0__bsn=BSN_KIND_2, gezin__adres__postcode="3011 BB"),
        b,
        **{"Idempotency-Key": "kind-c"},
    )
    replay = await post(
        client, melding(gezin__adres__postcode="3011 AA"), b, **{"Idempotency-Key": "kind-a"}
    )
    assert about_a.status_code == control.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    read_a = await client.get(f"/api/v1/meldingen/{about_a.json()['id']}", headers=bearer(b))
    read_c = await client.get(f"/api/v1/meldingen/{control.json()['id']}", headers=bearer(b))
    assert read_a.status_code == read_c.status_code == 200

    def zonder_eigen(antwoord: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in antwoord.json().items() if k not in EIGEN}

    for linked, unlinked in ((about_a, control), (replay, control), (read_a, read_c)):
        assert a["id"] not in linked.text
        assert zonder_eigen(linked) == zonder_eigen(unlinked)
        assert set(linked.headers) - {"idempotent-replayed"} == set(unlinked.headers)
    # The plein's staff see the link, and A's dossier shows who linked to it.
    assert await gekoppeld_aan(client, tokens, about_a.json()["id"]) == a["id"]
    assert await gekoppeld_aan(client, tokens, control.json()["id"]) is None
    async with service.sessions() as session:
        links = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "melding.gekoppeld")
            )
        ).all()
    assert [(e.dossier, e.organisation) for e in links] == [(a["id"], "politie")]


async def test_an_answer_stored_with_a_link_is_replayed_without_it(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service
) -> None:
    """An idempotent answer stored before the fix still named the linked melding: a replay
    goes through the partner's model and leaves it out."""
    a = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    body = melding(gezin__adres__postcode="3011 AA")
    b = await post(client, body, tokens["politie-api"], **{"Idempotency-Key": "oud"})
    async with service.sessions() as session, session.begin():
        stored = await session.get(Idempotentie, ("politie", "oud"))
        assert stored is not None
        stored.antwoord = {**stored.antwoord, "gekoppeld_aan": a["id"]}
    replay = await post(client, body, tokens["politie-api"], **{"Idempotency-Key": "oud"})
    assert replay.status_code == 201
    assert replay.json() == b.json()
    assert a["id"] not in replay.text


async def test_intake_follows_the_tafel_and_a_closed_case_starts_a_new_one(
    client: httpx.AsyncClient, tokens: dict[str, str], nats_server: NatsServer
) -> None:
    staff = bearer(tokens["ondersteuner"])
    first = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    melding_id = UUID(first["id"])
    geagendeerd = MeldingGeagendeerd.maak(
        MeldingGeagendeerdData(
            gemeente="0599",
            melding_id=melding_id,
            sessie_id=uuid4(),
            sessie_datum=date(2026, 11, 23),
            sessie_begin=FRIDAY,
            bespreken_uiterlijk=date(2026, 11, 24),
            spoed=False,
            in_gevaar=False,
        ),
        bron=Bron.TAFEL,
        tijd=FRIDAY,
        onderwerp=melding_id,
    )
    await js.publish(geagendeerd.nats_subject(), geagendeerd.to_bytes())

    async def status() -> str:
        r = await client.get(f"/api/v1/meldingen/{melding_id}", headers=staff)
        return str(r.json()["status"])

    await eventually(lambda: _equals(status(), "geagendeerd"))
    besluit = BesluitGenomen.maak(
        BesluitGenomenData(
            gemeente="0599",
            besluit_id=uuid4(),
            melding_id=melding_id,
            gezin_ref=uuid4(),
            versie=1,
            melder_organisatie="veilig-thuis",
            aanpak=Aanpak.VRIJWILLIG,
            urgentie=Urgentie.REGULIER,
            casusregie="wijkteam-rotterdam",
            vto=False,
            genomen_op=FRIDAY,
        ),
        bron=Bron.TAFEL,
        tijd=FRIDAY,
        onderwerp=melding_id,
    )
    await js.publish(besluit.nats_subject(), besluit.to_bytes())
    await eventually(lambda: _equals(status(), "besloten"))
    await connection.close()
    later = await post(client, melding(), tokens["veilig-thuis-api"])
    assert await gekoppeld_aan(client, tokens, later.json()["id"]) is None, (
        "voluntary help decided: the case is closed"
    )


async def test_a_drang_case_stays_open_until_toewijzing_closes_it(
    client: httpx.AsyncClient, tokens: dict[str, str], nats_server: NatsServer
) -> None:
    staff = bearer(tokens["ondersteuner"])
    first = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    melding_id, gezin = UUID(first["id"]), uuid4()
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    besluit = BesluitGenomen.maak(
        BesluitGenomenData(
            gemeente="0599",
            besluit_id=uuid4(),
            melding_id=melding_id,
            gezin_ref=gezin,
            versie=1,
            melder_organisatie="veilig-thuis",
            aanpak=Aanpak.DRANG,
            urgentie=Urgentie.REGULIER,
            casusregie="jbrr",
            vto=False,
            genomen_op=FRIDAY,
        ),
        bron=Bron.TAFEL,
        tijd=FRIDAY,
        onderwerp=melding_id,
    )
    await js.publish(besluit.nats_subject(), besluit.to_bytes())

    async def status() -> str:
        r = await client.get(f"/api/v1/meldingen/{melding_id}", headers=staff)
        return str(r.json()["status"])

    await eventually(lambda: _equals(status(), "besloten"))
    during = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    assert await gekoppeld_aan(client, tokens, during["id"]) == str(melding_id), (
        "drang is an open case"
    )
    # The tafel decides the second melding (voluntary help): only the drang case is open now.
    second = BesluitGenomen.maak(
        besluit.data.model_copy(
            update={
                "besluit_id": uuid4(),
                "melding_id": UUID(during["id"]),
                "aanpak": Aanpak.VRIJWILLIG,
            }
        ),
        bron=Bron.TAFEL,
        tijd=FRIDAY,
        onderwerp=UUID(during["id"]),
    )
    await js.publish(second.nats_subject(), second.to_bytes())

    async def status_of_second() -> str:
        r = await client.get(f"/api/v1/meldingen/{during['id']}", headers=staff)
        return str(r.json()["status"])

    await eventually(lambda: _equals(status_of_second(), "besloten"))
    afgesloten = ZaakAfgesloten.maak(
        ZaakAfgeslotenData(
            gemeente="0599",
            toewijzing_id=uuid4(),
            melding_id=melding_id,
            gezin_ref=gezin,
            aanpak=Aanpak.DRANG,
            reden=Afsluitreden.TERUG_NAAR_WIJKTEAM,
            afgesloten_op=FRIDAY,
        ),
        bron=Bron.TOEWIJZING,
        tijd=FRIDAY,
        onderwerp=melding_id,
    )
    await js.publish(afgesloten.nats_subject(), afgesloten.to_bytes())
    await eventually(lambda: _equals(status(), "afgesloten"))
    await connection.close()
    after = await post(client, melding(), tokens["veilig-thuis-api"])
    assert await gekoppeld_aan(client, tokens, after.json()["id"]) is None, (
        "back to the wijkteam: the case is closed"
    )


async def test_the_meldingen_that_joined_a_gezins_case_close_with_it(
    client: httpx.AsyncClient, tokens: dict[str, str], nats_server: NatsServer
) -> None:
    staff = bearer(tokens["ondersteuner"])
    first = (await post(client, melding(), tokens["veilig-thuis-api"])).json()
    joined = (await post(client, melding(), tokens["politie-api"])).json()
    assert await gekoppeld_aan(client, tokens, joined["id"]) == first["id"]
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    for m in (first, joined):
        besluit = BesluitGenomen.maak(
            BesluitGenomenData(
                gemeente="0599",
                besluit_id=uuid4(),
                melding_id=UUID(m["id"]),
                gezin_ref=uuid4(),
                versie=1,
                melder_organisatie="veilig-thuis",
                aanpak=Aanpak.RAADSONDERZOEK,
                urgentie=Urgentie.REGULIER,
                casusregie="jbrr",
                vto=m is first,
                genomen_op=FRIDAY,
            ),
            bron=Bron.TAFEL,
            tijd=FRIDAY,
            onderwerp=UUID(m["id"]),
        )
        await js.publish(besluit.nats_subject(), besluit.to_bytes())

    async def statussen() -> list[str]:
        result = []
        for m in (first, joined):
            r = await client.get(f"/api/v1/meldingen/{m['id']}", headers=staff)
            result.append(str(r.json()["status"]))
        return result

    await eventually(lambda: _equals(statussen(), ["besloten", "besloten"]))
    # Toewijzing closes the gezin's one case, which the second melding joined.
    afgesloten = ZaakAfgesloten.maak(
        ZaakAfgeslotenData(
            gemeente="0599",
            toewijzing_id=uuid4(),
            melding_id=UUID(first["id"]),
            gezin_ref=uuid4(),
            aanpak=Aanpak.RAADSONDERZOEK,
            reden=Afsluitreden.GEDWONGEN_KADER,
            afgesloten_op=FRIDAY,
            meldingen=[UUID(joined["id"])],
        ),
        bron=Bron.TOEWIJZING,
        tijd=FRIDAY,
        onderwerp=UUID(first["id"]),
    )
    await js.publish(afgesloten.nats_subject(), afgesloten.to_bytes())
    await eventually(lambda: _equals(statussen(), ["afgesloten", "afgesloten"]))
    await connection.close()
    after = await post(client, melding(), tokens["veilig-thuis-api"])
    assert await gekoppeld_aan(client, tokens, after.json()["id"]) is None, (
        "the gezin's case is closed: a new one starts"
    )


async def _equals(awaitable: Any, expected: Any) -> bool:
    return bool(await awaitable == expected)


# --- reads ---------------------------------------------------------------------------------


async def test_staff_list_filters_and_audits_every_dossier_shown(
    client: httpx.AsyncClient, tokens: dict[str, str], service: Service, clock: ManualClock
) -> None:
    vt = tokens["veilig-thuis-api"]
    a = (await post(client, melding(), vt)).json()
    clock.advance(timedelta(days=3))
    b = (
        await post(
            client,
            melding(
                gemeente="0606", gezin__kinderen__0__bsn=BSN_KIND_2, spoed=True, spoed_reden="Acuut"
            ),
            vt,
        )
    ).json()
    staff = bearer(tokens["ondersteuner"])

    async def ids(**params: Any) -> list[str]:
        r = await client.get("/api/v1/meldingen", params=params, headers=staff)
        assert r.status_code == 200, r.text
        return [m["id"] for m in r.json()["items"]]

    assert await ids() == [b["id"], a["id"]]
    assert await ids(gemeente="0606") == [b["id"]]
    assert await ids(spoed="true") == [b["id"]]
    assert await ids(spoed="false") == [a["id"]]
    assert await ids(status="ontvangen") == [b["id"], a["id"]]
    assert await ids(status="besloten") == []
    assert await ids(vanaf="2026-11-21") == [b["id"]]
    assert await ids(tot="2026-11-21") == [a["id"]]
    page = await client.get("/api/v1/meldingen", params={"limit": 1, "offset": 1}, headers=staff)
    assert page.json()["totaal"] == 2 and [m["id"] for m in page.json()["items"]] == [a["id"]]
    assert (await client.get("/api/v1/meldingen", headers=bearer(vt))).status_code == 403
    assert (
        await client.get("/api/v1/meldingen", params={"gemeente": "x"}, headers=staff)
    ).status_code == 400
    async with service.sessions() as session:
        listed = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "melding.lijst"))
        ).all()
    assert {e.dossier for e in listed} == {a["id"], b["id"]}
    assert all(e.actor == "ondersteuner" and e.organisation == "jbplein" for e in listed)


# --- the staff form ------------------------------------------------------------------------


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "the form carries a CSRF token"
    return match.group(1)


FORM = {
    "gemeente": "0622",
    "melder_organisatie": "politie",
    "kanaal": "telefoon",
    "melder.naam": "Piet Politie",
    "melder.functie": "Wijkagent",
    "melder.telefoon": "010 7654321",
    "melder.email": "piet@example.org",
    "gezin.adres.postcode": "3131 AB",
    "gezin.adres.huisnummer": "7",
    "gezin.kinderen.1.voornaam": "Sem",
    "gezin.kinderen.1.achternaam": "Visser",
    "gezin.kinderen.1.geboortedatum": "05-05-2014",  # as staff type it: dd-mm-jjjj
    "gezin.ouders.0.voornaam": "Vera",
    "gezin.ouders.0.achternaam": "Visser",
    "gezin.ouders.0.rol": "moeder",
    "zorgen.soorten": "ontwikkeling",
    "zorgen.toelichting": "Verzuimt al weken van school.",
    "waarom_vrijwillig_onvoldoende": "Ouders reageren niet op het wijkteam.",
}


async def login(client: httpx.AsyncClient, user: str, password: str) -> None:
    response = await client.post(
        "/inloggen", data={"gebruiker": user, "wachtwoord": password, "terug": "/meldingen/nieuw"}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/meldingen/nieuw"


async def test_an_ondersteuner_registers_a_phoned_in_melding_with_the_same_rules(
    client: httpx.AsyncClient, passwords: dict[str, str], service: Service
) -> None:
    anonymous = await client.get("/meldingen/nieuw")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/inloggen")
    wrong = await client.post("/inloggen", data={"gebruiker": "ondersteuner", "wachtwoord": "nee"})
    assert wrong.status_code == 401
    await login(client, "ondersteuner", passwords["ondersteuner"])
    page = await client.get("/meldingen/nieuw")
    assert page.status_code == 200 and "Melding registreren" in page.text
    csrf = _csrf(page.text)

    no_token = await client.post("/meldingen/nieuw", data=FORM)
    assert no_token.status_code == 403
    bad = await client.post(
        "/meldingen/nieuw", data={**FORM, "csrf": csrf, "gezin.kinderen.1.bsn": "123456789"}
    )
    assert bad.status_code == 400
    assert "Dit BSN klopt niet (11-proef)." in bad.text
    assert 'name="gezin.kinderen.1.bsn"' in bad.text and 'value="123456789"' in bad.text
    too_old = await client.post(
        "/meldingen/nieuw",
        data={**FORM, "csrf": csrf, "gezin.kinderen.1.geboortedatum": "2001-01-01"},
    )
    assert too_old.status_code == 400 and "18 jaar of ouder" in too_old.text
    assert await count(service, Melding) == 0

    saved = await client.post("/meldingen/nieuw", data={**FORM, "csrf": csrf})
    assert saved.status_code == 303, saved.text
    confirmation = await client.get(saved.headers["location"])
    assert "JBP-2026-000001" in confirmation.text
    assert "24-11-2026" in confirmation.text, "Friday 15:00: by Tuesday"
    async with service.sessions() as session:
        [stored] = (await session.scalars(select(Melding))).all()
    assert stored.kanaal == "telefoon"
    assert stored.melder_organisatie == "politie"
    assert stored.geregistreerd_door == "ondersteuner"
    assert stored.gemeente == "0622"
    assert stored.gegevens["gezin"]["kinderen"][0]["voornaam"] == "Sem", "empty rows dropped"
    assert stored.gegevens["gezin"]["kinderen"][0]["geboortedatum"] == "2014-05-05"


async def test_only_an_ondersteuner_registers_and_staff_see_the_list(
    client: httpx.AsyncClient, passwords: dict[str, str]
) -> None:
    await login(client, "voorzitter", passwords["voorzitter"])
    assert (await client.get("/meldingen/nieuw")).status_code == 403
    assert (await client.get("/meldingen")).status_code == 200
