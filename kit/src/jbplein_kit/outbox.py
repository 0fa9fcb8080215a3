"""The transactional outbox: a state change and its events commit together, then a relay
publishes them to JetStream with ``Nats-Msg-Id`` = event id and marks them sent.

An event written while NATS is down stays in the outbox and goes out when NATS is back; a
publish that is retried after a crash is de-duplicated by the server on its message id, and by
the consumers' inbox beyond the server's de-duplication window.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from opentelemetry import propagate
from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    LargeBinary,
    Select,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from jbplein_contracts.envelope import CloudEvent

from .clock import Clock
from .db import KitBase, UtcDateTime
from .werker import Werker

log = logging.getLogger("jbplein.outbox")

MSG_ID = "Nats-Msg-Id"


class OutboxMessage(KitBase):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    message_id: Mapped[str] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


def trace_headers() -> dict[str, str]:
    """The current trace context as message headers (``traceparent``, ``tracestate``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def outbox_message(
    *,
    message_id: str,
    subject: str,
    payload: bytes,
    now: datetime,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    all_headers = {**trace_headers(), **(headers or {}), MSG_ID: message_id}
    return OutboxMessage(
        message_id=message_id,
        subject=subject,
        payload=payload,
        headers=all_headers,
        created_at=now,
        attempts=0,
    )


def event_message(event: CloudEvent[Any], now: datetime) -> OutboxMessage:
    """The outbox row of an event: published on its channel's subject with its id as msg id."""
    return outbox_message(
        message_id=str(event.id),
        subject=event.nats_subject(),
        payload=event.to_bytes(),
        now=now,
        headers={"ce-type": event.type},
    )


class Outgoing(Protocol):
    """What the relay hands to the publisher: an outbox row, or its columns."""

    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def headers(self) -> dict[str, str]: ...


Publisher = Callable[[Outgoing], Awaitable[None]]


class OutboxRelay:
    """Publishes unsent outbox rows in order. Woken at once after a commit, and polled as a
    safety net (e.g. for rows written while NATS was down, or by another instance)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publish: Publisher,
        clock: Clock,
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 100,
        keep_sent: timedelta = timedelta(days=7),
        max_backoff_seconds: float = 30.0,
        lock_rows: bool = True,
    ) -> None:
        self._sessions = sessions
        self._publish = publish
        self._clock = clock
        self._poll = poll_seconds
        self._batch = batch_size
        self._keep_sent = keep_sent
        self._max_backoff = max_backoff_seconds
        self._lock_rows = lock_rows
        self._last_cleanup: datetime | None = None
        self.werker = Werker(
            "outbox-relay",
            self._ronde,
            poll_seconds=poll_seconds,
            max_backoff_seconds=max_backoff_seconds,
        )

    def notify(self) -> None:
        self.werker.notify()

    def start(self) -> None:
        self.werker.start()

    async def stop(self) -> None:
        await self.werker.stop()

    @property
    def failures(self) -> int:
        return self.werker.failures

    async def _ronde(self) -> int:
        sent = await self.relay_once()
        if sent:
            return sent
        now = self._clock.now()
        if self._last_cleanup is None or now - self._last_cleanup > timedelta(hours=1):
            await self.delete_sent_before(now - self._keep_sent)
            self._last_cleanup = now
        return 0

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows; returns how many were sent. On a publish error the
        rows sent so far are marked, the error is recorded and re-raised.

        With ``lock_rows`` (PostgreSQL) the batch is claimed with ``FOR UPDATE SKIP LOCKED``
        while it is published, so several instances of a service never publish the same rows
        at once. Without (SQLite: one process, one writer) no connection is held while
        publishing: the rows are read, published, then marked; a row published twice after a
        crash is de-duplicated by the server on its message id.
        """
        if not self._lock_rows:
            async with self._sessions() as session:
                rows = list((await session.execute(self._unsent())).all())
            sent, error = await self._publish_all(rows)
            if sent or error is not None:
                async with self._sessions() as session:
                    await self._mark(session, rows, sent, error)
                    await session.commit()
        else:
            async with self._sessions() as session:
                rows = list(
                    (await session.execute(self._unsent().with_for_update(skip_locked=True))).all()
                )
                sent, error = await self._publish_all(rows)
                await self._mark(session, rows, sent, error)
                await session.commit()
        if error is not None:
            raise error
        return len(sent)

    def _unsent(self) -> Select[tuple[int, str, bytes, dict[str, str]]]:
        # Plain columns, not ORM objects: the relay runs after every commit.
        return (
            select(
                OutboxMessage.id,
                OutboxMessage.subject,
                OutboxMessage.payload,
                OutboxMessage.headers,
            )
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(self._batch)
        )

    async def _publish_all(self, rows: list[Any]) -> tuple[list[int], Exception | None]:
        """Publish in order; stop at the first failure, so events keep their order."""
        sent: list[int] = []
        for row in rows:
            try:
                await self._publish(row)
            except Exception as exc:
                return sent, exc
            sent.append(row.id)
        return sent, None

    async def _mark(
        self,
        session: AsyncSession,
        rows: list[Any],
        sent: list[int],
        error: Exception | None,
    ) -> None:
        if sent:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(sent))
                .values(sent_at=self._clock.now(), attempts=OutboxMessage.attempts + 1)
            )
        if error is not None:
            failed = rows[len(sent)].id
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == failed)
                .values(attempts=OutboxMessage.attempts + 1, last_error=type(error).__name__[:200])
            )

    async def delete_sent_before(self, moment: datetime) -> None:
        async with self._sessions() as session:
            await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < moment
                )
            )
            await session.commit()

    async def pending(self) -> int:
        """How many rows wait to be published (for health checks and tests)."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))
            )
        return int(count or 0)
