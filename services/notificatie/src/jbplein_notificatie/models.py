"""Notificatie's own tables: letters and the casusregisseurs they wait for."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Brief(Base):
    __tablename__ = "brief"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    besluit_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    melding_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    variant: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    regisseur_ref: Mapped[str | None] = mapped_column(String(63))
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    gereed_op: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Regisseur(Base):
    """A casusregisseur assigned for a besluit; it may arrive before or after the besluit."""

    __tablename__ = "regisseur"

    besluit_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    jeugdbeschermer_ref: Mapped[str] = mapped_column(String(63))
    toegewezen_op: Mapped[datetime] = mapped_column(UtcDateTime)
