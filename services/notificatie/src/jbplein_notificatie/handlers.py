"""What notificatie does on a besluit and on an assignment."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select

from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BriefGereed,
    BriefGereedData,
    PartnerBesluitGenomen,
    PartnerBesluitGenomenData,
    RegisseurToegewezen,
)
from jbplein_contracts.waarden import Aanpak
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from .models import Brief, Regisseur

WACHT_OP_REGISSEUR = "wacht_op_regisseur"
GEREED = "gereed"


def _brief_gereed(brief: Brief, uow: UnitOfWork) -> None:
    brief.status = GEREED
    brief.gereed_op = uow.now
    uow.publish(
        BriefGereed.maak(
            BriefGereedData(
                gemeente=brief.gemeente,
                brief_id=brief.id,
                melding_id=brief.melding_id,
                besluit_id=brief.besluit_id,
                variant=Aanpak(brief.variant),
                met_regisseur=brief.regisseur_ref is not None,
                gereed_op=uow.now,
            ),
            bron=Bron.NOTIFICATIE,
            tijd=uow.now,
            onderwerp=brief.melding_id,
        )
    )


def register(service: Service) -> None:
    @service.on_event(BesluitGenomen)
    async def besluit_genomen(event: BesluitGenomen, uow: UnitOfWork) -> None:
        data = event.data
        # The besluit and its assignment arrive on two consumers at once: one at a time per
        # besluit, so the later one always sees the earlier one's row.
        await uow.lock(f"brief-{data.besluit_id}")
        if await uow.session.scalar(select(Brief.id).where(Brief.besluit_id == data.besluit_id)):
            return
        regisseur = await uow.session.get(Regisseur, data.besluit_id)
        brief = Brief(
            id=uuid4(),
            besluit_id=data.besluit_id,
            melding_id=data.melding_id,
            gemeente=data.gemeente,
            variant=data.aanpak.value,
            status=WACHT_OP_REGISSEUR,
            regisseur_ref=regisseur.jeugdbeschermer_ref if regisseur else None,
            aangemaakt_op=uow.now,
        )
        uow.session.add(brief)
        if not data.aanpak.vraagt_regisseur or regisseur is not None:
            _brief_gereed(brief, uow)
        uow.publish(
            PartnerBesluitGenomen.maak(
                PartnerBesluitGenomenData(
                    gemeente=data.gemeente,
                    zaak_ref=data.melding_id,
                    aanpak=data.aanpak,
                    besluit_datum=data.genomen_op.date(),
                    contact_uiterlijk=data.contact_uiterlijk,
                    raadsonderzoek_start_uiterlijk=data.raadsonderzoek_start_uiterlijk,
                ),
                bron=Bron.NOTIFICATIE,
                tijd=uow.now,
                onderwerp=data.melding_id,
            )
        )

    @service.on_event(RegisseurToegewezen)
    async def regisseur_toegewezen(event: RegisseurToegewezen, uow: UnitOfWork) -> None:
        data = event.data
        await uow.lock(f"brief-{data.besluit_id}")
        if await uow.session.get(Regisseur, data.besluit_id) is None:
            uow.session.add(
                Regisseur(
                    besluit_id=data.besluit_id,
                    jeugdbeschermer_ref=data.jeugdbeschermer_ref,
                    toegewezen_op=data.toegewezen_op,
                )
            )
        brief = await uow.session.scalar(select(Brief).where(Brief.besluit_id == data.besluit_id))
        if brief is not None and brief.status == WACHT_OP_REGISSEUR:
            brief.regisseur_ref = data.jeugdbeschermer_ref
            _brief_gereed(brief, uow)
