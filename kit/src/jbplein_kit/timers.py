"""Deadline timers as JetStream scheduled messages (``Nats-Schedule: @at ...``, NATS >= 2.12).

A timer is durable in the broker, not a sleep in a process: it survives a restart of the service
and of the nats-server. Scheduling goes through the outbox, so a timer exists exactly when the
state change that needs it committed. When it fires, the owning service checks whether the step
happened and raises ``termijn.overschreden`` if not. Scheduling the same key again replaces the
timer (one schedule per subject).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jbplein_contracts import subjects

from .clock import Clock
from .outbox import OutboxMessage, outbox_message

SCHEDULE = "Nats-Schedule"
SCHEDULE_TARGET = "Nats-Schedule-Target"
SCHEDULER = "Nats-Scheduler"


class Timer(BaseModel):
    """What fires, when, and with which (non-personal) data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID = Field(default_factory=uuid4)
    soort: str = Field(pattern=r"^[A-Za-z0-9_-]{1,60}$")
    sleutel: str = Field(pattern=r"^[A-Za-z0-9_-]{1,120}$")
    verloopt_op: AwareDatetime = Field(description="The logical moment the timer is due.")
    gegevens: dict[str, Any] = Field(default_factory=dict)


def at_header(moment: datetime) -> str:
    """``@at`` with whole seconds, rounded up: a timer never fires before it is due."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return "@at " + moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def timer_message(timer: Timer, service: str, clock: Clock, now: datetime) -> OutboxMessage:
    # The broker fires at a wall-clock moment; a test clock that runs ahead shifts it back.
    wall = timer.verloopt_op - clock.skew()
    return outbox_message(
        message_id=f"timer-{timer.id}",
        subject=subjects.timer_gepland(service, timer.sleutel),
        payload=timer.model_dump_json().encode(),
        now=now,
        headers={
            SCHEDULE: at_header(wall),
            SCHEDULE_TARGET: subjects.timer_verlopen(service, timer.soort),
        },
    )
