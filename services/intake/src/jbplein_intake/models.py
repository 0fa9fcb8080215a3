"""Intake's own tables: the meldingen as received. Personal data lives here and nowhere else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Boolean, Date, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Melding(Base):
    __tablename__ = "melding"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4), index=True)
    melder_organisatie: Mapped[str] = mapped_column(String(63), index=True)
    melder_account: Mapped[str] = mapped_column(String(63))
    ontvangen_op: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    bespreken_uiterlijk: Mapped[date] = mapped_column(Date)
    spoed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), index=True)
    gegevens: Mapped[dict[str, Any]] = mapped_column(JSON)
