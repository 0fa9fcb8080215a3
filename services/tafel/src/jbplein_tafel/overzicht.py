"""What the plein's screens and API show: the agenda of a day, a melding at the table, the
deadline board. Read-only queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from . import planning
from .agenda import als_planning
from .models import OPEN, Aanhouding, AgendaItem, Besluit, Sessie, TafelMelding


@dataclass
class Regel:
    """A melding as it appears in a list."""

    melding: TafelMelding
    item: AgendaItem | None
    besluit: Besluit | None
    aangehouden: bool = False
    zelfde_gezin: list[TafelMelding] = field(default_factory=list)
    """The gezin's other meldingen at the tafel (filled in on the agenda)."""

    @property
    def in_gevaar(self) -> bool:
        return bool(self.item and self.item.in_gevaar and self.melding.status == OPEN)


@dataclass
class SessieMetAgenda:
    sessie: Sessie
    regels: list[Regel] = field(default_factory=list)


async def _besluiten(uow: UnitOfWork, ids: list[UUID]) -> dict[UUID, Besluit]:
    if not ids:
        return {}
    rows = (
        await uow.session.scalars(
            select(Besluit).where(Besluit.melding_id.in_(ids)).order_by(Besluit.versie)
        )
    ).all()
    return {b.melding_id: b for b in rows}  # the highest version wins


async def agenda_van(uow: UnitOfWork, dag: date) -> list[SessieMetAgenda]:
    """The sessions of ``dag`` with what is (or was) on them: the open meldingen planned there,
    the meldingen decided there, and the ones deferred from it."""
    sessies = (
        await uow.session.scalars(select(Sessie).where(Sessie.datum == dag).order_by(Sessie.begin))
    ).all()
    result = []
    for sessie in sessies:
        gepland = (
            await uow.session.execute(
                select(TafelMelding, AgendaItem)
                .join(AgendaItem, AgendaItem.melding_id == TafelMelding.id)
                .where(AgendaItem.sessie_id == sessie.id)
            )
        ).all()
        besloten_hier = (
            await uow.session.scalars(
                select(TafelMelding)
                .join(Besluit, Besluit.melding_id == TafelMelding.id)
                .where(Besluit.sessie_id == sessie.id, Besluit.versie == 1)
            )
        ).all()
        aangehouden_hier = (
            await uow.session.scalars(
                select(TafelMelding)
                .join(Aanhouding, Aanhouding.melding_id == TafelMelding.id)
                .where(Aanhouding.sessie_id == sessie.id)
            )
        ).all()
        meldingen = {m.id: (m, item) for m, item in gepland}
        for m in besloten_hier:
            meldingen.setdefault(m.id, (m, None))
        aangehouden = {m.id for m in aangehouden_hier}
        for m in aangehouden_hier:
            meldingen.setdefault(m.id, (m, None))
        besluiten = await _besluiten(uow, list(meldingen))
        regels = [
            Regel(m, item, besluiten.get(m.id), m.id in aangehouden and m.status == OPEN)
            for m, item in meldingen.values()
        ]
        regels.sort(
            key=lambda r: (
                not r.melding.spoed,
                r.melding.bespreken_uiterlijk,
                r.melding.ontvangen_op,
                r.melding.id,
            )
        )
        result.append(SessieMetAgenda(sessie, regels))
    await _markeer_zelfde_gezin(uow, [r for s in result for r in s.regels])
    return result


async def _markeer_zelfde_gezin(uow: UnitOfWork, regels: list[Regel]) -> None:
    """Give each line the other meldingen about its gezin, so the agenda shows that two
    meldingen (on this agenda or before) are about one family."""
    refs = {r.melding.gezin_ref for r in regels if r.melding.gezin_ref is not None}
    if not refs:
        return
    alle = (
        await uow.session.scalars(
            select(TafelMelding)
            .where(TafelMelding.gezin_ref.in_(refs))
            .order_by(TafelMelding.ontvangen_op, TafelMelding.id)
        )
    ).all()
    for regel in regels:
        regel.zelfde_gezin = [
            m for m in alle if m.gezin_ref == regel.melding.gezin_ref and m.id != regel.melding.id
        ]


