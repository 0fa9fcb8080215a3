"""One gezin, one letter: a besluit about a melding of a gezin whose case is open does not
send the gezin a second letter beside the first. The new letter replaces the gezin's earlier
letters (:func:`vervanging.vervang`: one not posted yet is withdrawn; a posted one is named,
and the new letter says what changed, as after a correction).

Which meldingen belong to one gezin: intake gives a later melding the gezin reference of the
open melding it links it to (same child BSN, or same address, name and birth date), and the
tafel's ``besluit.genomen`` carries it. A gezin whose case has closed gets a new reference from
intake, so its next melding starts afresh; notificatie also leaves out the letters of meldingen
whose case toewijzing closed (``zaak.afgesloten``).

The letter says what holds now for the gezin: the strongest current besluit among its open
meldingen (raadsonderzoek > drang > vrijwillig, as toewijzing's case follows), whichever
melding's besluit (a first one or a correction) brought it about. So a correction to
vrijwillig while another melding's drang holds gives a drang letter, and a correction to
raadsonderzoek replaces the drang letter of another melding. When the gezin's valid letters
(not withdrawn, not replaced) already all say what holds now, because a stronger besluit about
another melding holds, a besluit makes no letter: the gezin would get the same news twice, or
be told "drang" while its raadsonderzoek goes on (:func:`brief_nodig`).

A letter replaces the gezin's letters of the approaches in :data:`VERVANGT` for its variant; a
vrijwillig letter (no case) replaces only the earlier letters of its own melding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from jbplein_contracts.v1 import BesluitGenomenData
from jbplein_contracts.waarden import Aanpak
from jbplein_kit.uow import UnitOfWork

from .models import INGETROKKEN, AfgeslotenMelding, Besluit, Brief
from .vervanging import brieven_lock

VERVANGT = {
    Aanpak.DRANG: (Aanpak.DRANG.value,),
    Aanpak.RAADSONDERZOEK: (Aanpak.DRANG.value, Aanpak.RAADSONDERZOEK.value),
}
"""Which earlier letters of the gezin a letter of this approach replaces."""


_ZWAARTE = {Aanpak.VRIJWILLIG: 0, Aanpak.DRANG: 1, Aanpak.RAADSONDERZOEK: 2}


def zwaarste_aanpak(aanpakken: Iterable[Aanpak]) -> Aanpak:
    """The strongest approach: what the gezin's one case follows (as toewijzing's
    ``zwaarste_aanpak``). Nothing given: vrijwillig."""
    return max(aanpakken, key=_ZWAARTE.__getitem__, default=Aanpak.VRIJWILLIG)


@dataclass(frozen=True, slots=True)
class Geldig:
    """A letter of the gezin that still counts: neither withdrawn nor replaced."""

    variant: str


def brief_nodig(eigen: Aanpak, zwaarste: Aanpak, geldige: Sequence[Geldig]) -> bool:
    """Pure: whether a besluit with approach ``eigen`` makes a letter, when ``zwaarste`` holds
    for the gezin now and ``geldige`` are its letters that still count. No letter only when a
    stronger besluit about another melding holds and every valid letter says so already."""
    if zwaarste is eigen or not geldige:
        return True
    return any(g.variant != zwaarste.value for g in geldige)


def geldig(brief: Brief) -> bool:
    return brief.status != INGETROKKEN and brief.vervangen_door is None


def gezin_lock(gezin_ref: UUID) -> str:
    """Taken before any letter lock of the gezin's meldingen: besluiten about one gezin change
    its letters one at a time (and never wait on each other's letter locks in a cycle)."""
    return f"brieven-gezin-{gezin_ref}"


async def open_meldingen(uow: UnitOfWork, data: BesluitGenomenData) -> list[UUID]:
    """The gezin's other meldingen known here by their letters, leaving out those whose case
    toewijzing closed."""
    afgesloten = select(AfgeslotenMelding.melding_id)
    return list(
        (
            await uow.session.scalars(
                select(Brief.melding_id)
                .where(
                    Brief.gezin_ref == data.gezin_ref,
                    Brief.melding_id != data.melding_id,
                    Brief.melding_id.not_in(afgesloten),
                )
                .distinct()
            )
        ).all()
    )


async def zwaarste_van_gezin(uow: UnitOfWork, data: BesluitGenomenData) -> Aanpak:
    """What holds for the gezin with this besluit: the strongest current (newest version)
    besluit among its open meldingen, this one included."""
    huidige = {data.melding_id: (data.versie, data.aanpak)}
    meldingen = await open_meldingen(uow, data)
    if meldingen:
        for besluit in (
            await uow.session.scalars(select(Besluit).where(Besluit.melding_id.in_(meldingen)))
        ).all():
            versie, _ = huidige.get(besluit.melding_id, (0, Aanpak.VRIJWILLIG))
            if besluit.versie > versie:
                huidige[besluit.melding_id] = (besluit.versie, Aanpak(besluit.aanpak))
    return zwaarste_aanpak(aanpak for _, aanpak in huidige.values())


async def eerdere_brieven_van_gezin(
    uow: UnitOfWork, data: BesluitGenomenData, variant: Aanpak
) -> list[Brief]:
    """The gezin's letters about its other open meldingen that a letter of ``variant`` about
    this besluit replaces (a first besluit or a correction alike), oldest first, each under its
    melding's letter lock (so none is posted meanwhile). The caller holds :func:`gezin_lock`."""
    varianten = VERVANGT.get(variant)
    if varianten is None:
        return []
    meldingen = await open_meldingen(uow, data)
    if not meldingen:
        return []
    brieven = list(
        (
            await uow.session.scalars(
                select(Brief)
                .where(Brief.melding_id.in_(meldingen), Brief.variant.in_(varianten))
                .order_by(Brief.aangemaakt_op, Brief.id)
            )
        ).all()
    )
    for melding_id in sorted({b.melding_id for b in brieven}, key=str):
        await uow.lock(brieven_lock(melding_id))
    for brief in brieven:  # read again under the locks
        await uow.session.refresh(brief)
    return brieven


async def geldige_brieven_van_gezin(uow: UnitOfWork, data: BesluitGenomenData) -> list[Geldig]:
    """The gezin's letters that still count (its open meldingen, this one included)."""
    meldingen = [data.melding_id, *await open_meldingen(uow, data)]
    brieven = (
        await uow.session.scalars(select(Brief).where(Brief.melding_id.in_(meldingen)))
    ).all()
    return [Geldig(b.variant) for b in brieven if geldig(b)]
