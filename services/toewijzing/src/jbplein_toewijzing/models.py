"""Toewijzing's own tables: JBRR's teams and jeugdbeschermers with their absences, and the cases
(one per melding with drang or raadsonderzoek) with their casusregisseur, promises and history."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata

WACHTLIJST = "wachtlijst"
ACTIEF = "actief"
AFGESLOTEN = "afgesloten"


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
    telefoon: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    in_dienst: Mapped[bool] = mapped_column(Boolean, default=True)


class Afwezigheid(Base):
    """A period a jeugdbeschermer is away (leave, illness): no new cases then."""

    __tablename__ = "afwezigheid"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    jeugdbeschermer: Mapped[str] = mapped_column(ForeignKey("jeugdbeschermer.code"), index=True)
    van: Mapped[date] = mapped_column(Date)
    tot_en_met: Mapped[date | None] = mapped_column(Date)
    """The last day away; None: until further notice."""
    geregistreerd_door: Mapped[str] = mapped_column(String(63))
    geregistreerd_op: Mapped[datetime] = mapped_column(UtcDateTime)


class Toewijzing(Base):
    """The case of a gezin that needs a casusregisseur, and the promises that follow. It is
    opened by one melding's besluit (``melding_id``, the case's reference); later meldingen
    about the gezin join it while it is open (:class:`ZaakMelding`)."""

    __tablename__ = "toewijzing"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    besluit_id: Mapped[UUID] = mapped_column(Uuid)
    besluit_versie: Mapped[int] = mapped_column(Integer, default=1)
    gezin_ref: Mapped[UUID] = mapped_column(Uuid, index=True)
    gemeente: Mapped[str] = mapped_column(String(4), index=True)
    wijk: Mapped[str | None] = mapped_column(String(80))
    aanpak: Mapped[str] = mapped_column(String(20))
    """What the case follows: the strongest approach of its meldingen' current besluiten."""
    besluit_aanpak: Mapped[str | None] = mapped_column(String(20))
    """The approach of this melding's own current besluit (migration 0003 fills it with the
    ``aanpak`` of the cases open then, which had only this melding)."""
    urgentie: Mapped[str] = mapped_column(String(20))
    taakaccent: Mapped[str] = mapped_column(String(20))
    besluit_op: Mapped[datetime] = mapped_column(UtcDateTime)
    jeugdbeschermer: Mapped[str | None] = mapped_column(
        ForeignKey("jeugdbeschermer.code"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    wachtlijst_reden: Mapped[str | None] = mapped_column(String(30))
    wachtlijst_sinds: Mapped[datetime | None] = mapped_column(UtcDateTime)
    continuiteit: Mapped[bool] = mapped_column(Boolean, default=False)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    toegewezen_op: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # The casusregisseur contacts the gezin within 5 werkdagen after the besluit.
    contact_uiterlijk: Mapped[date] = mapped_column(Date)
    contact_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    contact_overschreden: Mapped[bool] = mapped_column(Boolean, default=False)

    # Raadsonderzoek: the Raad starts within 5 werkdagen.
    raad_organisatie: Mapped[str | None] = mapped_column(String(63))
    raad_melding_id: Mapped[UUID | None] = mapped_column(Uuid)
    """The melding whose besluit asked the Raad (the VTO): the one reference the Raad knows
    the case by, and the only one it may read it by."""
    raadsonderzoek_start_uiterlijk: Mapped[date | None] = mapped_column(Date)
    raadsonderzoek_gestart_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    raadsonderzoek_overschreden: Mapped[bool] = mapped_column(Boolean, default=False)

    # Drang without a raadsonderzoek: an evaluation at 3 months, never over 6 months.
    evaluatie_op: Mapped[date | None] = mapped_column(Date)
    evaluatie_nodig: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluatie_uitkomst: Mapped[str | None] = mapped_column(String(30))
    geevalueerd_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    maximum_op: Mapped[date | None] = mapped_column(Date)
    maximum_overschreden: Mapped[bool] = mapped_column(Boolean, default=False)

    afsluitreden: Mapped[str | None] = mapped_column(String(30))
    afgesloten_op: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Historie(Base):
    """Every step of a case: assigned, waiting, reassigned (with its reason), promises kept or
    broken, closed. Nothing is overwritten."""

    __tablename__ = "toewijzing_historie"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    """In the order things happened (several steps may share one moment)."""
    toewijzing_id: Mapped[UUID] = mapped_column(ForeignKey("toewijzing.id"), index=True)
    op: Mapped[datetime] = mapped_column(UtcDateTime)
    gebeurtenis: Mapped[str] = mapped_column(String(40))
    jeugdbeschermer: Mapped[str | None] = mapped_column(String(63))
    vorige_jeugdbeschermer: Mapped[str | None] = mapped_column(String(63))
    reden: Mapped[str | None] = mapped_column(String(40))
    toelichting: Mapped[str | None] = mapped_column(Text)
    """Free text for JBRR and the plein; never in events, logs or spans."""
    door: Mapped[str] = mapped_column(String(63))


class ReferentieImport(Base):
    """Which reference file was loaded last, so a restart does not undo changes made through
    the admin API: the file is loaded again only when its content changed."""

    __tablename__ = "referentie_import"

    bron: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    geladen_op: Mapped[datetime] = mapped_column(UtcDateTime)


class ZaakMelding(Base):
    """A later melding about a gezin whose case was still open when its besluit came: one
    gezin, one case. The case follows the besluit (see ``zaken.koppel``) and is found by this
    melding's id as well; nothing about the melding opens a second case."""

    __tablename__ = "zaak_melding"

    melding_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    toewijzing_id: Mapped[UUID] = mapped_column(ForeignKey("toewijzing.id"), index=True)
    besluit_id: Mapped[UUID] = mapped_column(Uuid)
    besluit_versie: Mapped[int] = mapped_column(Integer)
    aanpak: Mapped[str] = mapped_column(String(20))
    """The approach of this melding's current besluit (vrijwillig after a correction: it no
    longer adds anything to the case)."""
    gekoppeld_op: Mapped[datetime] = mapped_column(UtcDateTime)
