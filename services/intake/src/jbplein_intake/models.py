"""Intake's own tables. Personal data lives here and nowhere else in the plein's systems."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Melding(Base):
    __tablename__ = "melding"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    referentie: Mapped[str] = mapped_column(String(20), unique=True)
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gekoppeld_aan: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4), index=True)
    melder_organisatie: Mapped[str] = mapped_column(String(63), index=True)
    geregistreerd_door: Mapped[str] = mapped_column(String(63))
    kanaal: Mapped[str] = mapped_column(String(20))
    ontvangen_op: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    bespreken_uiterlijk: Mapped[date] = mapped_column(Date)
    spoed: Mapped[bool] = mapped_column(Boolean, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    aanpak: Mapped[str | None] = mapped_column(String(20))
    gegevens: Mapped[dict[str, Any]] = mapped_column(JSON)


class GezinSleutel(Base):
    """What recognises the same gezin in another melding: a child's BSN, or the address with a
    child's name and birth date."""

    __tablename__ = "gezin_sleutel"

    melding_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sleutel: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)


class Idempotentie(Base):
    """The answer given to an ``Idempotency-Key`` of an organisation, to give it again."""

    __tablename__ = "idempotentie"

    organisatie: Mapped[str] = mapped_column(String(63), primary_key=True)
    sleutel: Mapped[str] = mapped_column(String(200), primary_key=True)
    verzoek_hash: Mapped[str] = mapped_column(String(64))
    melding_id: Mapped[UUID] = mapped_column(Uuid)
    antwoord: Mapped[dict[str, Any]] = mapped_column(JSON)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)


class Teller(Base):
    """The last reference number handed out per year."""

    __tablename__ = "teller"

    jaar: Mapped[int] = mapped_column(Integer, primary_key=True)
    laatste: Mapped[int] = mapped_column(Integer)
