"""Idempotent consume: an inbox keyed by (consumer, event id), written in the consumer's own
transaction. A redelivered event (after a crash between commit and ack, or a retried publish
outside the server's de-duplication window) finds its row and is not applied again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .db import KitBase, UtcDateTime


class InboxEntry(KitBase):
    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)


async def already_processed(session: AsyncSession, consumer: str, message_id: str) -> bool:
    found = await session.scalar(
        select(InboxEntry.message_id).where(
            InboxEntry.consumer == consumer, InboxEntry.message_id == message_id
        )
    )
    return found is not None


def record(session: AsyncSession, consumer: str, message_id: str, now: datetime) -> None:
    """Mark the message processed; the primary key refuses a second row for it, so two
    concurrent deliveries cannot both commit."""
    session.add(InboxEntry(consumer=consumer, message_id=message_id, processed_at=now))
