"""What toewijzing does when a besluit arrives and when its timers fire."""

from __future__ import annotations

from uuid import UUID

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    DrangEvaluatieNodig,
    DrangEvaluatieNodigData,
    TermijnOverschreden,
    TermijnOverschredenData,
)
from jbplein_contracts.waarden import Aanpak, TermijnSoort
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from . import zaken
from .models import AFGESLOTEN, Toewijzing


async def _zaak(uow: UnitOfWork, timer: Timer) -> Toewijzing | None:
    """The open case of a timer, read under the case lock: a deadline that passes while the
    step is being registered sees either the step or nothing, never half of it."""
    await uow.lock(zaken.LOCK)
    t = await uow.session.get(
        Toewijzing, UUID(timer.gegevens["toewijzing_id"]), populate_existing=True
    )
    if t is None or t.status == AFGESLOTEN:
        return None
    return t


def _overschreden(
    service: Service, uow: UnitOfWork, t: Toewijzing, soort: TermijnSoort, timer: Timer
) -> None:
    uiterlijk = {
        TermijnSoort.CONTACT: t.contact_uiterlijk,
        TermijnSoort.RAADSONDERZOEK_START: t.raadsonderzoek_start_uiterlijk,
        TermijnSoort.DRANG_MAXIMUM: t.maximum_op,
    }[soort]
    assert uiterlijk is not None
    zaken.historie(uow, t, "termijn_overschreden", zaken.SYSTEEM, reden=soort.value)
    with service.tracer.start_as_current_span(
        f"termijn {soort.value} overschreden",
        attributes={
            "jbplein.melding_id": str(t.melding_id),
            "jbplein.termijn": soort.value,
            "jbplein.termijn.uiterlijk": uiterlijk.isoformat(),
        },
    ):
        uow.publish(
            TermijnOverschreden.maak(
                TermijnOverschredenData(
                    gemeente=t.gemeente,
                    termijn=soort,
                    melding_id=t.melding_id,
                    uiterlijk=uiterlijk,
                    verlopen_op=timer.verloopt_op,
                    vastgesteld_op=uow.now,
                ),
                bron=Bron.TOEWIJZING,
                tijd=uow.now,
                onderwerp=t.melding_id,
            )
        )


def register(service: Service) -> None:
    @service.on_event(BesluitGenomen)
    async def besluit_genomen(event: BesluitGenomen, uow: UnitOfWork) -> None:
        data = event.data
        bestaand = await zaken.zaak_om_te_wijzigen(uow, data.melding_id)
        if bestaand is not None:
            if data.versie > bestaand.besluit_versie or bestaand.melding_id != data.melding_id:
                await zaken.besluit_gecorrigeerd(service, uow, bestaand, data)
            return
        if not data.aanpak.vraagt_regisseur:
            return
        # One gezin, one case: a gezin whose case is still open gets no second one.
        open_ = await zaken.open_zaak_van_gezin(uow, data.gezin_ref)
        if open_ is not None:
            await zaken.koppel(service, uow, open_, data)
        else:
            await zaken.open_zaak(service, uow, data)

    @service.on_timer(TermijnSoort.CONTACT.value)
    async def contact_verlopen(timer: Timer, uow: UnitOfWork) -> None:
        t = await _zaak(uow, timer)
        if t is None or t.contact_op is not None or t.contact_overschreden:
            return
        t.contact_overschreden = True
        _overschreden(service, uow, t, TermijnSoort.CONTACT, timer)

    @service.on_timer(TermijnSoort.RAADSONDERZOEK_START.value)
    async def raadsonderzoek_verlopen(timer: Timer, uow: UnitOfWork) -> None:
        t = await _zaak(uow, timer)
        if (
            t is None
            or t.raadsonderzoek_start_uiterlijk is None
            or t.raadsonderzoek_gestart_op is not None
            or t.raadsonderzoek_overschreden
        ):
            return
        t.raadsonderzoek_overschreden = True
        _overschreden(service, uow, t, TermijnSoort.RAADSONDERZOEK_START, timer)

    @service.on_timer(TermijnSoort.DRANG_EVALUATIE.value)
    async def evaluatie_nodig(timer: Timer, uow: UnitOfWork) -> None:
        t = await _zaak(uow, timer)
        if (
            t is None
            or t.aanpak != Aanpak.DRANG.value
            or t.evaluatie_op is None
            or t.maximum_op is None
            or t.evaluatie_uitkomst is not None
            or t.evaluatie_nodig
        ):
            return
        t.evaluatie_nodig = True
        zaken.historie(uow, t, "evaluatie_nodig", zaken.SYSTEEM)
        uow.publish(
            DrangEvaluatieNodig.maak(
                DrangEvaluatieNodigData(
                    gemeente=t.gemeente,
                    toewijzing_id=t.id,
                    melding_id=t.melding_id,
                    besluit_datum=werkdagen.lokale_dag(t.besluit_op),
                    evaluatie_op=t.evaluatie_op,
                    maximum_op=t.maximum_op,
                ),
                bron=Bron.TOEWIJZING,
                tijd=uow.now,
                onderwerp=t.melding_id,
            )
        )

    @service.on_timer(TermijnSoort.DRANG_MAXIMUM.value)
    async def maximum_verlopen(timer: Timer, uow: UnitOfWork) -> None:
        t = await _zaak(uow, timer)
        if (
            t is None
            or t.aanpak != Aanpak.DRANG.value
            or t.maximum_op is None
            or t.maximum_overschreden
        ):
            return
        t.maximum_overschreden = True
        _overschreden(service, uow, t, TermijnSoort.DRANG_MAXIMUM, timer)

    @service.on_timer(zaken.AFWEZIGHEID_EINDE)
    async def terug_van_afwezigheid(timer: Timer, uow: UnitOfWork) -> None:
        await zaken.verwerk_wachtlijst(uow)
