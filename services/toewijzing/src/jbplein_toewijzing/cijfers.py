"""Figures on assignment and the promises (seed 003: no waiting lists, dashboards of throughput
times): counts only, never a case or a person."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, time

from pydantic import BaseModel, Field
from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_contracts.werkdagen import AMSTERDAM
from jbplein_kit.uow import UnitOfWork

from .models import AFGESLOTEN, WACHTLIJST, Toewijzing


class Termijncijfers(BaseModel):
    verlopen: int = Field(description="Promises whose last day has passed, or that were kept.")
    gehaald: int = Field(description="Kept on or before the last day.")
    te_laat: int = Field(description="Kept, after the last day.")
    overschreden: int = Field(description="Passed without being kept.")


class Groep(BaseModel):
    zaken: int
    drang: int
    raadsonderzoek: int
    direct_toegewezen: int = Field(description="A casusregisseur in the besluit's own handling.")
    via_wachtlijst: int = Field(description="Waited for room before a casusregisseur.")
    nu_op_wachtlijst: int
    wachttijd_uren_max: float | None
    wachttijd_uren_mediaan: float | None
    continuiteit: int = Field(description="The gezin kept its casusregisseur.")
    contact: Termijncijfers
    raadsonderzoek_start: Termijncijfers
    afgesloten: dict[str, int]


class CijfersOut(BaseModel):
    van: date | None
    tot: date | None
    geen_wachtlijst: bool = Field(description="The goal of seed 003: nobody waited.")
    totaal: Groep
    per_gemeente: dict[str, Groep]


def _termijn(
    rows: list[Toewijzing], vandaag: date, uiterlijk: str, gedaan: str, overschreden: str
) -> Termijncijfers:
    gehaald = te_laat = over = 0
    for t in rows:
        dag: date | None = getattr(t, uiterlijk)
        moment: datetime | None = getattr(t, gedaan)
        if dag is None:
            continue
        if moment is not None:
            if werkdagen.lokale_dag(moment) <= dag:
                gehaald += 1
            else:
                te_laat += 1
        elif getattr(t, overschreden) or vandaag > dag:
            over += 1
    return Termijncijfers(
        verlopen=gehaald + te_laat + over, gehaald=gehaald, te_laat=te_laat, overschreden=over
    )


def groep(rows: list[Toewijzing], vandaag: date) -> Groep:
    gewacht = [t for t in rows if t.wachtlijst_sinds is not None]
    wachttijden = [
        (t.toegewezen_op - t.wachtlijst_sinds).total_seconds() / 3600
        for t in gewacht
        if t.toegewezen_op is not None and t.wachtlijst_sinds is not None
    ]
    return Groep(
        zaken=len(rows),
        drang=sum(t.aanpak == "drang" for t in rows),
        raadsonderzoek=sum(t.aanpak == "raadsonderzoek" for t in rows),
        direct_toegewezen=sum(
            t.wachtlijst_sinds is None and t.toegewezen_op is not None for t in rows
        ),
        via_wachtlijst=sum(t.toegewezen_op is not None for t in gewacht),
        nu_op_wachtlijst=sum(t.status == WACHTLIJST for t in rows),
        wachttijd_uren_max=round(max(wachttijden), 2) if wachttijden else None,
        wachttijd_uren_mediaan=round(statistics.median(wachttijden), 2) if wachttijden else None,
        continuiteit=sum(t.continuiteit for t in rows),
        contact=_termijn(rows, vandaag, "contact_uiterlijk", "contact_op", "contact_overschreden"),
        raadsonderzoek_start=_termijn(
            rows,
            vandaag,
            "raadsonderzoek_start_uiterlijk",
            "raadsonderzoek_gestart_op",
            "raadsonderzoek_overschreden",
        ),
        afgesloten=dict(
            sorted(
                Counter(
                    t.afsluitreden for t in rows if t.status == AFGESLOTEN and t.afsluitreden
                ).items()
            )
        ),
    )


async def bereken(
    uow: UnitOfWork, van: date | None, tot: date | None, gemeente: str | None
) -> CijfersOut:
    query = select(Toewijzing)
    if van is not None:
        query = query.where(Toewijzing.besluit_op >= datetime.combine(van, time(0), AMSTERDAM))
    if tot is not None:
        query = query.where(Toewijzing.besluit_op < datetime.combine(tot, time(0), AMSTERDAM))
    if gemeente is not None:
        query = query.where(Toewijzing.gemeente == gemeente)
    rows = list((await uow.session.scalars(query)).all())
    vandaag = werkdagen.lokale_dag(uow.now)
    per_gemeente: dict[str, list[Toewijzing]] = {}
    for t in rows:
        per_gemeente.setdefault(t.gemeente, []).append(t)
    totaal = groep(rows, vandaag)
    return CijfersOut(
        van=van,
        tot=tot,
        geen_wachtlijst=totaal.via_wachtlijst == 0 and totaal.nu_op_wachtlijst == 0,
        totaal=totaal,
        per_gemeente={g: groep(r, vandaag) for g, r in sorted(per_gemeente.items())},
    )
