"""Sessions and the agenda: the database side of planning."""

from __future__ import annotations

import logging
from datetime import date, time
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import MeldingGeagendeerd, MeldingGeagendeerdData
from jbplein_kit.problems import Problem
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from . import planning
from .models import OPEN, AgendaItem, PlanningSlot, Sessie, TafelMelding
from .settings import Settings

log = logging.getLogger("jbplein.tafel.agenda")

SESSIE_EINDE = "sessie_einde"


def als_planning(sessie: Sessie) -> planning.Sessie:
    return planning.Sessie(
        sessie.id, sessie.datum, sessie.begin, sessie.einde, sessie.capaciteit, sessie.geannuleerd
    )


async def _plan_sessie_einde(uow: UnitOfWork, sessie: Sessie) -> None:
    """When a session ends, what it did not decide moves on."""
    await uow.schedule(
        Timer(
            soort=SESSIE_EINDE,
            sleutel=f"sessie-{sessie.id}",
            verloopt_op=sessie.einde,
            gegevens={"sessie_id": str(sessie.id)},
        )
    )


async def zorg_voor_sessies(service: Service, settings: Settings, uow: UnitOfWork) -> None:
    """The regular sessions of the planning horizon exist (a cancelled one stays cancelled)."""
    vandaag = werkdagen.lokale_dag(uow.now)
    dagen = planning.sessiedagen(
        vandaag, settings.plan_horizon_werkdagen, service.kalender, settings.sessie_weekdagen
    )
    if not dagen:
        return
    bestaand = {
        (s.datum, s.begin)
        for s in (await uow.session.scalars(select(Sessie).where(Sessie.datum.in_(dagen)))).all()
    }
    for dag in dagen:
        begin = planning.moment(dag, settings.sessie_begin)
        if (dag, begin) in bestaand:  # aware datetimes hash and compare by their instant
            continue
        sessie = Sessie(
            id=uuid4(),
            datum=dag,
            begin=begin,
            einde=planning.moment(dag, settings.sessie_einde),
            capaciteit=settings.sessie_capaciteit,
            extra=False,
        )
        uow.session.add(sessie)
        await _plan_sessie_einde(uow, sessie)
    await uow.session.flush()


async def extra_sessie(
    service: Service,
    settings: Settings,
    uow: UnitOfWork,
    dag: date,
    begin: time,
    einde: time,
    capaciteit: int,
    door: str,
) -> Sessie:
    if einde <= begin:
        raise Problem(
            400,
            "A session ends after it begins.",
            invalid_params=[
                {"name": "einde", "code": "out_of_range", "reason": "must be after begin"}
            ],
        )
    start = planning.moment(dag, begin)
    if start <= uow.now:
        raise Problem(
            400,
            "An extra session lies in the future.",
            invalid_params=[
                {"name": "datum", "code": "out_of_range", "reason": "must be in the future"}
            ],
        )
    dubbel = await uow.session.scalar(
        select(Sessie.id).where(Sessie.datum == dag, Sessie.begin == start)
    )
    if dubbel is not None:
        raise Problem(409, "There is already a session at that moment.")
    sessie = Sessie(
        id=uuid4(),
        datum=dag,
        begin=start,
        einde=planning.moment(dag, einde),
        capaciteit=capaciteit,
        extra=True,
        gewijzigd_door=door,
    )
    uow.session.add(sessie)
    await uow.session.flush()
    await _plan_sessie_einde(uow, sessie)
    await herplan(service, settings, uow)
    return sessie


async def annuleer_sessie(
    service: Service, settings: Settings, uow: UnitOfWork, sessie_id: UUID, reden: str, door: str
) -> Sessie:
    sessie = await uow.session.get(Sessie, sessie_id)
    if sessie is None:
        raise Problem(404, "No session with this id.")
    if sessie.geannuleerd:
        return sessie
    if uow.now >= sessie.begin:
        raise Problem(409, "A session that has begun cannot be cancelled.")
    sessie.geannuleerd_op = uow.now
    sessie.annuleringsreden = reden
    sessie.gewijzigd_door = door
    await herplan(service, settings, uow)
    return sessie


