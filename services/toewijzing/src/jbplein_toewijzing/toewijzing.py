"""Choosing a casusregisseur: pure domain code, no I/O.

The rules (DOMAIN.md, seed 003, issue 5), in order:

1. **Continuity**: a gezin that already has an active casusregisseur keeps that person (one
   family, one plan, one director). The gezin already counts in their caseload, so this never
   takes them over their maximum. When that person is not available (absent, or no longer in
   service) the usual rules choose, and the choice says it broke continuity.
2. **Area**: only jeugdbeschermers of a gebiedsteam covering the gezin: the teams naming the
   gezin's wijk, else every team covering its municipality.
3. **Taakaccent**: a fitting taakaccent (civiel or straf) before another.
4. **Room**: the lowest relative caseload (caseload / maximum), then the code, so the same input
   always gives the same choice.

A jeugdbeschermer's caseload is the number of *gezinnen* with an active case with them. Nobody
with room: no one is chosen and the case waits (:func:`verdeel_wachtlijst` hands out room as it
appears, in order of urgency, then the moment of the besluit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from uuid import UUID

from jbplein_contracts.waarden import Aanpak, Taakaccent, WachtlijstReden


@dataclass(frozen=True)
class Team:
    code: str
    gemeenten: frozenset[str]
    wijken: frozenset[str] = frozenset()
    """Wijken (lower case) this team covers; empty: the whole of its municipalities."""


@dataclass(frozen=True)
class Kandidaat:
    code: str
    gebiedsteam: str
    taakaccent: Taakaccent
    max_caseload: int
    gezinnen: frozenset[UUID] = frozenset()
    """The gezinnen with an active case with this jeugdbeschermer."""
    beschikbaar: bool = True
    """In service and not absent today."""

    @property
    def caseload(self) -> int:
        return len(self.gezinnen)

    @property
    def heeft_ruimte(self) -> bool:
        return self.beschikbaar and self.caseload < self.max_caseload

    @property
    def relatieve_caseload(self) -> Fraction:
        return Fraction(self.caseload, self.max_caseload) if self.max_caseload > 0 else Fraction(1)

    def met(self, gezin: UUID) -> Kandidaat:
        return replace(self, gezinnen=self.gezinnen | {gezin})


@dataclass(frozen=True)
class Zaak:
    """A case that needs a casusregisseur, as the chooser sees it."""

    id: UUID
    gezin_ref: UUID
    gemeente: str
    wijk: str | None
    taakaccent: Taakaccent
    spoed: bool = False
    besluit_op: datetime | None = None
    uitgesloten: frozenset[str] = frozenset()
    """Jeugdbeschermers who may not get this case (e.g. the one it is taken from)."""

    def volgorde(self) -> tuple[bool, datetime | None, UUID]:
        return (not self.spoed, self.besluit_op, self.id)


@dataclass(frozen=True)
class Keuze:
    jeugdbeschermer: str | None
    gebiedsteam: str | None = None
    continuiteit: bool = False
    taakaccent_passend: bool = False
    wachtlijst: WachtlijstReden | None = None


def dekkende_teams(teams: Iterable[Team], gemeente: str, wijk: str | None) -> set[str]:
    """The gebiedsteams that cover a gezin: those naming its wijk, else every team covering its
    municipality."""
    in_gemeente = [t for t in teams if gemeente in t.gemeenten]
    if wijk:
        in_wijk = [t for t in in_gemeente if wijk.strip().lower() in t.wijken]
        if in_wijk:
            return {t.code for t in in_wijk}
    return {t.code for t in in_gemeente}


def kies_regisseur(kandidaten: Sequence[Kandidaat], teams: Iterable[Team], zaak: Zaak) -> Keuze:
    """The casusregisseur for ``zaak``, or why there is none (see the module's rules)."""
    huidige = sorted(
        (k for k in kandidaten if zaak.gezin_ref in k.gezinnen and k.beschikbaar),
        key=lambda k: k.code,
    )
    huidige = [k for k in huidige if k.code not in zaak.uitgesloten]
    if huidige:
        k = huidige[0]
        return Keuze(k.code, k.gebiedsteam, True, k.taakaccent == zaak.taakaccent)
    dekkend = dekkende_teams(teams, zaak.gemeente, zaak.wijk)
    if not dekkend:
        return Keuze(None, wachtlijst=WachtlijstReden.GEEN_GEBIEDSTEAM)
    geschikt = [
        k
        for k in kandidaten
        if k.gebiedsteam in dekkend and k.heeft_ruimte and k.code not in zaak.uitgesloten
    ]
    if not geschikt:
        return Keuze(None, wachtlijst=WachtlijstReden.GEEN_RUIMTE)
    k = min(geschikt, key=lambda k: (k.taakaccent != zaak.taakaccent, k.relatieve_caseload, k.code))
    return Keuze(k.code, k.gebiedsteam, False, k.taakaccent == zaak.taakaccent)


@dataclass
class Verdeling:
    """What :func:`verdeel_wachtlijst` decided, and the caseloads after it."""

    keuzes: dict[UUID, Keuze] = field(default_factory=dict)
    kandidaten: list[Kandidaat] = field(default_factory=list)


def verdeel_wachtlijst(
    kandidaten: Sequence[Kandidaat], teams: Sequence[Team], wachtenden: Iterable[Zaak]
) -> Verdeling:
    """Hand out the room there is to waiting cases, spoed first, then in order of their besluit;
    each assignment counts for the next choice (and a gezin that gets a casusregisseur keeps
    them for its other waiting cases). Deterministic whatever the input order."""
    stand = {k.code: k for k in kandidaten}
    verdeling = Verdeling()
    for zaak in sorted(wachtenden, key=Zaak.volgorde):
        keuze = kies_regisseur(sorted(stand.values(), key=lambda k: k.code), teams, zaak)
        verdeling.keuzes[zaak.id] = keuze
        if keuze.jeugdbeschermer is not None:
            stand[keuze.jeugdbeschermer] = stand[keuze.jeugdbeschermer].met(zaak.gezin_ref)
    verdeling.kandidaten = sorted(stand.values(), key=lambda k: k.code)
    return verdeling


# --- one gezin, one case ----------------------------------------------------------------------

_ZWAARTE = {Aanpak.VRIJWILLIG: 0, Aanpak.DRANG: 1, Aanpak.RAADSONDERZOEK: 2}


def zwaarste_aanpak(aanpakken: Iterable[Aanpak]) -> Aanpak:
    """The approach a gezin's one case follows when several besluiten about its meldingen
    hold: the strongest. A later melding's besluit can add a raadsonderzoek to a drang case; it
    never takes back what an earlier besluit decided (that is a correction of that besluit).
    Nothing given: vrijwillig (no case)."""
    return max(aanpakken, key=_ZWAARTE.__getitem__, default=Aanpak.VRIJWILLIG)
