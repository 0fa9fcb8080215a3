"""The ondersteuner's screens: register a melding received by phone or e-mail, and look at
meldingen. Same validation and same result as the partner API."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from jbplein_kit.auth import STAF, Actor, OrganisatieSoort, Rol
from jbplein_kit.problems import Problem
from jbplein_kit.screens import render, requires_screen, verify_csrf
from jbplein_kit.service import Service, ServiceDep, client_address

from .api import zoek_meldingen
from .formulier import fouten_uit_probleem, fouten_uit_validatie, uit_formulier
from .models import Melding
from .registratie import Kanaal, registreer
from .schemas import MeldingIn, MeldingStatus

router = APIRouter(include_in_schema=False)

Ondersteuner = Annotated[Actor, Depends(requires_screen(Rol.ONDERSTEUNER))]
Staf = Annotated[Actor, Depends(requires_screen(*STAF))]

AANTAL_KINDEREN = 5
AANTAL_OUDERS = 2
AANTAL_HULP = 2


def _keuzes(service: Service) -> dict[str, object]:
    melders = [
        o for o in service.accounts.organisaties.values() if o.soort is not OrganisatieSoort.PLEIN
    ]
    return {
        "gemeenten": sorted(service.gemeenten.values(), key=lambda g: g.naam),
        "melders": sorted(melders, key=lambda o: o.naam),
        "kinderen": range(AANTAL_KINDEREN),
        "ouders": range(AANTAL_OUDERS),
        "hulp": range(AANTAL_HULP),
    }


@router.get("/meldingen/nieuw")
async def formulier(request: Request, service: ServiceDep, actor: Ondersteuner) -> Response:
    return render(request, "melding_nieuw.html", {"waarden": {}, "fouten": {}, **_keuzes(service)})


@router.post("/meldingen/nieuw")
async def registreren(
    request: Request,
    service: ServiceDep,
    actor: Ondersteuner,
    _csrf: Annotated[None, Depends(verify_csrf)],
) -> Response:
    form = await request.form()
    velden = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    waarden: dict[str, object] = {k: v for k, v in velden if k != "zorgen.soorten"}
    waarden["zorgen.soorten"] = [v for k, v in velden if k == "zorgen.soorten"]
    fouten: dict[str, str] = {}
    melder = str(form.get("melder_organisatie", ""))
    kanaal = str(form.get("kanaal", ""))
    organisatie = service.accounts.organisaties.get(melder)
    if organisatie is None or organisatie.soort is OrganisatieSoort.PLEIN:
        fouten["melder_organisatie"] = "Kies de organisatie van de melder."
    if kanaal not in (Kanaal.TELEFOON, Kanaal.EMAIL):
        fouten["kanaal"] = "Kies telefoon of e-mail."
    data, rijen = uit_formulier(velden)
    melding_in: MeldingIn | None = None
    try:
        melding_in = MeldingIn.model_validate(data)
    except ValidationError as fout:
        fouten.update(fouten_uit_validatie(fout, rijen))
    if melding_in is not None and not fouten:
        try:
            async with service.unit_of_work() as uow:
                melding = await registreer(
                    service,
                    uow,
                    melding_in,
                    melder_organisatie=melder,
                    actor=actor,
                    kanaal=Kanaal(kanaal),
                    bron_adres=client_address(request),
                )
        except Problem as probleem:
            if probleem.status != 400:
                raise
            fouten.update(fouten_uit_probleem(probleem.invalid_params, rijen))
        else:
            return RedirectResponse(f"/meldingen/{melding.id}?nieuw=1", status_code=303)
    return render(
        request,
        "melding_nieuw.html",
        {"waarden": waarden, "fouten": fouten, **_keuzes(service)},
        status_code=400,
    )


@router.get("/meldingen/{melding_id}")
async def melding(
    melding_id: UUID, request: Request, service: ServiceDep, actor: Staf, nieuw: int = 0
) -> Response:
    async with service.unit_of_work() as uow:
        gevonden = await uow.session.get(Melding, melding_id)
        uow.audit(
            actor,
            "melding.lezen" if gevonden else "melding.lezen.geweigerd",
            str(melding_id),
            client_address(request),
        )
    if gevonden is None:
        return render(
            request,
            "fout.html",
            {"titel": "Melding niet gevonden", "tekst": "Deze melding bestaat niet."},
            status_code=404,
        )
    return render(
        request,
        "melding.html",
        {
            "m": gevonden,
            "inhoud": MeldingIn.model_validate(gevonden.gegevens),
            "nieuw": bool(nieuw),
            "gemeente": service.gemeenten.get(gevonden.gemeente),
            "melder": service.accounts.organisaties.get(gevonden.melder_organisatie),
        },
    )


@router.get("/meldingen")
async def lijst(
    request: Request,
    service: ServiceDep,
    actor: Staf,
    status: MeldingStatus | None = None,
    gemeente: str | None = None,
) -> Response:
    gemeente = gemeente if gemeente in service.gemeenten else None
    async with service.unit_of_work() as uow:
        rows, totaal = await zoek_meldingen(
            uow.session, status=status, gemeente=gemeente, limit=100
        )
        for row in rows:
            uow.audit(actor, "melding.lijst", str(row.id), client_address(request))
    return render(
        request,
        "meldingen.html",
        {
            "meldingen": rows,
            "totaal": totaal,
            "status": status,
            "gemeente": gemeente,
            "statussen": list(MeldingStatus),
            "gemeenten": sorted(service.gemeenten.values(), key=lambda g: g.naam),
        },
    )
