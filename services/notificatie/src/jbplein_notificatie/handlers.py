"""What notificatie does on a besluit, on an assignment (or a waiting list), and when a letter
has waited long enough for its casusregisseur."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    PartnerBesluitGenomen,
    PartnerBesluitGenomenData,
    PartnerMeldingBesloten,
    PartnerMeldingBeslotenData,
    PartnerRaadsonderzoekGevraagd,
    PartnerRaadsonderzoekGevraagdData,
    RegisseurToegewezen,
    RegisseurWachtlijst,
    ZaakAfgesloten,
)
from jbplein_contracts.waarden import WachtlijstReden
from jbplein_kit.outbox import trace_headers
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from . import gezin, partners
from .models import TE_MAKEN, WACHT_OP_REGISSEUR, AfgeslotenMelding, Besluit, Brief, Regisseur
from .settings import Settings
from .vervanging import brieven_lock, vervang

log = logging.getLogger("jbplein.notificatie.handlers")

REGISSEUR_WACHTTIJD = "regisseur_wachttijd"

WACHTLIJST_TEKST = {
    WachtlijstReden.GEEN_RUIMTE.value: "de zaak staat op de wachtlijst (geen ruimte)",
    WachtlijstReden.GEEN_GEBIEDSTEAM.value: (
        "de zaak staat op de wachtlijst (geen gebiedsteam voor deze gemeente)"
    ),
}


def _lock(besluit_id: UUID) -> str:
    # The besluit, its assignment and its waiting-list news arrive on three consumers at once.
    return f"brief-{besluit_id}"


def partnerzaak_url(settings: Settings, zaak_ref: UUID) -> str:
    return f"{settings.base_url()}/api/v1/partnerzaken/{zaak_ref}"


def maak_klaar(brief: Brief, uow: UnitOfWork) -> bool:
    """The letter may be made now: the worker picks it up. Only a letter that waits for its
    casusregisseur moves on: a withdrawn, made or posted letter never comes back (False)."""
    if brief.status != WACHT_OP_REGISSEUR:
        return False
    brief.status = TE_MAKEN
    brief.volgende_poging_op = uow.now
    return True


async def onder_brievenslot(uow: UnitOfWork, brief: Brief) -> Brief:
    """Take the case's letter lock (after the besluit's lock) and read the letter again: a new
    besluit may have withdrawn it meanwhile (:func:`vervanging.vervang` holds the same lock)."""
    await uow.lock(brieven_lock(brief.melding_id))
    await uow.session.refresh(brief)
    return brief


def register(service: Service, settings: Settings) -> None:
    opgeven_na = timedelta(seconds=settings.webhook_opgeven_na_seconden)

    @service.on_event(BesluitGenomen)
    async def besluit_genomen(event: BesluitGenomen, uow: UnitOfWork) -> None:
        data = event.data
        await uow.lock(_lock(data.besluit_id))
        await uow.lock(gezin.gezin_lock(data.gezin_ref))
        await uow.lock(brieven_lock(data.melding_id))
        if await uow.session.get(Besluit, data.besluit_id) is not None:
            return
        nieuwer = await uow.session.scalar(
            select(Besluit.versie)
            .where(Besluit.melding_id == data.melding_id, Besluit.versie >= data.versie)
            .limit(1)
        )
        # The Raad investigating: this VTO's, or (a raadsonderzoek joining the gezin's running
        # investigation, vto false) that investigation's, named by the tafel.
        raad = data.raad or (
            service.accounts.raad_voor(data.jeugdbeschermingsteam) if data.vto else None
        )
        uow.session.add(
            Besluit(
                besluit_id=data.besluit_id,
                melding_id=data.melding_id,
                versie=data.versie,
                gemeente=data.gemeente,
                aanpak=data.aanpak.value,
                genomen_op=data.genomen_op,
                melder_organisatie=data.melder_organisatie,
                casusregie=data.casusregie,
                jeugdbeschermingsteam=list(data.jeugdbeschermingsteam),
                raad_organisatie=raad,
                contact_uiterlijk=data.contact_uiterlijk,
                raadsonderzoek_start_uiterlijk=data.raadsonderzoek_start_uiterlijk,
            )
        )
        if nieuwer is not None:
            # An older version arriving after a newer one: it is history, not news. No letter
            # and no partner event (they would contradict the newer version).
            log.warning(
                "besluit version %s of melding %s arrived after version %s; kept as history",
                data.versie,
                data.melding_id,
                nieuwer,
            )
            return
        await _brief_bij_besluit(uow, data)
        await _partners_bij_besluit(uow, data)

    async def _brief_bij_besluit(uow: UnitOfWork, data: BesluitGenomenData) -> None:
        """The gezin's one letter says what holds now (:mod:`gezin`): its variant is the
        strongest current besluit of the gezin's open meldingen, and it replaces the earlier
        letters of this melding and of the gezin; or no letter, when those say so already."""
        variant = await gezin.zwaarste_van_gezin(uow, data)
        if not gezin.brief_nodig(
            data.aanpak, variant, await gezin.geldige_brieven_van_gezin(uow, data)
        ):
            log.info("besluit %s changes nothing the gezin's letter says", data.besluit_id)
            return
        regisseur = await uow.session.get(Regisseur, data.besluit_id)
        if regisseur is None and data.vorige_besluit_id is not None:
            # A correction keeps the case and its casusregisseur: toewijzing assigns nobody
            # anew, so the letter names the one the corrected version had.
            regisseur = await uow.session.get(Regisseur, data.vorige_besluit_id)
        eerdere = list(
            (
                await uow.session.scalars(
                    select(Brief)
                    .where(Brief.melding_id == data.melding_id)
                    .order_by(Brief.aangemaakt_op)
                )
            ).all()
        )
        eerdere += await gezin.eerdere_brieven_van_gezin(uow, data, variant)
        brief = Brief(
            id=uuid4(),
            besluit_id=data.besluit_id,
            melding_id=data.melding_id,
            gezin_ref=data.gezin_ref,
            besluit_versie=data.versie,
            gemeente=data.gemeente,
            variant=variant.value,
            status=WACHT_OP_REGISSEUR,
            regisseur_ref=regisseur.jeugdbeschermer_ref if regisseur else None,
            aangemaakt_op=uow.now,
            pogingen=0,
            trace_context=trace_headers(),
        )
        uow.session.add(brief)
        reden = (
            f"vervangen door de brief over besluit versie {data.versie}"
            if data.versie > 1
            else "vervangen door de brief over een nieuwe melding over het gezin"
        )
        await vervang(uow, brief, eerdere, reden)
        if not data.aanpak.vraagt_regisseur or regisseur is not None:
            maak_klaar(brief, uow)
        else:
            await uow.schedule(
                Timer(
                    soort=REGISSEUR_WACHTTIJD,
                    sleutel=f"brief-{brief.id}",
                    verloopt_op=uow.now + timedelta(seconds=settings.regisseur_wachttijd_seconden),
                    gegevens={"brief_id": str(brief.id)},
                )
            )

    async def _partners_bij_besluit(uow: UnitOfWork, data: BesluitGenomenData) -> None:
        raad = service.accounts.raad_voor(data.jeugdbeschermingsteam) if data.vto else None
        dataref = partnerzaak_url(settings, data.melding_id)
        besluit_datum = werkdagen.lokale_dag(data.genomen_op)
        # Partners tell a correction from a first besluit, and a late older version from a
        # newer one, by these (corrections are numbered one after the other at the tafel).
        correctie = data.vorige_besluit_id is not None
        vervangt_versie = data.versie - 1 if correctie else None
        await partners.publiceer(
            uow,
            PartnerBesluitGenomen.maak(
                PartnerBesluitGenomenData(
                    gemeente=data.gemeente,
                    zaak_ref=data.melding_id,
                    aanpak=data.aanpak,
                    besluit_datum=besluit_datum,
                    contact_uiterlijk=data.contact_uiterlijk,
                    raadsonderzoek_start_uiterlijk=data.raadsonderzoek_start_uiterlijk,
                    besluit_versie=data.versie,
                    vervangt_versie=vervangt_versie,
                    correctie=correctie,
                ),
                bron=Bron.NOTIFICATIE,
                tijd=uow.now,
                onderwerp=data.melding_id,
                dataref=dataref,
            ),
            opgeven_na,
        )
        await partners.publiceer(
            uow,
            PartnerMeldingBesloten.maak(
                PartnerMeldingBeslotenData(
                    gemeente=data.gemeente,
                    ontvanger=data.melder_organisatie,
                    zaak_ref=data.melding_id,
                    aanpak=data.aanpak,
                    besluit_datum=besluit_datum,
                    besluit_versie=data.versie,
                    vervangt_versie=vervangt_versie,
                    correctie=correctie,
                ),
                bron=Bron.NOTIFICATIE,
                tijd=uow.now,
                onderwerp=data.melding_id,
                dataref=dataref,
            ),
            opgeven_na,
        )
        if data.vto and raad is not None and data.raadsonderzoek_start_uiterlijk is not None:
            # Only a VTO asks the Raad: a raadsonderzoek that joins asks no second time.
            await partners.publiceer(
                uow,
                PartnerRaadsonderzoekGevraagd.maak(
                    PartnerRaadsonderzoekGevraagdData(
                        gemeente=data.gemeente,
                        ontvanger=raad,
                        zaak_ref=data.melding_id,
                        gevraagd_op=data.genomen_op,
                        start_uiterlijk=data.raadsonderzoek_start_uiterlijk,
                        besluit_versie=data.versie,
                        vervangt_versie=vervangt_versie,
                        correctie=correctie,
                    ),
                    bron=Bron.NOTIFICATIE,
                    tijd=uow.now,
                    onderwerp=data.melding_id,
                    dataref=dataref,
                ),
                opgeven_na,
            )

    @service.on_event(ZaakAfgesloten)
    async def zaak_afgesloten(event: ZaakAfgesloten, uow: UnitOfWork) -> None:
        """The case's meldingen (the first and those that joined it) leave the gezin's letters:
        a later melding's letter never says it replaces a letter of a closed case."""
        data = event.data
        for melding_id in sorted({data.melding_id, *data.meldingen}, key=str):
            if await uow.session.get(AfgeslotenMelding, melding_id) is None:
                uow.session.add(
                    AfgeslotenMelding(melding_id=melding_id, afgesloten_op=data.afgesloten_op)
                )

    @service.on_event(RegisseurToegewezen)
    async def regisseur_toegewezen(event: RegisseurToegewezen, uow: UnitOfWork) -> None:
        data = event.data
        await uow.lock(_lock(data.besluit_id))
        regisseur = await uow.session.get(Regisseur, data.besluit_id)
        if regisseur is None:
            uow.session.add(
                Regisseur(
                    besluit_id=data.besluit_id,
                    jeugdbeschermer_ref=data.jeugdbeschermer_ref,
                    toegewezen_op=data.toegewezen_op,
                )
            )
        elif data.toegewezen_op >= regisseur.toegewezen_op:  # a reassignment
            regisseur.jeugdbeschermer_ref = data.jeugdbeschermer_ref
            regisseur.toegewezen_op = data.toegewezen_op
        brief = await uow.session.scalar(select(Brief).where(Brief.besluit_id == data.besluit_id))
        if brief is None:
            return
        brief = await onder_brievenslot(uow, brief)
        if brief.status == WACHT_OP_REGISSEUR:
            brief.regisseur_ref = data.jeugdbeschermer_ref
            await uow.cancel_timer(f"brief-{brief.id}")
            maak_klaar(brief, uow)

    @service.on_event(RegisseurWachtlijst)
    async def op_wachtlijst(event: RegisseurWachtlijst, uow: UnitOfWork) -> None:
        data = event.data
        await uow.lock(_lock(data.besluit_id))
        brief = await uow.session.scalar(select(Brief).where(Brief.besluit_id == data.besluit_id))
        if brief is not None and brief.status == WACHT_OP_REGISSEUR:
            brief.wachtlijst_reden = data.reden.value

    @service.on_timer(REGISSEUR_WACHTTIJD)
    async def lang_genoeg_gewacht(timer: Timer, uow: UnitOfWork) -> None:
        # The timer's own row (marked expired) is written at commit, after the letter lock:
        # vervang takes the letter lock before it cancels this timer, so never the other way.
        with uow.session.no_autoflush:
            brief = await uow.session.get(Brief, UUID(timer.gegevens["brief_id"]))
            if brief is None:
                return
            await uow.lock(_lock(brief.besluit_id))
            brief = await onder_brievenslot(uow, brief)
        if brief.status != WACHT_OP_REGISSEUR:
            return
        minuten = round(settings.regisseur_wachttijd_seconden / 60)
        reden = f"Geen casusregisseur toegewezen binnen {minuten} minuten"
        if brief.wachtlijst_reden:
            reden += f": {WACHTLIJST_TEKST.get(brief.wachtlijst_reden, brief.wachtlijst_reden)}"
        brief.zonder_regisseur_reden = reden[:200]
        maak_klaar(brief, uow)
