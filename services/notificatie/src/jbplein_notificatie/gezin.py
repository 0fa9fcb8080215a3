"""One gezin, one letter: a besluit about a later melding of a gezin whose case is open does not
send the gezin a second letter beside the first. The new letter replaces the gezin's earlier
letters (:func:`vervanging.vervang`: one not posted yet is withdrawn; a posted one is named,
and the new letter says what changed, as after a correction).

Which meldingen belong to one gezin: intake gives a later melding the gezin reference of the
open melding it links it to (same child BSN, or same address, name and birth date), and the
tafel's ``besluit.genomen`` carries it. A gezin whose case has closed gets a new reference from
intake, so its next melding starts afresh.

Only a besluit that needs a casusregisseur (drang, raadsonderzoek) replaces: those update the
gezin's one case at toewijzing. A vrijwillig besluit about another melding changes nothing in
that case, and its letter does not replace the case's letter. Nor does a drang besluit replace a
raadsonderzoek letter: the case keeps its raadsonderzoek (toewijzing never takes back what an
earlier besluit decided), and a letter saying "now: drang" would tell the gezin otherwise."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from jbplein_contracts.v1 import BesluitGenomenData
from jbplein_contracts.waarden import Aanpak
from jbplein_kit.uow import UnitOfWork

from .models import Brief
from .vervanging import brieven_lock

VERVANGT = {
    Aanpak.DRANG: (Aanpak.DRANG.value,),
    Aanpak.RAADSONDERZOEK: (Aanpak.DRANG.value, Aanpak.RAADSONDERZOEK.value),
}
"""Which earlier letters of the gezin a letter of this approach replaces."""


def gezin_lock(gezin_ref: UUID) -> str:
    """Taken before any letter lock of the gezin's meldingen: besluiten about one gezin change
    its letters one at a time (and never wait on each other's letter locks in a cycle)."""
    return f"brieven-gezin-{gezin_ref}"


async def eerdere_brieven_van_gezin(uow: UnitOfWork, data: BesluitGenomenData) -> list[Brief]:
    """The gezin's letters about its other meldingen that a letter about this besluit replaces,
    oldest first, each under its melding's letter lock (so none is posted meanwhile). The caller
    holds :func:`gezin_lock`."""
    varianten = VERVANGT.get(data.aanpak)
    if data.versie != 1 or varianten is None:
        return []
    brieven = list(
        (
            await uow.session.scalars(
                select(Brief)
                .where(
                    Brief.gezin_ref == data.gezin_ref,
                    Brief.melding_id != data.melding_id,
                    Brief.variant.in_(varianten),
                )
                .order_by(Brief.aangemaakt_op, Brief.id)
            )
        ).all()
    )
    for melding_id in sorted({b.melding_id for b in brieven}, key=str):
        await uow.lock(brieven_lock(melding_id))
    for brief in brieven:  # read again under the locks
        await uow.session.refresh(brief)
    return brieven
