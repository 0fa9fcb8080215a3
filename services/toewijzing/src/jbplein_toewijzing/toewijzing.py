"""Choosing a casusregisseur: pure domain code, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Kandidaat:
    code: str
    gebiedsteam: str
    taakaccent: str
    max_caseload: int
    caseload: int
    afwezig: bool = False

    @property
    def heeft_ruimte(self) -> bool:
        return not self.afwezig and self.caseload < self.max_caseload

    @property
    def relatieve_caseload(self) -> Fraction:
        return Fraction(self.caseload, self.max_caseload) if self.max_caseload else Fraction(1)


def kies_regisseur(
    kandidaten: list[Kandidaat], teams: set[str], taakaccent: str
) -> Kandidaat | None:
    """The jeugdbeschermer with room in one of ``teams`` (the ones covering the gezin), with a
    fitting taakaccent first, then the lowest relative caseload; ties by code, so the same input
    gives the same choice. None when nobody has room."""
    geschikt = [k for k in kandidaten if k.gebiedsteam in teams and k.heeft_ruimte]
    if not geschikt:
        return None
    return min(
        geschikt,
        key=lambda k: (k.taakaccent != taakaccent, k.relatieve_caseload, k.code),
    )
