"""A newer letter replaces the earlier letters of the same case (or gezin).

After a correction (a new version of the besluit) the earlier letter must not be posted as
well: the gezin would get two letters that contradict each other. So when a new letter is made
for a case:

* an earlier letter that was not posted yet is withdrawn (``ingetrokken``): it stays, visible
  with the letter that replaced it and why, is never deleted and can no longer be posted;
* if an earlier letter was posted, the new letter says it replaces the letter of that date
  (the newest posted one), and what changed.

Which earlier letters count is the caller's choice: the letters of the same melding after a
correction; the letters of the same gezin when another melding about it is decided again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jbplein_kit.audit import write_audit
from jbplein_kit.uow import UnitOfWork

from .models import INGETROKKEN, VERZONDEN, Brief

INTREKKER = "notificatie"
"""Who withdraws a letter in the audit log: the service itself, on the tafel's new besluit."""


@dataclass(frozen=True, slots=True)
class Eerder:
    """What the plan needs of an earlier letter."""

    status: str
    verzonden_op: datetime | None


@dataclass(frozen=True, slots=True)
class Plan:
    intrekken: tuple[int, ...]
    """Positions of the earlier letters to withdraw (not posted, not withdrawn yet)."""
    vervangt: int | None
    """Position of the newest posted letter, which the new letter says it replaces."""


def plan(eerdere: Sequence[Eerder]) -> Plan:
    """Pure: which earlier letters to withdraw, and which posted letter the new one replaces."""
    intrekken = tuple(i for i, b in enumerate(eerdere) if b.status not in (VERZONDEN, INGETROKKEN))
    verzonden = [
        (b.verzonden_op, i)
        for i, b in enumerate(eerdere)
        if b.status == VERZONDEN and b.verzonden_op is not None
    ]
    return Plan(intrekken=intrekken, vervangt=max(verzonden)[1] if verzonden else None)


async def vervang(uow: UnitOfWork, nieuw: Brief, eerdere: Sequence[Brief], reden: str) -> None:
    """Apply the plan: withdraw what was not posted (audited), and let ``nieuw`` name the
    posted letter it replaces. The caller holds the case's letter lock (``brieven_lock``)."""
    gekozen = plan([Eerder(b.status, b.verzonden_op) for b in eerdere])
    for i in gekozen.intrekken:
        oud = eerdere[i]
        oud.status = INGETROKKEN
        oud.ingetrokken_op = uow.now
        oud.ingetrokken_reden = reden[:200]
        oud.vervangen_door = nieuw.id
        oud.volgende_poging_op = None
        await uow.cancel_timer(f"brief-{oud.id}")
        write_audit(
            uow.session,
            at=uow.now,
            actor=INTREKKER,
            organisation="jbplein",
            roles=("dienst",),
            action="brief.ingetrokken",
            dossier=str(oud.melding_id),
            source_address=None,
        )
    if gekozen.vervangt is not None:
        oud = eerdere[gekozen.vervangt]
        oud.vervangen_door = nieuw.id
        nieuw.vervangt_brief_id = oud.id
        nieuw.vervangt_verzonden_op = oud.verzonden_op
        nieuw.vervangt_variant = oud.variant


def brieven_lock(melding_id: object) -> str:
    """One lock per case for everything that changes the state of its letters (a new besluit,
    the casusregisseur's assignment or the end of its wait, making a letter, marking one
    posted), each reading the letter again under it, so a letter is never posted while it is
    withdrawn, and a withdrawn letter never comes back."""
    return f"brieven-{melding_id}"
