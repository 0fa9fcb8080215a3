"""Toewijzing's own tables: JBRR's teams and jeugdbeschermers, and the assignments."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Gebiedsteam(Base):
    __tablename__ = "gebiedsteam"

    code: Mapped[str] = mapped_column(String(63), primary_key=True)
    naam: Mapped[str] = mapped_column(String(200))
    gemeenten: Mapped[list[str]] = mapped_column(JSON)
    wijken: Mapped[list[str]] = mapped_column(JSON)


class Jeugdbeschermer(Base):
    __tablename__ = "jeugdbeschermer"

    code: Mapped[str] = mapped_column(String(63), primary_key=True)
    naam: Mapped[str] = mapped_column(String(200))
    gebiedsteam: Mapped[str] = mapped_column(ForeignKey("gebiedsteam.code"), index=True)
    taakaccent: Mapped[str] = mapped_column(String(20))
    max_caseload: Mapped[int] = mapped_column(Integer)
    afwezig: Mapped[bool] = mapped_column(Boolean, default=False)


class Toewijzing(Base):
    __tablename__ = "toewijzing"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    besluit_id: Mapped[UUID] = mapped_column(Uuid)
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanpak: Mapped[str] = mapped_column(String(20))
    taakaccent: Mapped[str] = mapped_column(String(20))
    jeugdbeschermer: Mapped[str | None] = mapped_column(
        ForeignKey("jeugdbeschermer.code"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    toegewezen_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