async def wijzig_capaciteit(
    service: Service,
    settings: Settings,
    uow: UnitOfWork,
    sessie_id: UUID,
    capaciteit: int,
    door: str,
) -> Sessie:
    sessie = await uow.session.get(Sessie, sessie_id)
    if sessie is None:
        raise Problem(404, "No session with this id.")
    if uow.now >= sessie.einde:
        raise Problem(409, "This session is over.")
    sessie.capaciteit = capaciteit
    sessie.gewijzigd_door = door
    await herplan(service, settings, uow)
    return sessie


async def _vergrendel(uow: UnitOfWork) -> None:
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await uow.session.execute(
        insert(PlanningSlot).values(id=1).on_conflict_do_nothing(index_elements=["id"])
    )
    await uow.session.execute(select(PlanningSlot).where(PlanningSlot.id == 1).with_for_update())


async def herplan(service: Service, settings: Settings, uow: UnitOfWork) -> int:
    """Plan every open melding again (planning.plan) and publish ``melding.geagendeerd`` for
    each one whose session changed. Returns how many moved."""
    await _vergrendel(uow)
    await zorg_voor_sessies(service, settings, uow)
    vandaag = werkdagen.lokale_dag(uow.now)
    open_meldingen = (
        await uow.session.execute(
            select(TafelMelding, AgendaItem)
            .outerjoin(AgendaItem, AgendaItem.melding_id == TafelMelding.id)
            .where(TafelMelding.status == OPEN)
        )
    ).all()
    huidige_sessies = {item.sessie_id for _, item in open_meldingen if item and item.sessie_id}
    sessies = (
        await uow.session.scalars(
            select(Sessie).where((Sessie.datum >= vandaag) | Sessie.id.in_(huidige_sessies))
        )
    ).all()
    per_id = {s.id: s for s in sessies}
    regels = planning.Regels(sluiting=settings.agenda_sluiting)
    uitkomst = planning.plan(
        [als_planning(s) for s in sessies],
        [
            planning.Melding(
                m.id,
                m.ontvangen_op,
                m.bespreken_uiterlijk,
                m.spoed,
                item.sessie_id if item else None,
                item.niet_voor if item else None,
            )
            for m, item in open_meldingen
        ],
        uow.now,
        regels,
    )
    verplaatst = 0
    for melding, item in open_meldingen:
        plaats = uitkomst.plaatsen[melding.id]
        vorige = item.sessie_id if item else None
        if item is None:
            item = AgendaItem(
                melding_id=melding.id, sessie_id=None, in_gevaar=True, geagendeerd_op=uow.now
            )
            uow.session.add(item)
        item.in_gevaar = plaats.in_gevaar
        if plaats.sessie_id == vorige:
            continue
        van = per_id.get(vorige) if vorige is not None else None
        if item.niet_voor is not None:
            item.vorige_sessie_id = None  # deferred: no session so far decides it
        elif van is not None and not van.geannuleerd and van.begin <= uow.now:
            item.vorige_sessie_id = van.id  # discussed there; its besluit may come after the end
        item.sessie_id = plaats.sessie_id
        item.geagendeerd_op = uow.now
        if item.niet_voor is not None and plaats.sessie_id is not None:
            item.niet_voor = None  # the deferral is done: it is on a later session now
        verplaatst += 1
        if plaats.sessie_id is None:
            log.warning("melding %s has no session with room before the horizon", melding.id)
            continue
        sessie = per_id[plaats.sessie_id]
        uow.publish(
            MeldingGeagendeerd.maak(
                MeldingGeagendeerdData(
                    gemeente=melding.gemeente,
                    melding_id=melding.id,
                    sessie_id=sessie.id,
                    sessie_datum=sessie.datum,
                    sessie_begin=sessie.begin,
                    bespreken_uiterlijk=melding.bespreken_uiterlijk,
                    spoed=melding.spoed,
                    in_gevaar=plaats.in_gevaar,
                    herpland=vorige is not None,
                ),
                bron=Bron.TAFEL,
                tijd=uow.now,
                onderwerp=melding.id,
            )
        )
    return verplaatst
