"""The tafel's own tables: its view of each melding (no personal data: details stay at intake),
sessions, the agenda, besluiten with their versions, and deferrals."""

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


OPEN = "open"
BESLOTEN = "besloten"


class TafelMelding(Base):
    __tablename__ = "melding"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    referentie: Mapped[str | None] = mapped_column(String(20))
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gekoppeld_aan: Mapped[UUID | None] = mapped_column(Uuid)
    gemeente: Mapped[str] = mapped_column(String(4), index=True)
    wijk: Mapped[str | None] = mapped_column(String(80))
    postcodegebied: Mapped[str | None] = mapped_column(String(4))
    melder_organisatie: Mapped[str] = mapped_column(String(63))
    ontvangen_op: Mapped[datetime] = mapped_column(UtcDateTime)
    bespreken_uiterlijk: Mapped[date] = mapped_column(Date, index=True)
    spoed: Mapped[bool] = mapped_column(Boolean)
    zorgen: Mapped[list[str]] = mapped_column(JSON)
    aantal_kinderen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    termijn_overschreden: Mapped[bool] = mapped_column(Boolean, default=False)
    dataref: Mapped[str | None] = mapped_column(String(2000))
    trace_context: Mapped[dict[str, str]] = mapped_column(JSON)
    zaak_afgesloten_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When toewijzing closed the gezin's case this melding belongs to (``zaak.afgesloten``):
    a raadsonderzoek it asked for no longer counts as the gezin's open one."""


class Sessie(Base):
    __tablename__ = "sessie"
    __table_args__ = (UniqueConstraint("datum", "begin"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    datum: Mapped[date] = mapped_column(Date, index=True)
    begin: Mapped[datetime] = mapped_column(UtcDateTime)
    einde: Mapped[datetime] = mapped_column(UtcDateTime)
    capaciteit: Mapped[int] = mapped_column(Integer)
    extra: Mapped[bool] = mapped_column(Boolean, default=False)
    geannuleerd_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    annuleringsreden: Mapped[str | None] = mapped_column(String(500))
    gewijzigd_door: Mapped[str | None] = mapped_column(String(63))

    @property
    def geannuleerd(self) -> bool:
        return self.geannuleerd_op is not None


class AgendaItem(Base):
    """Where an open melding is planned now (one row per melding)."""

    __tablename__ = "agenda_item"

    melding_id: Mapped[UUID] = mapped_column(ForeignKey("melding.id"), primary_key=True)
    sessie_id: Mapped[UUID | None] = mapped_column(ForeignKey("sessie.id"), index=True)
    in_gevaar: Mapped[bool] = mapped_column(Boolean)
    geagendeerd_op: Mapped[datetime] = mapped_column(UtcDateTime)
    niet_voor: Mapped[datetime | None] = mapped_column(UtcDateTime)
    vorige_sessie_id: Mapped[UUID | None] = mapped_column(ForeignKey("sessie.id"))
    """The latest session that began with this melding on its agenda, when re-planning moved it
    on from there undecided (the session ended before the besluit was typed): its besluit may
    still be recorded for that session. A deferral clears it."""


class Besluit(Base):
    """One version of the besluit on a melding; the newest version holds."""

    __tablename__ = "besluit"
    __table_args__ = (UniqueConstraint("melding_id", "versie"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(ForeignKey("melding.id"), index=True)
    versie: Mapped[int] = mapped_column(Integer)
    vorige_id: Mapped[UUID | None] = mapped_column(Uuid)
    correctiereden: Mapped[str | None] = mapped_column(String(1000))
    sessie_id: Mapped[UUID | None] = mapped_column(ForeignKey("sessie.id"))
    aanpak: Mapped[str] = mapped_column(String(20))
    urgentie: Mapped[str] = mapped_column(String(20))
    taakaccent: Mapped[str] = mapped_column(String(20))
    casusregie: Mapped[str] = mapped_column(String(63))
    jeugdbeschermingsteam: Mapped[list[str]] = mapped_column(JSON)
    vto: Mapped[bool] = mapped_column(Boolean)
    aanwezigen: Mapped[list[str]] = mapped_column(JSON)
    overige_aanwezigen: Mapped[str | None] = mapped_column(String(500))
    notulen: Mapped[str] = mapped_column(Text)
    voorzitter: Mapped[str] = mapped_column(String(63))
    vastgelegd_door: Mapped[str] = mapped_column(String(63))
    genomen_op: Mapped[datetime] = mapped_column(UtcDateTime)


class Aanhouding(Base):
    """A melding deferred to a later session, with the reason."""

    __tablename__ = "aanhouding"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(ForeignKey("melding.id"), index=True)
    sessie_id: Mapped[UUID | None] = mapped_column(ForeignKey("sessie.id"))
    reden: Mapped[str] = mapped_column(String(1000))
    door: Mapped[str] = mapped_column(String(63))
    op: Mapped[datetime] = mapped_column(UtcDateTime)


class PlanningSlot(Base):
    """One row that a re-planning locks, so two re-plans never interleave (PostgreSQL)."""

    __tablename__ = "planning_slot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
