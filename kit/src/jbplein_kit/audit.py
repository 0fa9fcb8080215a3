"""The audit log (in the spirit of NEN 7513): who, from which organisation, did what to which
dossier, when and from where. An entry is written in the same transaction as what it records,
so a read or change without its audit entry cannot commit."""

from __future__ import annotations

from datetime import datetime

from opentelemetry import trace
from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .db import KitBase, UtcDateTime


class AuditEntry(KitBase):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(120))
    roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    dossier: Mapped[str] = mapped_column(String(120), index=True)
    source_address: Mapped[str | None] = mapped_column(String(64), default=None)
    trace_id: Mapped[str | None] = mapped_column(String(32), default=None)


def write_audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    organisation: str,
    roles: tuple[str, ...] | list[str],
    action: str,
    dossier: str,
    source_address: str | None,
) -> AuditEntry:
    span = trace.get_current_span().get_span_context()
    entry = AuditEntry(
        at=at,
        actor=actor,
        organisation=organisation,
        roles=",".join(sorted(roles)),
        action=action,
        dossier=dossier,
        source_address=source_address,
        trace_id=format(span.trace_id, "032x") if span.is_valid else None,
    )
    session.add(entry)
    return entry
