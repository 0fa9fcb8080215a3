"""What the tafel does when events arrive and timers fire."""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    MeldingGeagendeerd,
    MeldingGeagendeerdData,
    MeldingOntvangen,
    TermijnOverschreden,
    TermijnOverschredenData,
)
from jbplein_contracts.waarden import TermijnSoort
from jbplein_kit.outbox import trace_headers
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from .models import AgendaItem, Besluit, Sessie, TafelMelding
from .planning import eerste_sessiedag, sessie_moment
from .settings import Settings

BESPREKING = "bespreking"


def register(service: Service, settings: Settings) -> None:
    @service.on_event(MeldingOntvangen)
    async def melding_ontvangen(event: MeldingOntvangen, uow: UnitOfWork) -> None:
        data = event.data
        if await uow.session.get(TafelMelding, data.melding_id) is not None:
            return
        melding = TafelMelding(
            id=data.melding_id,
            gezin_ref=data.gezin_ref,
            gemeente=data.gemeente,
            wijk=data.wijk,
            postcodegebied=data.postcodegebied,
            melder_organisatie=data.melder_organisatie,
            ontvangen_op=data.ontvangen_op,
            bespreken_uiterlijk=data.bespreken_uiterlijk,
            spoed=data.spoed,
            status="geagendeerd",
            dataref=event.dataref,
            trace_context=trace_headers(),
        )
        uow.session.add(melding)
        dag = eerste_sessiedag(uow.now, service.kalender, settings.agenda_sluiting)
        sessie = await uow.session.scalar(select(Sessie).where(Sessie.datum == dag))
        if sessie is None:
            sessie = Sessie(
                id=uuid4(),
                datum=dag,
                begin=sessie_moment(dag, settings.sessie_begin),
                einde=sessie_moment(dag, settings.sessie_einde),
            )
            uow.session.add(sessie)
        # No ORM relationships between these tables: flush the parents before the agenda item.
        await uow.session.flush()
        in_gevaar = dag > data.bespreken_uiterlijk
        uow.session.add(
            AgendaItem(
                id=uuid4(),
                sessie_id=sessie.id,
                melding_id=melding.id,
                geagendeerd_op=uow.now,
                in_gevaar=in_gevaar,
            )
        )
        uow.publish(
            MeldingGeagendeerd.maak(
                MeldingGeagendeerdData(
                    gemeente=data.gemeente,
                    melding_id=data.melding_id,
                    sessie_id=sessie.id,
                    sessie_datum=dag,
                    sessie_begin=sessie.begin,
                    bespreken_uiterlijk=data.bespreken_uiterlijk,
                    spoed=data.spoed,
                    in_gevaar=in_gevaar,
                ),
                bron=Bron.TAFEL,
                tijd=uow.now,
                onderwerp=data.melding_id,
            )
        )
        await uow.schedule(
            Timer(
                soort=BESPREKING,
                sleutel=f"bespreking-{data.melding_id}",
                verloopt_op=werkdagen.einde_van_dag(data.bespreken_uiterlijk),
                gegevens={"melding_id": str(data.melding_id)},
            )
        )

    @service.on_timer(BESPREKING)
    async def bespreking_verlopen(timer: Timer, uow: UnitOfWork) -> None:
        melding = await uow.session.get(TafelMelding, UUID(timer.gegevens["melding_id"]))
        if melding is None:
            return
        besloten = await uow.session.scalar(
            select(Besluit.id).where(Besluit.melding_id == melding.id).limit(1)
        )
        if besloten is not None:
            return
        melding.status = "overschreden"
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
