"""NATS JetStream with safety defaults.

* durable pull consumers with explicit ack, created by the kit (never FastStream's default,
  which terminates a message whose handler fails);
* a failing handler: the message is nak'ed with a growing delay, a bounded number of times, and
  then goes to the consumer's dead-letter subject while the consumer keeps going; a message
  that cannot even be parsed goes there at once;
* idempotent consume: the handler, its inbox row and its outgoing events are one transaction;
* ``Nats-Msg-Id`` = event id on every publish (set by the outbox).

FastStream provides the pull loop and ``NatsTelemetryMiddleware`` (trace context in headers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats import errors
from nats.aio.msg import Msg
from nats.js.api import (
    AckPolicy as JsAckPolicy,
)
from nats.js.api import (
    ConsumerConfig,
    DeliverPolicy,
)
from nats.js.client import JetStreamContext
from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError

from jbplein_contracts import subjects
from jbplein_contracts.subjects import Stream

from .outbox import MSG_ID, Outgoing
from .settings import ServiceSettings
from .streams import ensure_streams
from .telemetry import Telemetry

log = logging.getLogger("jbplein.messaging")

DLQ_CONSUMER = "Jbplein-Dlq-Consumer"
DLQ_REASON = "Jbplein-Dlq-Reason"
DLQ_ERROR = "Jbplein-Dlq-Error-Type"
DLQ_SUBJECT = "Jbplein-Dlq-Original-Subject"
DLQ_SEQUENCE = "Jbplein-Dlq-Stream-Sequence"
DLQ_DELIVERIES = "Jbplein-Dlq-Deliveries"


class PoisonMessage(Exception):
    """Raised by a parser for a message that no retry can fix."""


Parser = Callable[[bytes], tuple[str, Any]]
"""Turns a message body into (message id, parsed message); raises on bad input."""

Process = Callable[[str, Any], Awaitable[None]]
"""Applies a parsed message (idempotently, in one transaction)."""


@dataclass(frozen=True)
class Subscription:
    name: str
    filter_subject: str
    stream: Stream
    parse: Parser
    process: Process


class Messaging:
    """A service's connection to NATS: its broker, its consumers, and how it publishes."""

    def __init__(self, service: str, settings: ServiceSettings, telemetry: Telemetry) -> None:
        self.service = service
        self.settings = settings
        self.telemetry = telemetry
        self.broker = NatsBroker(
            settings.nats_url,
            name=f"jbplein-{service}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
            middlewares=[
                NatsTelemetryMiddleware(
                    tracer_provider=telemetry.tracer_provider,
                    meter_provider=telemetry.meter_provider,
                )
            ],
            logger=logging.getLogger(f"jbplein.{service}.broker"),
            log_level=logging.DEBUG,
        )
        self.subscriptions: list[Subscription] = []
        self.dead_letters = 0
        self._in_flight = 0

    # --- consuming -----------------------------------------------------------------------

    def subscribe(self, subscription: Subscription) -> None:
        if any(s.name == subscription.name for s in self.subscriptions):
            raise ValueError(f"consumer {subscription.name} is registered twice")
        self.subscriptions.append(subscription)

        async def on_message(message: NatsMessage) -> None:
            await self._handle(subscription, message.raw_message)

        self.broker.subscriber(
            subscription.filter_subject,
            stream=JStream(subscription.stream.name, declare=False),
            durable=subscription.name,
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            ack_policy=AckPolicy.MANUAL,
            title=subscription.name,
        )(on_message)

    def consumer_config(self, subscription: Subscription) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=subscription.name,
            filter_subject=subscription.filter_subject,
            ack_policy=JsAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.settings.ack_wait_seconds,
            # The kit bounds redelivery itself and then dead-letters; the server never drops.
            max_deliver=-1,
            max_ack_pending=1000,
        )

    async def _ensure_consumers(self, js: JetStreamContext) -> None:
        for subscription in self.subscriptions:
            await js.add_consumer(subscription.stream.name, self.consumer_config(subscription))

    def _backoff(self, deliveries: int) -> float:
        steps = self.settings.redelivery_backoff_seconds or (1.0,)
        return steps[min(max(deliveries, 1) - 1, len(steps) - 1)]

    async def _handle(self, subscription: Subscription, raw: Msg) -> None:
        deliveries = raw.metadata.num_delivered or 1
        tracer = self.telemetry.tracer
        self._in_flight += 1
        try:
            with tracer.start_as_current_span(
                f"{subscription.name} verwerken",
                kind=SpanKind.INTERNAL,
                attributes={
                    "messaging.consumer.group.name": subscription.name,
                    "messaging.message.delivery_count": deliveries,
                },
            ) as span:
                try:
                    message_id, parsed = subscription.parse(raw.data)
                except (ValidationError, ValueError, PoisonMessage) as exc:
                    span.set_status(Status(StatusCode.ERROR, "unparseable message"))
                    await self._dead_letter(subscription, raw, "invalid", exc, deliveries)
                    return
                span.set_attribute("messaging.message.id", message_id)
                try:
                    await subscription.process(message_id, parsed)
                except Exception as exc:
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    if deliveries >= self.settings.max_deliver:
                        await self._dead_letter(subscription, raw, "failed", exc, deliveries)
                    else:
                        delay = self._backoff(deliveries)
                        log.warning(
                            "%s: %s on delivery %d of %s; retry in %.1fs",
                            subscription.name,
                            type(exc).__name__,
                            deliveries,
                            message_id,
                            delay,
                        )
                        await raw.nak(delay=delay)
                    return
            await raw.ack()
        finally:
            self._in_flight -= 1

    async def _dead_letter(
        self, subscription: Subscription, raw: Msg, reason: str, exc: Exception, deliveries: int
    ) -> None:
        sequence = raw.metadata.sequence.stream if raw.metadata.sequence else 0
        headers = {
            **(raw.headers or {}),
            MSG_ID: f"dlq-{subscription.name}-{sequence}",
            DLQ_CONSUMER: subscription.name,
            DLQ_REASON: reason,
            DLQ_ERROR: type(exc).__name__,
            DLQ_SUBJECT: raw.subject,
            DLQ_SEQUENCE: str(sequence),
            DLQ_DELIVERIES: str(deliveries),
        }
        try:
            await self.broker.publish(
                raw.data,
                subjects.dlq(subscription.name),
                headers=headers,
                stream=subjects.STREAM_DLQ.name,
                timeout=5,
            )
        except Exception as publish_error:
            # Never lose it: leave it to be redelivered and try the dead-letter subject again.
            log.error(
                "%s: dead-letter publish failed (%s); message kept",
                subscription.name,
                type(publish_error).__name__,
            )
            await raw.nak(delay=self._backoff(deliveries))
            return
        self.dead_letters += 1
        log.error(
            "%s: message %s on %s dead-lettered (%s, %s, %d deliveries)",
            subscription.name,
            sequence,
            raw.subject,
            reason,
            type(exc).__name__,
            deliveries,
        )
        await raw.ack()

    # --- publishing ----------------------------------------------------------------------

    async def publish_outbox(self, row: Outgoing) -> None:
        """Publish an outbox row under the trace context it was written in; waits for the
        stream's ack. A duplicate (same ``Nats-Msg-Id``) is acknowledged by the server too."""
        token = otel_context.attach(propagate.extract(row.headers))
        try:
            await self.broker.publish(
                row.payload,
                row.subject,
                headers=dict(row.headers),
                stream=subjects.stream_voor(row.subject).name,
                timeout=5,
            )
        finally:
            otel_context.detach(token)

    # --- life cycle ----------------------------------------------------------------------

    async def start(self, wait_seconds: float = 60.0) -> None:
        """Connect (waiting for NATS to come up), declare streams and consumers, and start
        consuming."""
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while True:
            try:
                await self.broker.connect()
                break
            except Exception as exc:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning(
                    "waiting for NATS at %s (%s)", self.settings.nats_url, type(exc).__name__
                )
                await asyncio.sleep(0.5)
        js = self.jetstream
        if self.settings.declare_streams:
            await ensure_streams(js, self.settings.stream_replicas)
        await self._ensure_consumers(js)
        await self.broker.start()

    @property
    def jetstream(self) -> JetStreamContext:
        js = self.broker.config.connection_state.stream
        assert isinstance(js, JetStreamContext), "not connected"
        return js

    @property
    def connected(self) -> bool:
        try:
            connection = self.broker.config.connection_state.connection
        except Exception:
            return False
        return bool(connection is not None and connection.is_connected)

    async def stop(self) -> None:
        try:
            await self.broker.stop()
        except (errors.ConnectionReconnectingError, errors.ConnectionClosedError):
            # NATS is unreachable: there is nothing to drain (whatever was not acked is
            # delivered again), so the connection is closed without it and the service stops.
            log.warning("NATS unreachable while stopping: closed without draining")
            with contextlib.suppress(Exception):
                connection = self.broker.config.connection_state.connection
                if connection is not None:
                    await connection.close()
