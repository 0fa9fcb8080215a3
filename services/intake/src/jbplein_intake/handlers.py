"""Intake follows the melding's case: planned and decided at the tafel, closed by toewijzing.
The status decides whether a new melding about the gezin joins an open case."""

from __future__ import annotations

from jbplein_contracts.v1 import BesluitGenomen, MeldingGeagendeerd, ZaakAfgesloten
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from .models import Melding
from .schemas import MeldingStatus


def register(service: Service) -> None:
    @service.on_event(MeldingGeagendeerd)
    async def geagendeerd(event: MeldingGeagendeerd, uow: UnitOfWork) -> None:
        melding = await uow.session.get(Melding, event.data.melding_id)
        if melding is not None and melding.status == MeldingStatus.ONTVANGEN:
            melding.status = MeldingStatus.GEAGENDEERD.value

    @service.on_event(BesluitGenomen)
    async def besloten(event: BesluitGenomen, uow: UnitOfWork) -> None:
        melding = await uow.session.get(Melding, event.data.melding_id)
        if melding is None or melding.status == MeldingStatus.AFGESLOTEN:
            return
        melding.status = MeldingStatus.BESLOTEN.value
        melding.aanpak = event.data.aanpak.value

    @service.on_event(ZaakAfgesloten)
    async def afgesloten(event: ZaakAfgesloten, uow: UnitOfWork) -> None:
        # One gezin, one case: the later meldingen that joined the case close with it, so the
        # gezin's next melding starts a case (and a gezin reference) of its own.
        for melding_id in (event.data.melding_id, *event.data.meldingen):
            melding = await uow.session.get(Melding, melding_id)
            if melding is not None:
                melding.status = MeldingStatus.AFGESLOTEN.value
