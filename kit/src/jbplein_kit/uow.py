"""The unit of work: one database transaction in which a handler changes state, queues its
events (outbox), schedules its timers and writes its audit entries. Nothing leaves the service
unless the transaction commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jbplein_contracts.envelope import CloudEvent

from .audit import write_audit
from .auth import Actor
from .clock import Clock
from .db import written
from .outbox import event_message
from .timers import GEANNULEERD, GEPLAND, ScheduledTimer, Timer, timer_message


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

    async def lock(self, key: str) -> None:
        """Hold ``key`` until this unit of work ends: handlers that take the same key run one
        after the other, and the later one sees what the earlier one committed.

        PostgreSQL: a transaction-level advisory lock on the key's 64-bit hash. SQLite: the
        service has one connection (one writer per file), and holding it is the lock.
        """
        await self.session.connection()
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0)))
            )

    def publish(self, event: CloudEvent[Any]) -> None:
        """Publish ``event`` when, and only when, this unit of work commits."""
        self.session.add(event_message(event, self._now))

    async def schedule(self, timer: Timer) -> None:
        """Schedule a deadline timer when this unit of work commits; a timer with the same
        key is replaced."""
        await self.session.merge(
            ScheduledTimer(
                sleutel=timer.sleutel,
                soort=timer.soort,
                timer_id=str(timer.id),
                verloopt_op=timer.verloopt_op,
                status=GEPLAND,
                payload=timer.model_dump(mode="json"),
                gepland_op=self._now,
            )
        )
        self.session.add(timer_message(timer, self.service, self.clock, self._now))

    async def cancel_timer(self, sleutel: str) -> bool:
        """Cancel a pending timer: when it fires it is ignored. False if none was pending."""
        row = await self.session.get(ScheduledTimer, sleutel)
        if row is None or row.status != GEPLAND:
            return False
        row.status = GEANNULEERD
        return True

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
    after_commit: Callable[[frozenset[type[Any]]], None] | None = None,
) -> AsyncIterator[UnitOfWork]:
    """Commit on success, roll back on any error. After the commit, ``after_commit`` learns
    the classes of the rows the transaction inserted or changed (its events are outbox rows):
    the work it added, so that only the workers who do that work are woken."""
    async with sessions() as session:
        uow = UnitOfWork(session, clock, service)
        try:
            yield uow
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        added = written(session)
    if after_commit is not None and added:
        after_commit(added)
