"""The tafel's own tables: its view of each melding, sessions, agenda items and besluiten."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class TafelMelding(Base):
    """What the tafel knows of a melding (no personal data; details stay at intake)."""

    __tablename__ = "melding"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4), index=True)
    wijk: Mapped[str | None] = mapped_column(String(80))
    postcodegebied: Mapped[str | None] = mapped_column(String(4))
    melder_organisatie: Mapped[str] = mapped_column(String(63))
    ontvangen_op: Mapped[datetime] = mapped_column(UtcDateTime)
    bespreken_uiterlijk: Mapped[date] = mapped_column(Date, index=True)
    spoed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), index=True)
    dataref: Mapped[str | None] = mapped_column(String(2000))
    trace_context: Mapped[dict[str, str]] = mapped_column(JSON)


class Sessie(Base):
    __tablename__ = "sessie"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    datum: Mapped[date] = mapped_column(Date, unique=True)
    begin: Mapped[datetime] = mapped_column(UtcDateTime)
    einde: Mapped[datetime] = mapped_column(UtcDateTime)


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sessie_id: Mapped[UUID] = mapped_column(ForeignKey("sessie.id"), index=True)
    melding_id: Mapped[UUID] = mapped_column(ForeignKey("melding.id"), unique=True)
    geagendeerd_op: Mapped[datetime] = mapped_column(UtcDateTime)
    in_gevaar: Mapped[bool] = mapped_column(Boolean)


class Besluit(Base):
    __tablename__ = "besluit"
    __table_args__ = (UniqueConstraint("melding_id", "versie"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(ForeignKey("melding.id"), index=True)
    versie: Mapped[int] = mapped_column(Integer)
    aanpak: Mapped[str] = mapped_column(String(20))
    urgentie: Mapped[str] = mapped_column(String(20))
    taakaccent: Mapped[str] = mapped_column(String(20))
    casusregie: Mapped[str] = mapped_column(String(63))
    jeugdbeschermingsteam: Mapped[list[str]] = mapped_column(JSON)
    vto: Mapped[bool] = mapped_column(Boolean)
    notulen: Mapped[str] = mapped_column(Text)
    voorzitter: Mapped[str] = mapped_column(String(63))
    genomen_op: Mapped[datetime] = mapped_column(UtcDateTime)
