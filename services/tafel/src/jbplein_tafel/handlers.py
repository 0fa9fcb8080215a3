"""What the tafel does when events arrive and timers fire."""

from __future__ import annotations

from uuid import UUID

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    MeldingOntvangen,
    TermijnOverschreden,
    TermijnOverschredenData,
    ZaakAfgesloten,
)
from jbplein_contracts.waarden import TermijnSoort
from jbplein_kit.outbox import trace_headers
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from . import agenda
from .besluiten import gezin_lock, in_spoor_van
from .models import OPEN, TafelMelding
from .settings import Settings

BESPREKING = "bespreking"


def register(service: Service, settings: Settings) -> None:
    @service.on_event(MeldingOntvangen)
    async def melding_ontvangen(event: MeldingOntvangen, uow: UnitOfWork) -> None:
        data = event.data
        if await uow.session.get(TafelMelding, data.melding_id) is not None:
            return
        uow.session.add(
            TafelMelding(
                id=data.melding_id,
                referentie=data.referentie,
                gezin_ref=data.gezin_ref,
                gekoppeld_aan=data.gekoppeld_aan,
                gemeente=data.gemeente,
                wijk=data.wijk,
                postcodegebied=data.postcodegebied,
                melder_organisatie=data.melder_organisatie,
                ontvangen_op=data.ontvangen_op,
                bespreken_uiterlijk=data.bespreken_uiterlijk,
                spoed=data.spoed,
                zorgen=[z.value for z in data.zorgen],
                aantal_kinderen=data.aantal_kinderen,
                status=OPEN,
                termijn_overschreden=False,
                dataref=event.dataref,
                trace_context=trace_headers(),
            )
        )
        await uow.session.flush()
        await uow.schedule(
            Timer(
                soort=BESPREKING,
                sleutel=f"bespreking-{data.melding_id}",
                verloopt_op=werkdagen.einde_van_dag(data.bespreken_uiterlijk),
                gegevens={"melding_id": str(data.melding_id)},
            )
        )
        await agenda.herplan(service, settings, uow)

    @service.on_event(ZaakAfgesloten)
    async def zaak_afgesloten(event: ZaakAfgesloten, uow: UnitOfWork) -> None:
        # The gezin's case closed: a later raadsonderzoek about it asks the Raad again.
        data = event.data
        await uow.lock(gezin_lock(data.gezin_ref))
        for melding_id in (data.melding_id, *data.meldingen):
            melding = await uow.session.get(TafelMelding, melding_id)
            if melding is not None and melding.zaak_afgesloten_op is None:
                melding.zaak_afgesloten_op = data.afgesloten_op

    @service.on_timer(BESPREKING)
    async def bespreking_verlopen(timer: Timer, uow: UnitOfWork) -> None:
        melding = await uow.session.get(TafelMelding, UUID(timer.gegevens["melding_id"]))
        if melding is None or melding.status != OPEN or melding.termijn_overschreden:
            return
        melding.termijn_overschreden = True
        with in_spoor_van(service, melding, "termijn bespreking overschreden"):
            uow.publish(
                TermijnOverschreden.maak(
                    TermijnOverschredenData(
                        gemeente=melding.gemeente,
                        termijn=TermijnSoort.BESPREKING,
                        melding_id=melding.id,
                        uiterlijk=melding.bespreken_uiterlijk,
                        verlopen_op=timer.verloopt_op,
                        vastgesteld_op=uow.now,
                    ),
                    bron=Bron.TAFEL,
                    tijd=uow.now,
                    onderwerp=melding.id,
                )
            )

    @service.on_timer(agenda.SESSIE_EINDE)
    async def sessie_voorbij(timer: Timer, uow: UnitOfWork) -> None:
        # What the session did not decide moves on to the next sessions.
        await agenda.herplan(service, settings, uow)
