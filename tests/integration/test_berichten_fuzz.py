"""Malformed messages on every subject any service consumes land on that consumer's
dead-letter subject, and the consumer keeps going. All four services run against one real
nats-server; the junk is generated (hypothesis) plus a few known bad shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.js.api import ConsumerConfig, DeliverPolicy

from jbplein_contracts import subjects
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import BesluitGenomen, BesluitGenomenData
from jbplein_contracts.waarden import Aanpak, Urgentie
from jbplein_intake.app import create_service as intake
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.inbox import InboxEntry
from jbplein_kit.messaging import DLQ_CONSUMER, DLQ_REASON
from jbplein_kit.service import Service
from jbplein_notificatie.app import create_service as notificatie
from jbplein_notificatie.settings import Settings as NotificatieSettings
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_service as tafel
from jbplein_tafel.settings import Settings as TafelSettings
from jbplein_toewijzing.app import create_service as toewijzing
from jbplein_toewijzing.settings import Settings as ToewijzingSettings

from ..conftest import eventually, fast_settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

BEKEND_SLECHT = [
    b"",
    b"not json at all",
    b"\xff\xfe\x00binary",
    b"[]",
    b'{"specversion": "1.0"}',
    json.dumps({"id": "x", "type": "nl.jbplein.besluit.genomen.v1", "data": {}}).encode(),
]

junk = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda kinderen: (
            st.lists(kinderen, max_size=4)
            | st.dictionaries(st.text(max_size=10), kinderen, max_size=4)
        ),
        max_leaves=10,
    ).map(lambda x: json.dumps(x).encode()),
)


@pytest.fixture
async def diensten(
    nats_server: NatsServer,
    database_factory: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    accounts_file: Path,
) -> AsyncIterator[list[Service]]:
    result = []
    for naam, maak, cls in (
        ("intake", intake, IntakeSettings),
        ("tafel", tafel, TafelSettings),
        ("toewijzing", toewijzing, ToewijzingSettings),
        ("notificatie", notificatie, NotificatieSettings),
    ):
        s = fast_settings(
            cls,
            database_url=await database_factory(naam),
            nats_url=nats_server.url,
            data_dir=tmp_path / naam,
            accounts_file=accounts_file,
        )
        service = maak(s)  # type: ignore[operator]
        await service.start()
        result.append(service)
    try:
        yield result
    finally:
        for service in result:
            await service.stop()


def concreet(filter_subject: str) -> str:
    """A subject the filter matches (a municipality where it has a wildcard)."""
    return filter_subject.replace("*", "0599")


async def dode_brieven(js: Any, consumer: str) -> list[Any]:
    sub = await js.pull_subscribe(
        subjects.dlq(consumer),
        stream=subjects.STREAM_DLQ.name,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    try:
        return list(await sub.fetch(1000, timeout=1))
    except TimeoutError:  # nats-py raises its own and, at times, the builtin one
        return []
    finally:
        await sub.unsubscribe()


async def test_malformed_messages_on_every_consumed_subject_go_to_the_dead_letter_subject(
    nats_server: NatsServer, diensten: list[Service]
) -> None:
    consumers = [(s, sub) for s in diensten for sub in s.messaging.subscriptions]
    namen = {sub.name for _, sub in consumers}
    assert {
        "intake-besluit-genomen-v1",
        "intake-zaak-afgesloten-v1",
        "tafel-melding-ontvangen-v1",
        "tafel-timer-bespreking",
        "toewijzing-besluit-genomen-v1",
        "toewijzing-timer-contact",
        "notificatie-besluit-genomen-v1",
        "notificatie-regisseur-toegewezen-v1",
        "notificatie-zaak-afgesloten-v1",
        "notificatie-timer-regisseur_wachttijd",
    } <= namen

    gegenereerd: list[bytes] = []

    @given(junk)
    @settings(max_examples=15, suppress_health_check=list(HealthCheck), database=None)
    def verzamel(body: bytes) -> None:
        gegenereerd.append(body)

    verzamel()
    bodies = BEKEND_SLECHT + gegenereerd
    connection = await nats.connect(nats_server.url)
    js = connection.jetstream()
    try:
        # Several services consume one subject (besluit.genomen): each gets all the junk.
        for subject in sorted({concreet(sub.filter_subject) for _, sub in consumers}):
            for body in bodies:
                await js.publish(subject, body, headers={"Nats-Msg-Id": str(uuid4())})

        async def alles_dood() -> bool:
            for _, sub in consumers:
                if len(await dode_brieven(js, sub.name)) < len(bodies):
                    return False
            return True

        await eventually(alles_dood, timeout=120, interval=0.5)
        for _, sub in consumers:
            brieven = await dode_brieven(js, sub.name)
            assert len(brieven) == len(bodies), sub.name
            assert {b.headers[DLQ_CONSUMER] for b in brieven} == {sub.name}
            assert {b.headers[DLQ_REASON] for b in brieven} == {"invalid"}

        # ... and they keep going: a real besluit after all that junk is handled by every
        # service that consumes it.
        besluit = BesluitGenomen.maak(
            BesluitGenomenData(
                gemeente="0599",
                besluit_id=uuid4(),
                melding_id=uuid4(),
                gezin_ref=uuid4(),
                versie=1,
                melder_organisatie="veilig-thuis",
                aanpak=Aanpak.VRIJWILLIG,
                urgentie=Urgentie.REGULIER,
                casusregie="wijkteam-rotterdam",
                vto=False,
                genomen_op=datetime.now(UTC),
            ),
            bron=Bron.TAFEL,
            tijd=datetime.now(UTC),
            onderwerp=uuid4(),
        )
        await js.publish(
            besluit.nats_subject(), besluit.to_bytes(), headers={"Nats-Msg-Id": str(besluit.id)}
        )

        async def verwerkt() -> bool:
            for service, sub in consumers:
                if not sub.name.endswith("besluit-genomen-v1"):
                    continue
                async with service.unit_of_work() as uow:
                    gezien = await uow.session.get(InboxEntry, (sub.name, str(besluit.id)))
                if gezien is None:
                    return False
            return True

        await eventually(verwerkt, timeout=30)
    finally:
        await connection.close()
