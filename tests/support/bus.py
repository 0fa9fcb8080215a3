"""A test's own connection to the nats-server: publish what another service would, and read
what a service published (every message on a channel, from the start of its stream)."""

from __future__ import annotations

from typing import Any, TypeVar

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from jbplein_contracts import subjects
from jbplein_contracts.envelope import CloudEvent

E = TypeVar("E", bound=CloudEvent[Any])


class Bus:
    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> Bus:
        self.connection = await nats.connect(self.url)
        self.js = self.connection.jetstream()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.connection.close()

    async def publish(self, event: CloudEvent[Any]) -> None:
        """Publish as the kit does: on its subject, with its id as ``Nats-Msg-Id``."""
        await self.js.publish(
            event.nats_subject(), event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)}
        )

    async def read(self, kanaal: subjects.Kanaal, model: type[E]) -> list[E]:
        sub = await self.js.pull_subscribe(kanaal.alle_gemeenten, stream=kanaal.stream.name)
        try:
            messages = await sub.fetch(1000, timeout=0.5)
        except TimeoutError:  # nats-py raises its own and, at times, the builtin one
            messages = []
        finally:
            await sub.unsubscribe()
        return [model.model_validate_json(m.data) for m in messages]


async def partner_berichten(url: str) -> list[tuple[str, bytes]]:
    """Every message on every partner subject so far: (subject, body), as a partner allowed
    everything would receive them."""
    connection = await nats.connect(url)
    try:
        sub = await connection.jetstream().pull_subscribe(
            subjects.partner_filter(),
            stream=subjects.STREAM_PARTNER.name,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        try:
            messages = await sub.fetch(1000, timeout=1)
        except TimeoutError:  # nats-py raises its own and, at times, the builtin one
            messages = []
        return [(m.subject, m.data) for m in messages]
    finally:
        await connection.close()
