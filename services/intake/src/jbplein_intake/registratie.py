"""Registering a melding: the one use case behind the partner API and the staff form."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import MeldingOntvangen, MeldingOntvangenData
from jbplein_contracts.waarden import BESPREKING_WERKDAGEN, Aanpak
from jbplein_kit.auth import Actor
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from .models import GezinSleutel, Melding, Teller
from .ontdubbeling import gezin_sleutels
from .schemas import MeldingIn, MeldingStatus
from .validatie import kind_probleem


class Kanaal(StrEnum):
    API = "api"
    TELEFOON = "telefoon"
    EMAIL = "email"


OPEN_AANPAK = {Aanpak.DRANG.value, Aanpak.RAADSONDERZOEK.value}


def inhoudelijke_problemen(
    service: Service, melding: MeldingIn, uow: UnitOfWork
) -> list[dict[str, str]]:
    """What the model alone cannot check: the municipality is onboarded, every child is under
    18 or unborn (on the plein's calendar day)."""
    problemen = []
    if melding.gemeente not in service.gemeenten:
        problemen.append(invalid_param("gemeente", "is not a municipality of the plein", "unknown"))
    vandaag = werkdagen.lokale_dag(uow.now)
    for i, kind in enumerate(melding.gezin.kinderen):
        probleem = kind_probleem(kind.geboortedatum, kind.verwachte_geboortedatum, vandaag)
        if probleem:
            veld, reden = probleem
            problemen.append(invalid_param(f"gezin.kinderen[{i}].{veld}", reden, "out_of_range"))
    return problemen


async def open_melding_van_gezin(session: AsyncSession, sleutels: set[str]) -> Melding | None:
    """The earliest open melding that shares a key with these: a case not yet decided, or in
    drang or raadsonderzoek."""
    if not sleutels:
        return None
    query = (
        select(Melding)
        .join(GezinSleutel, GezinSleutel.melding_id == Melding.id)
        .where(GezinSleutel.sleutel.in_(sleutels))
        .where(
            Melding.status.in_([MeldingStatus.ONTVANGEN, MeldingStatus.GEAGENDEERD])
            | ((Melding.status == MeldingStatus.BESLOTEN) & Melding.aanpak.in_(OPEN_AANPAK))
        )
        .order_by(Melding.ontvangen_op, Melding.referentie)
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def volgnummer(session: AsyncSession, jaar: int) -> int:
    """The next reference number of ``jaar``; one row per year, updated under its row lock."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Teller).values(jaar=jaar, laatste=0).on_conflict_do_nothing(index_elements=["jaar"])
    )
    nummer = await session.scalar(
        update(Teller)
        .where(Teller.jaar == jaar)
        .values(laatste=Teller.laatste + 1)
        .returning(Teller.laatste)
    )
    assert nummer is not None
    return int(nummer)


async def registreer(
    service: Service,
    uow: UnitOfWork,
    melding_in: MeldingIn,
    *,
    melder_organisatie: str,
    actor: Actor,
    kanaal: Kanaal,
    bron_adres: str | None,
) -> Melding:
    """Store the melding, link it to an open melding of the same gezin, audit it and publish
    ``melding.ontvangen``, all in the caller's unit of work. Raises a 400 problem when the
    content is refused."""
    problemen = inhoudelijke_problemen(service, melding_in, uow)
    if problemen:
        raise Problem(400, "The melding has invalid fields.", invalid_params=problemen)

    sleutels = gezin_sleutels(melding_in)
    bestaand = await open_melding_van_gezin(uow.session, sleutels)
    melding_id = uuid4()
    jaar = werkdagen.lokale_dag(uow.now).year
    uiterlijk = werkdagen.termijn(uow.now, BESPREKING_WERKDAGEN, service.kalender)
    gekoppeld_aan: UUID | None = None
    if bestaand is not None:
        gekoppeld_aan = bestaand.gekoppeld_aan or bestaand.id
    melding = Melding(
        id=melding_id,
        referentie=f"JBP-{jaar}-{await volgnummer(uow.session, jaar):06d}",
        gezin_ref=bestaand.gezin_ref if bestaand else uuid4(),
        gekoppeld_aan=gekoppeld_aan,
        gemeente=melding_in.gemeente,
        melder_organisatie=melder_organisatie,
        geregistreerd_door=actor.id,
        kanaal=kanaal.value,
        ontvangen_op=uow.now,
        bespreken_uiterlijk=uiterlijk,
        spoed=melding_in.spoed,
        status=MeldingStatus.ONTVANGEN.value,
        aanpak=None,
        gegevens=melding_in.model_dump(mode="json"),
    )
    uow.session.add(melding)
    for sleutel in sorted(sleutels):
        uow.session.add(GezinSleutel(melding_id=melding_id, sleutel=sleutel))
    uow.audit(actor, "melding.indienen", str(melding_id), bron_adres)
    if gekoppeld_aan is not None:
        # The link touches the other dossier too: its audit trail shows who linked to it.
        uow.audit(actor, "melding.gekoppeld", str(gekoppeld_aan), bron_adres)
    adres = melding_in.gezin.adres
    uow.publish(
        MeldingOntvangen.maak(
            MeldingOntvangenData(
                gemeente=melding.gemeente,
                melding_id=melding_id,
                referentie=melding.referentie,
                gezin_ref=melding.gezin_ref,
                gekoppeld_aan=gekoppeld_aan,
                wijk=adres.wijk,
                postcodegebied=adres.postcode[:4],
                melder_organisatie=melder_organisatie,
                ontvangen_op=uow.now,
                bespreken_uiterlijk=uiterlijk,
                spoed=melding_in.spoed,
                zorgen=melding_in.zorgen.soorten,
                aantal_kinderen=len(melding_in.gezin.kinderen),
            ),
            bron=Bron.INTAKE,
            tijd=uow.now,
            onderwerp=melding_id,
            dataref=f"{service.settings.base_url()}/api/v1/meldingen/{melding_id}",
        )
    )
    return melding
