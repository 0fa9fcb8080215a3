"""Notificatie's own tables: what it knows of each besluit, the letters, the partners'
webhook subscriptions and every delivery with each of its attempts."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata

# Letter states.
WACHT_OP_REGISSEUR = "wacht_op_regisseur"
TE_MAKEN = "te_maken"
GEREED = "gereed"
VERZONDEN = "verzonden"
ADRES_ONVOLLEDIG = "adres_onvolledig"
"""The gezin's address lacks a street or a town: the letter cannot be posted and waits."""
INGETROKKEN = "ingetrokken"
"""Replaced by a newer letter before it was posted: never sent, never deleted."""
BRIEF_STATUSSEN = (
    WACHT_OP_REGISSEUR,
    TE_MAKEN,
    ADRES_ONVOLLEDIG,
    GEREED,
    VERZONDEN,
    INGETROKKEN,
)

# Delivery states.
TE_BEZORGEN = "te_bezorgen"
BEZORGD = "bezorgd"
MISLUKT = "mislukt"


class Base(DeclarativeBase):
    metadata = new_metadata()


class Besluit(Base):
    """What a partner may learn of a besluit through the authorised API (``dataref``), and who
    may ask: no personal data here."""

    __tablename__ = "besluit"

    besluit_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    melding_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    versie: Mapped[int] = mapped_column(Integer)
    gemeente: Mapped[str] = mapped_column(String(4))
    aanpak: Mapped[str] = mapped_column(String(20))
    genomen_op: Mapped[datetime] = mapped_column(UtcDateTime)
    melder_organisatie: Mapped[str] = mapped_column(String(63))
    casusregie: Mapped[str] = mapped_column(String(63))
    jeugdbeschermingsteam: Mapped[list[str]] = mapped_column(JSON)
    raad_organisatie: Mapped[str | None] = mapped_column(String(63))
    contact_uiterlijk: Mapped[date | None] = mapped_column(Date)
    raadsonderzoek_start_uiterlijk: Mapped[date | None] = mapped_column(Date)


class Regisseur(Base):
    """The casusregisseur assigned for a besluit; it may arrive before or after the besluit."""

    __tablename__ = "regisseur"

    besluit_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    jeugdbeschermer_ref: Mapped[str] = mapped_column(String(63))
    toegewezen_op: Mapped[datetime] = mapped_column(UtcDateTime)


class AfgeslotenMelding(Base):
    """A melding whose case toewijzing closed (``zaak.afgesloten``, with the meldingen that
    joined it): its letters are no longer the gezin's earlier letters for a new besluit."""

    __tablename__ = "afgesloten_melding"

    melding_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    afgesloten_op: Mapped[datetime] = mapped_column(UtcDateTime)


class Brief(Base):
    """The letter to the gezin about one besluit. Waits for the casusregisseur (drang,
    raadsonderzoek) for a limited time, is then made (PDF, with the gezin's details fetched from
    intake) and stays until staff marks it posted."""

    __tablename__ = "brief"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    besluit_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    melding_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    gezin_ref: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    besluit_versie: Mapped[int | None] = mapped_column(Integer)
    gemeente: Mapped[str] = mapped_column(String(4))
    variant: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    regisseur_ref: Mapped[str | None] = mapped_column(String(63))
    zonder_regisseur_reden: Mapped[str | None] = mapped_column(String(200))
    """Why a letter that should name the casusregisseur does not (shown to the plein)."""
    wachtlijst_reden: Mapped[str | None] = mapped_column(String(30))
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    pogingen: Mapped[int] = mapped_column(Integer, default=0)
    volgende_poging_op: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    laatste_fout: Mapped[str | None] = mapped_column(String(200))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    referentie: Mapped[str | None] = mapped_column(String(20))
    gereed_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verzonden_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verzonden_door: Mapped[str | None] = mapped_column(String(63))
    adres_ontbreekt: Mapped[str | None] = mapped_column(String(40))
    """What the address lacks ('straat', 'woonplaats') while the letter is adres_onvolledig."""
    vervangt_brief_id: Mapped[UUID | None] = mapped_column(Uuid)
    """The earlier letter, already posted, that this one replaces (and says so)."""
    vervangt_verzonden_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    vervangt_variant: Mapped[str | None] = mapped_column(String(20))
    vervangen_door: Mapped[UUID | None] = mapped_column(Uuid)
    """The newer letter that replaces this one (withdrawn, or posted and then replaced)."""
    ingetrokken_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ingetrokken_reden: Mapped[str | None] = mapped_column(String(200))
    trace_context: Mapped[dict[str, str]] = mapped_column(JSON)
    """The melding's trace, so that making the letter later is part of it."""


class Abonnement(Base):
    """A partner's webhook subscription: which partner events of which municipalities go to
    which URL, with which credential."""

    __tablename__ = "abonnement"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    organisatie: Mapped[str] = mapped_column(String(63), index=True)
    omschrijving: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    token: Mapped[str] = mapped_column(String(500))
    """The Bearer credential sent with every delivery; never shown by the API again."""
    event_types: Mapped[list[str]] = mapped_column(JSON)
    gemeenten: Mapped[list[str]] = mapped_column(JSON)
    actief: Mapped[bool] = mapped_column(Boolean, default=True)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    aangemaakt_door: Mapped[str] = mapped_column(String(63))


class Levering(Base):
    """One partner event for one subscription: delivered, still being tried, or failed for good
    (visible, alerted, and possible to send again)."""

    __tablename__ = "levering"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    abonnement_id: Mapped[UUID] = mapped_column(ForeignKey("abonnement.id"), index=True)
    event_id: Mapped[UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(120))
    gemeente: Mapped[str] = mapped_column(String(4))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), index=True)
    pogingen: Mapped[int] = mapped_column(Integer, default=0)
    aangemaakt_op: Mapped[datetime] = mapped_column(UtcDateTime)
    volgende_poging_op: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    opgeven_na: Mapped[datetime] = mapped_column(UtcDateTime)
    """Retries stop after this moment (about a day after the first attempt, or the re-send)."""
    bezorgd_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opgegeven_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
    laatste_status: Mapped[int | None] = mapped_column(Integer)
    laatste_fout: Mapped[str | None] = mapped_column(String(200))
    trace_context: Mapped[dict[str, str]] = mapped_column(JSON)


class Poging(Base):
    """One attempt of a delivery: when, what came back, how long it took, when the next is."""

    __tablename__ = "levering_poging"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    levering_id: Mapped[UUID] = mapped_column(ForeignKey("levering.id"), index=True)
    nummer: Mapped[int] = mapped_column(Integer)
    op: Mapped[datetime] = mapped_column(UtcDateTime)
    http_status: Mapped[int | None] = mapped_column(Integer)
    fout: Mapped[str | None] = mapped_column(String(200))
    """The kind of error (a class name or a short reason), never a response body."""
    duur_ms: Mapped[int] = mapped_column(Integer)
    volgende_poging_op: Mapped[datetime | None] = mapped_column(UtcDateTime)