async def volgende_sessiedag(uow: UnitOfWork, vanaf: date) -> date | None:
    dag: date | None = await uow.session.scalar(
        select(Sessie.datum)
        .where(Sessie.datum >= vanaf, Sessie.geannuleerd_op.is_(None))
        .order_by(Sessie.datum)
        .limit(1)
    )
    return dag


@dataclass
class Bord:
    """The deadline board."""

    overschreden: list[Regel] = field(default_factory=list)
    in_gevaar: list[Regel] = field(default_factory=list)
    vandaag: list[Regel] = field(default_factory=list)
    laatste_kans: set[UUID] = field(default_factory=set)
    sessies: dict[UUID, Sessie] = field(default_factory=dict)


async def termijnbord(service: Service, uow: UnitOfWork) -> Bord:
    """Open meldingen whose 2-day deadline has passed, that are at risk (planned past the
    deadline or nowhere), or that must be discussed today."""
    vandaag = werkdagen.lokale_dag(uow.now)
    rows = (
        await uow.session.execute(
            select(TafelMelding, AgendaItem)
            .outerjoin(AgendaItem, AgendaItem.melding_id == TafelMelding.id)
            .where(TafelMelding.status == OPEN)
            .order_by(TafelMelding.bespreken_uiterlijk, TafelMelding.ontvangen_op)
        )
    ).all()
    sessies = (await uow.session.scalars(select(Sessie).where(Sessie.datum >= vandaag))).all()
    bord = Bord(sessies={s.id: s for s in sessies})
    planbaar = [als_planning(s) for s in sessies]
    for melding, item in rows:
        regel = Regel(melding, item, None)
        if melding.termijn_overschreden or melding.bespreken_uiterlijk < vandaag:
            bord.overschreden.append(regel)
        elif item is None or item.in_gevaar:
            bord.in_gevaar.append(regel)
            if planning.laatste_kans_nadert(
                melding.bespreken_uiterlijk, planbaar, vandaag, service.kalender
            ):
                bord.laatste_kans.add(melding.id)
        elif melding.bespreken_uiterlijk == vandaag:
            bord.vandaag.append(regel)
    return bord


@dataclass
class Dossier:
    melding: TafelMelding
    item: AgendaItem | None
    sessie: Sessie | None
    besluiten: list[Besluit]
    aanhoudingen: list[Aanhouding]
    gezin: list[Regel]

    @property
    def besluit(self) -> Besluit | None:
        return self.besluiten[-1] if self.besluiten else None


async def dossier(uow: UnitOfWork, melding_id: UUID) -> Dossier | None:
    melding = await uow.session.get(TafelMelding, melding_id)
    if melding is None:
        return None
    item = await uow.session.get(AgendaItem, melding_id)
    sessie = await uow.session.get(Sessie, item.sessie_id) if item and item.sessie_id else None
    besluiten = list(
        (
            await uow.session.scalars(
                select(Besluit).where(Besluit.melding_id == melding_id).order_by(Besluit.versie)
            )
        ).all()
    )
    aanhoudingen = list(
        (
            await uow.session.scalars(
                select(Aanhouding)
                .where(Aanhouding.melding_id == melding_id)
                .order_by(Aanhouding.op)
            )
        ).all()
    )
    anderen = (
        await uow.session.scalars(
            select(TafelMelding)
            .where(TafelMelding.gezin_ref == melding.gezin_ref, TafelMelding.id != melding_id)
            .order_by(TafelMelding.ontvangen_op)
        )
    ).all()
    besluiten_gezin = await _besluiten(uow, [m.id for m in anderen])
    gezin = [Regel(m, None, besluiten_gezin.get(m.id)) for m in anderen]
    return Dossier(melding, item, sessie, besluiten, aanhoudingen, gezin)
