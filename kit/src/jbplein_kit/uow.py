"""The unit of work: one database transaction in which a handler changes state, queues its
events (outbox), schedules its timers and writes its audit entries. Nothing leaves the service
unless the transaction commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jbplein_contracts.envelope import CloudEvent

from .audit import write_audit
from .auth import Actor
from .clock import Clock
from .outbox import event_message
from .timers import Timer, timer_message


class UnitOfWork:
    def __init__(self, session: AsyncSession, clock: Clock, service: str) -> None:
        self.session = session
        self.clock = clock
        self.service = service
        self._now = clock.now()

    @property
    def now(self) -> datetime:
        """The moment this unit of work started: one "now" for everything it records."""
        return self._now

    def publish(self, event: CloudEvent[Any]) -> None:
        """Publish ``event`` when, and only when, this unit of work commits."""
        self.session.add(event_message(event, self._now))

    def schedule(self, timer: Timer) -> None:
        """Schedule a deadline timer when this unit of work commits."""
        self.session.add(timer_message(timer, self.service, self.clock, self._now))

    def audit(self, actor: Actor, action: str, dossier: str, source_address: str | None) -> None:
        write_audit(
            self.session,
            at=self._now,
            actor=actor.id,
            organisation=actor.organisatie,
            roles=sorted(actor.rollen),
            action=action,
            dossier=dossier,
            source_address=source_address,
        )


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    service: str,
    after_commit: Callable[[], None] | None = None,
) -> AsyncIterator[UnitOfWork]:
    """Commit on success, roll back on any error; then wake the outbox relay."""
    async with sessions() as session:
        uow = UnitOfWork(session, clock, service)
        try:
            yield uow
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    if after_commit is not None:
        after_commit()
