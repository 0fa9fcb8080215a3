"""Planning meldingen onto tafel sessions: pure domain code, no I/O.

The rules (DOMAIN.md, issue 4):
- A regular melding can join a session until its agenda closes (``sluiting``, e.g. 09:00 on the
  day of the session); a spoed melding until the session begins.
- Meldingen are placed in order of spoed first, then deadline, then arrival (then id, so the
  same input always gives the same plan), each on the earliest session it may join that still
  has room. So a melding is never planned past its deadline while a session before it has
  room; when capacity runs short it lands past its deadline, or nowhere, and is *in gevaar*.
- What is on a session whose agenda has closed and that has not ended stays there (the
  ondersteuner prepares that agenda); a cancelled session, a session that ended without a
  besluit on the melding, or a deferral (aanhouden) moves a melding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID

from jbplein_contracts.werkdagen import AMSTERDAM, Kalender


@dataclass(frozen=True)
class Sessie:
    id: UUID
    datum: date
    begin: datetime
    einde: datetime
    capaciteit: int
    geannuleerd: bool = False

    def sluiting(self, regels: Regels) -> datetime:
        """When the agenda closes for regular meldingen: ``sluiting`` on the day, at the latest
        when the session begins."""
        return min(self.begin, datetime.combine(self.datum, regels.sluiting, AMSTERDAM))


@dataclass(frozen=True)
class Regels:
    sluiting: time = time(9, 0)


@dataclass(frozen=True)
class Melding:
    """An open melding (no besluit yet) as the planner sees it."""

    id: UUID
    ontvangen_op: datetime
    uiterlijk: date
    spoed: bool
    sessie_id: UUID | None = None
    niet_voor: datetime | None = None
    """Deferred (aangehouden): only sessions that begin after this moment."""

    def volgorde(self) -> tuple[bool, date, datetime, UUID]:
        return (not self.spoed, self.uiterlijk, self.ontvangen_op, self.id)


@dataclass(frozen=True)
class Plaats:
    sessie_id: UUID | None
    in_gevaar: bool
    """Planned past its deadline, or on no session at all."""


@dataclass
class Planning:
    plaatsen: dict[UUID, Plaats] = field(default_factory=dict)

    def op(self, sessie_id: UUID) -> list[UUID]:
        return [m for m, p in self.plaatsen.items() if p.sessie_id == sessie_id]


def kan_erbij(sessie: Sessie, melding: Melding, nu: datetime, regels: Regels) -> bool:
    """May ``melding`` still be put on ``sessie`` at ``nu``? (Capacity aside.)"""
    if sessie.geannuleerd or nu >= sessie.begin:
        return False
    if melding.niet_voor is not None and sessie.begin <= melding.niet_voor:
        return False
    return melding.spoed or nu < sessie.sluiting(regels)


def blijft_staan(sessie: Sessie | None, melding: Melding, nu: datetime, regels: Regels) -> bool:
    """A melding stays where it is when its session's agenda has closed and the session has
    not ended (and it was not deferred from it)."""
    if sessie is None or sessie.geannuleerd or melding.niet_voor is not None:
        return False
    return sessie.sluiting(regels) <= nu < sessie.einde


def plan(
    sessies: Iterable[Sessie], meldingen: Iterable[Melding], nu: datetime, regels: Regels
) -> Planning:
    """Where every open melding goes. Deterministic: the same input gives the same plan,
    whatever the order of the input."""
    op_tijd = sorted(sessies, key=lambda s: (s.begin, s.id))
    per_id = {s.id: s for s in op_tijd}
    bezet = dict.fromkeys(per_id, 0)
    planning = Planning()
    te_plannen: list[Melding] = []
    for melding in sorted(meldingen, key=Melding.volgorde):
        huidig = per_id.get(melding.sessie_id) if melding.sessie_id else None
        if huidig is not None and blijft_staan(huidig, melding, nu, regels):
            bezet[huidig.id] += 1
            planning.plaatsen[melding.id] = Plaats(huidig.id, huidig.datum > melding.uiterlijk)
        else:
            te_plannen.append(melding)
    # The sessions a melding may still join at ``nu``, with the moment their agenda closes for
    # regular meldingen (computed once: this loop runs for every melding).
    toekomst = [(s, s.sluiting(regels)) for s in op_tijd if not s.geannuleerd and nu < s.begin]
    for melding in te_plannen:
        gekozen = next(
            (
                s
                for s, sluit in toekomst
                if bezet[s.id] < s.capaciteit
                and (melding.spoed or nu < sluit)
                and (melding.niet_voor is None or s.begin > melding.niet_voor)
            ),
            None,
        )
        if gekozen is None:
            planning.plaatsen[melding.id] = Plaats(None, True)
            continue
        bezet[gekozen.id] += 1
        planning.plaatsen[melding.id] = Plaats(gekozen.id, gekozen.datum > melding.uiterlijk)
    return planning


def volgorde_op_sessie(meldingen: Sequence[Melding]) -> list[Melding]:
    """The order in which the tafel discusses the meldingen of one session."""
    return sorted(meldingen, key=Melding.volgorde)


def sessiedagen(
    vanaf: date, werkdagen: int, kalender: Kalender, weekdagen: Iterable[int]
) -> list[date]:
    """The days with a regular session: the next ``werkdagen`` werkdagen from ``vanaf`` (that
    day included when it is one) whose weekday (Monday = 0) has a session."""
    dagen = set(weekdagen)
    result: list[date] = []
    for dag in kalender.werkdagen_vanaf(vanaf):
        if len(result) >= werkdagen:
            break
        if dag.weekday() in dagen:
            result.append(dag)
    return result


def moment(dag: date, tijd: time) -> datetime:
    return datetime.combine(dag, tijd, tzinfo=AMSTERDAM)


def laatste_sessie_voor(sessies: Iterable[Sessie], uiterlijk: date) -> Sessie | None:
    """The last session (not cancelled) on or before the deadline."""
    mogelijk = [s for s in sessies if not s.geannuleerd and s.datum <= uiterlijk]
    return max(mogelijk, key=lambda s: s.begin, default=None)


def laatste_kans_nadert(
    uiterlijk: date, sessies: Iterable[Sessie], vandaag: date, kalender: Kalender
) -> bool:
    """DOMAIN.md's *at risk*: the last possible session for this deadline is today or the next
    werkdag (or there is none left). Applies to a melding that is not planned on one."""
    laatste = laatste_sessie_voor(sessies, uiterlijk)
    return laatste is None or laatste.datum <= next(kalender.werkdagen_na(vandaag))
