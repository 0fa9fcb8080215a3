"""Deadline timers as JetStream scheduled messages (``Nats-Schedule: @at ...``, NATS >= 2.12).

A timer is durable in the broker, not a sleep in a process: it survives a restart of the service
and of the nats-server. Scheduling goes through the outbox, so a timer exists exactly when the
state change that needs it committed; the service also keeps a row per timer (its key, due
moment and state) so that it can cancel a timer, list its pending deadlines, and schedule them
again when its clock is moved (tests) or its calendar changes.

When a timer fires, the kit checks it is the current schedule of its key, still pending and
really due (else it is ignored, or scheduled again); only then the handler runs, and the owning
service checks whether the step happened and raises ``termijn.overschreden`` if not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from jbplein_contracts import subjects

from .clock import Clock
from .db import KitBase, UtcDateTime
from .outbox import OutboxMessage, outbox_message

SCHEDULE = "Nats-Schedule"
SCHEDULE_TARGET = "Nats-Schedule-Target"
SCHEDULER = "Nats-Scheduler"

GEPLAND = "gepland"
VERLOPEN = "verlopen"
GEANNULEERD = "geannuleerd"


class Timer(BaseModel):
    """What fires, when, and with which (non-personal) data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID = Field(default_factory=uuid4)
    soort: str = Field(pattern=r"^[A-Za-z0-9_-]{1,60}$")
    sleutel: str = Field(pattern=r"^[A-Za-z0-9_-]{1,120}$")
    verloopt_op: AwareDatetime = Field(description="The logical moment the timer is due.")
    gegevens: dict[str, Any] = Field(default_factory=dict)

    def opnieuw(self) -> Timer:
        """The same timer under a new id (a new schedule replaces the old one)."""
        return self.model_copy(update={"id": uuid4()})


class ScheduledTimer(KitBase):
    """The current schedule of each timer key of this service."""

    __tablename__ = "timer"

    sleutel: Mapped[str] = mapped_column(String(120), primary_key=True)
    soort: Mapped[str] = mapped_column(String(60), index=True)
    timer_id: Mapped[str] = mapped_column(String(36))
    verloopt_op: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    gepland_op: Mapped[datetime] = mapped_column(UtcDateTime)


def at_header(moment: datetime) -> str:
    """``@at`` with whole seconds, rounded up: a timer never fires before it is due."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return "@at " + moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def timer_message(timer: Timer, service: str, clock: Clock, now: datetime) -> OutboxMessage:
    # The broker fires at a wall-clock moment; a clock that runs ahead shifts it back.
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
