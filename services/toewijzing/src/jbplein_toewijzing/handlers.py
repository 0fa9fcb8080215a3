"""What toewijzing does when a besluit arrives."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import func, select

from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import BesluitGenomen, RegisseurToegewezen, RegisseurToegewezenData
from jbplein_contracts.waarden import Taakaccent
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from .models import Gebiedsteam, Jeugdbeschermer, Toewijzing
from .toewijzing import Kandidaat, kies_regisseur


async def kandidaten(uow: UnitOfWork) -> list[Kandidaat]:
    caseload = (
        select(Toewijzing.jeugdbeschermer, func.count().label("n"))
        .where(Toewijzing.status == "actief")
        .group_by(Toewijzing.jeugdbeschermer)
        .subquery()
    )
    rows = (
        await uow.session.execute(
            select(Jeugdbeschermer, func.coalesce(caseload.c.n, 0)).outerjoin(
                caseload, caseload.c.jeugdbeschermer == Jeugdbeschermer.code
            )
        )
    ).all()
    return [
        Kandidaat(jb.code, jb.gebiedsteam, jb.taakaccent, jb.max_caseload, int(n), jb.afwezig)
        for jb, n in rows
    ]


async def teams_voor(uow: UnitOfWork, gemeente: str, wijk: str | None) -> set[str]:
    teams = (await uow.session.scalars(select(Gebiedsteam))).all()
    in_gemeente = [t for t in teams if gemeente in t.gemeenten]
    in_wijk = [t for t in in_gemeente if wijk and wijk in t.wijken]
    return {t.code for t in (in_wijk or in_gemeente)}


def register(service: Service) -> None:
    @service.on_event(BesluitGenomen)
    async def besluit_genomen(event: BesluitGenomen, uow: UnitOfWork) -> None:
        data = event.data
        if not data.aanpak.vraagt_regisseur:
            return
        if await uow.session.scalar(
            select(Toewijzing.id).where(Toewijzing.melding_id == data.melding_id)
        ):
            return
        gekozen = kies_regisseur(
            await kandidaten(uow),
            await teams_voor(uow, data.gemeente, data.wijk),
            data.taakaccent.value,
        )
        toewijzing = Toewijzing(
            id=uuid4(),
            melding_id=data.melding_id,
            besluit_id=data.besluit_id,
            gezin_ref=data.gezin_ref,
            gemeente=data.gemeente,
            aanpak=data.aanpak.value,
            taakaccent=data.taakaccent.value,
            jeugdbeschermer=gekozen.code if gekozen else None,
            status="actief" if gekozen else "wachtlijst",
            aangemaakt_op=uow.now,
            toegewezen_op=uow.now if gekozen else None,
        )
        uow.session.add(toewijzing)
        if gekozen is None:
            return
        uow.publish(
            RegisseurToegewezen.maak(
                RegisseurToegewezenData(
                    gemeente=data.gemeente,
                    toewijzing_id=toewijzing.id,
                    melding_id=data.melding_id,
                    besluit_id=data.besluit_id,
                    gezin_ref=data.gezin_ref,
                    jeugdbeschermer_ref=gekozen.code,
                    gebiedsteam=gekozen.gebiedsteam,
                    taakaccent=Taakaccent(gekozen.taakaccent),
                    continuiteit=False,
                    toegewezen_op=uow.now,
                    contact_uiterlijk=data.contact_uiterlijk,
                ),
                bron=Bron.TOEWIJZING,
                tijd=uow.now,
                onderwerp=data.melding_id,
            )
        )
