"""The plein's screens for letters and deliveries (Dutch): the letters with their state, one
letter to download and mark posted, and the webhook deliveries that need attention."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from jbplein_kit.auth import STAF, Actor, Rol
from jbplein_kit.dienst import DienstFout
from jbplein_kit.problems import Problem
from jbplein_kit.screens import render, requires_screen, verify_csrf
from jbplein_kit.service import Service, ServiceDep, client_address

from .api import (
    brief_van,
    instellingen,
    levering_van,
    lijst_brieven,
    lijst_leveringen,
    markeer_verzonden,
    opnieuw_versturen,
)
from .models import MISLUKT, TE_BEZORGEN

router = APIRouter(include_in_schema=False)

Staf = Annotated[Actor, Depends(requires_screen(*STAF))]
Verzending = Annotated[Actor, Depends(requires_screen(Rol.ONDERSTEUNER, Rol.BEHEER))]
Csrf = Annotated[None, Depends(verify_csrf)]

STATUS = {
    "wacht_op_regisseur": "wacht op casusregisseur",
    "te_maken": "wordt gemaakt",
    "adres_onvolledig": "adres onvolledig",
    "gereed": "gereed om te versturen",
    "verzonden": "verzonden",
    "ingetrokken": "ingetrokken",
}
VARIANT = {
    "vrijwillig": "vrijwillige hulp gaat door",
    "drang": "casusregisseur (drang)",
    "raadsonderzoek": "onderzoek door de Raad",
}


@router.get("/brieven")
async def brieven_scherm(
    request: Request, service: ServiceDep, actor: Staf, status: str | None = None
) -> Response:
    gekozen = status if status in STATUS else None
    async with service.unit_of_work() as uow:
        rows = await lijst_brieven(uow, None, gekozen)
        for row in rows:
            uow.audit(actor, "brief.lezen", str(row.melding_id), client_address(request))
    return render(
        request,
        "brieven.html",
        {"brieven": rows, "status": gekozen, "statussen": STATUS, "varianten": VARIANT},
    )


async def regisseur_naam(service: Service, melding_id: UUID, code: str | None) -> str | None:
    """The casusregisseur's name (staff see names, not codes), from toewijzing with the
    service's own credential; None when it cannot be had or the case has moved on to
    someone else since the letter."""
    if code is None or not service.settings.toewijzing_url:
        return None
    try:
        zaak = await service.diensten.haal("toewijzing", f"/api/v1/zaken/{melding_id}")
    except DienstFout:
        return None
    regisseur = zaak.get("regisseur") or {}
    return str(regisseur["naam"]) if regisseur.get("code") == code else None


@router.get("/brieven/{brief_id}")
async def brief_scherm(
    brief_id: UUID, request: Request, service: ServiceDep, actor: Staf
) -> Response:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id)
        uow.audit(actor, "brief.lezen", str(brief.melding_id), client_address(request))
    return render(
        request,
        "brief.html",
        {
            "b": brief,
            "regisseur": await regisseur_naam(service, brief.melding_id, brief.regisseur_ref),
            "statussen": STATUS,
            "varianten": VARIANT,
            "mag_verzenden": actor.heeft(Rol.ONDERSTEUNER, Rol.BEHEER),
        },
    )


@router.get("/brieven/{brief_id}/pdf")
async def brief_pdf_scherm(
    brief_id: UUID, request: Request, service: ServiceDep, actor: Staf
) -> Response:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id, met_pdf=True)
        if brief.pdf is None:
            raise Problem(409, "Deze brief is nog niet gemaakt.")
        uow.audit(actor, "brief.downloaden", str(brief.melding_id), client_address(request))
        pdf, naam = brief.pdf, f"brief-{brief.referentie or brief.id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{naam}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/brieven/{brief_id}/verzonden")
async def brief_verzonden_scherm(
    brief_id: UUID, request: Request, service: ServiceDep, actor: Verzending, _csrf: Csrf
) -> Response:
    async with service.unit_of_work() as uow:
        brief = await brief_van(uow, brief_id)
        await markeer_verzonden(uow, brief, actor, client_address(request))
    return RedirectResponse(f"/brieven/{brief_id}", status_code=303)


@router.get("/leveringen")
async def leveringen_scherm(request: Request, service: ServiceDep, actor: Verzending) -> Response:
    async with service.unit_of_work() as uow:
        mislukt = await lijst_leveringen(uow, actor, MISLUKT)
        bezig = await lijst_leveringen(uow, actor, TE_BEZORGEN)
    return render(request, "leveringen.html", {"mislukt": mislukt, "bezig": bezig})


@router.post("/leveringen/{levering_id}/opnieuw")
async def levering_opnieuw_scherm(
    levering_id: UUID, request: Request, service: ServiceDep, actor: Verzending, _csrf: Csrf
) -> Response:
    venster = timedelta(seconds=instellingen(service).webhook_opgeven_na_seconden)
    async with service.unit_of_work() as uow:
        levering, abonnement = await levering_van(uow, actor, levering_id)
        if not abonnement.actief:
            raise Problem(409, "Dit abonnement staat uit.")
        await opnieuw_versturen(uow, levering, venster)
    return RedirectResponse("/leveringen", status_code=303)
