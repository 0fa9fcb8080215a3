"""The plein's own screens at the tafel (Dutch): today's agenda, a melding at the table with the
besluit form, the deadline board. Server-rendered; the same use cases as the API."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from jbplein_contracts import werkdagen
from jbplein_contracts.waarden import Aanpak, Taakaccent, Urgentie
from jbplein_kit.auth import STAF, Actor, OrganisatieSoort, Rol
from jbplein_kit.problems import Problem, validation_problem
from jbplein_kit.screens import render, requires_screen, verify_csrf
from jbplein_kit.service import Service, ServiceDep, client_address
from jbplein_kit.weergave import datum_uit_invoer

from . import agenda, besluiten, overzicht
from .api import instellingen
from .besluiten import AanhoudingIn, BesluitIn, CorrectieIn
from .models import TafelMelding

router = APIRouter(include_in_schema=False)

Staf = Annotated[Actor, Depends(requires_screen(*STAF))]
Voorbereiding = Annotated[Actor, Depends(requires_screen(Rol.ONDERSTEUNER, Rol.BEHEER))]
Tafel = Annotated[Actor, Depends(requires_screen(Rol.ONDERSTEUNER, Rol.VOORZITTER))]
Voorzitter = Annotated[Actor, Depends(requires_screen(Rol.VOORZITTER))]
Csrf = Annotated[None, Depends(verify_csrf)]

AANPAK = {
    Aanpak.VRIJWILLIG: "Vrijwillig: de bestaande hulp gaat door",
    Aanpak.DRANG: "Drang: een casusregisseur, ouders dringend geadviseerd mee te werken",
    Aanpak.RAADSONDERZOEK: "Raadsonderzoek: verzoek tot onderzoek aan de Raad (VTO)",
}


def _lijsten(service: Service) -> dict[str, Any]:
    organisaties = sorted(service.accounts.organisaties.values(), key=lambda o: o.naam)
    voorzitters = sorted(
        a for a, acc in service.accounts.accounts.items() if Rol.VOORZITTER in acc.rollen
    )
    return {
        "organisaties": organisaties,
        "partners": [o for o in organisaties if o.soort is not OrganisatieSoort.PLEIN],
        "voorzitters": voorzitters,
        "aanpakken": AANPAK,
        "urgenties": list(Urgentie),
        "taakaccenten": list(Taakaccent),
        "gemeenten": service.gemeenten,
    }


@router.get("/agenda")
async def agenda_scherm(
    request: Request, service: ServiceDep, actor: Staf, datum: date | None = None
) -> Response:
    vandaag = werkdagen.lokale_dag(service.clock.now())
    dag = datum or vandaag
    async with service.unit_of_work() as uow:
        await agenda.zorg_voor_sessies(service, instellingen(service), uow)
        sessies = await overzicht.agenda_van(uow, dag)
        volgende = await overzicht.volgende_sessiedag(uow, dag + timedelta(days=1))
        for s in sessies:
            for r in s.regels:
                uow.audit(actor, "agenda.lezen", str(r.melding.id), client_address(request))
    return render(
        request,
        "agenda.html",
        {
            "dag": dag,
            "vandaag": vandaag,
            "sessies": sessies,
            "volgende": volgende,
            "vorige": dag - timedelta(days=1),
            "feestdag": service.kalender.feestdag(dag),
            "mag_voorbereiden": actor.heeft(Rol.ONDERSTEUNER, Rol.BEHEER),
            **_lijsten(service),
        },
    )


def _fouten(probleem: Problem) -> dict[str, str]:
    return {p["name"]: p["reason"] for p in probleem.invalid_params} or {"": probleem.detail or ""}


async def _melding_scherm(
    request: Request,
    service: ServiceDep,
    actor: Actor,
    melding_id: UUID,
    fouten: dict[str, str] | None = None,
    waarden: dict[str, Any] | None = None,
    status_code: int = 200,
    vastgelegd: bool = False,
) -> Response:
    async with service.unit_of_work() as uow:
        d = await overzicht.dossier(uow, melding_id)
        uow.audit(
            actor,
            "melding.lezen" if d else "melding.lezen.geweigerd",
            str(melding_id),
            client_address(request),
        )
    if d is None:
        return render(
            request,
            "fout.html",
            {
                "titel": "Melding niet gevonden",
                "tekst": "Deze melding is niet bij de tafel bekend.",
            },
            status_code=404,
        )
    # From intake at its configured URL, never at the event's dataref (issue 11: a dataref
    # pointing elsewhere received the tafel's credential).
    details = await service.diensten.haal_op("intake", f"/api/v1/meldingen/{melding_id}")
    if details is not None and not isinstance(details.get("melding"), dict):
        details = None  # not a melding: show what the tafel has
    return render(
        request,
        "melding.html",
        {
            "d": d,
            "details": details,
            "fouten": fouten or {},
            "waarden": waarden or {},
            "is_voorzitter": actor.heeft(Rol.VOORZITTER),
            "mag_vastleggen": actor.heeft(Rol.ONDERSTEUNER, Rol.VOORZITTER),
            "vastgelegd": vastgelegd,
            **_lijsten(service),
        },
        status_code=status_code,
    )


@router.get("/meldingen/{melding_id}")
async def melding_scherm(
    melding_id: UUID, request: Request, service: ServiceDep, actor: Staf, vastgelegd: int = 0
) -> Response:
    return await _melding_scherm(request, service, actor, melding_id, vastgelegd=vastgelegd == 1)


def _besluit_uit_formulier(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "aanpak": form.get("aanpak"),
        "urgentie": form.get("urgentie") or Urgentie.REGULIER.value,
        "taakaccent": form.get("taakaccent") or Taakaccent.CIVIEL.value,
        "casusregie": form.get("casusregie"),
        "jeugdbeschermingsteam": form.getlist("jeugdbeschermingsteam"),
        "aanwezigen": form.getlist("aanwezigen"),
        "overige_aanwezigen": form.get("overige_aanwezigen") or None,
        "notulen": (form.get("notulen") or "").strip(),
        "voorzitter": form.get("voorzitter") or None,
    }
    if form.get("reden") is not None:
        data["reden"] = (form.get("reden") or "").strip()
    return data


async def _vastleggen(
    melding_id: UUID, request: Request, service: Service, actor: Actor, correctie: bool
) -> Response:
    form = await request.form()
    data = _besluit_uit_formulier(form)
    try:
        invoer = (CorrectieIn if correctie else BesluitIn).model_validate(data)
        async with service.unit_of_work() as uow:
            melding = await uow.session.get(TafelMelding, melding_id)
            if melding is None:
                raise Problem(404, "Deze melding is niet bij de tafel bekend.")
            if correctie:
                assert isinstance(invoer, CorrectieIn)
                await besluiten.corrigeer_besluit(
                    service, uow, melding, invoer, actor, client_address(request)
                )
            else:
                await besluiten.neem_besluit(
                    service, uow, melding, invoer, actor, client_address(request)
                )
    except ValidationError as fout:
        return await _melding_scherm(
            request,
            service,
            actor,
            melding_id,
            _fouten(validation_problem(fout.errors())),
            data,
            400,
        )
    except Problem as probleem:
        if probleem.status not in (400, 409):
            raise
        return await _melding_scherm(
            request, service, actor, melding_id, _fouten(probleem), data, probleem.status
        )
    # the confirmation is shown on the melding (post/redirect/get: a reload records nothing)
    return RedirectResponse(f"/meldingen/{melding_id}?vastgelegd=1", status_code=303)


@router.post("/meldingen/{melding_id}/besluit")
async def besluit_vastleggen(
    melding_id: UUID, request: Request, service: ServiceDep, actor: Tafel, _csrf: Csrf
) -> Response:
    return await _vastleggen(melding_id, request, service, actor, correctie=False)


@router.post("/meldingen/{melding_id}/correctie")
async def besluit_corrigeren(
    melding_id: UUID, request: Request, service: ServiceDep, actor: Voorzitter, _csrf: Csrf
) -> Response:
    return await _vastleggen(melding_id, request, service, actor, correctie=True)


@router.post("/meldingen/{melding_id}/aanhouden")
async def aanhouden(
    melding_id: UUID, request: Request, service: ServiceDep, actor: Tafel, _csrf: Csrf
) -> Response:
    form = await request.form()
    try:
        invoer = AanhoudingIn(reden=str(form.get("reden") or "").strip())
        async with service.unit_of_work() as uow:
            melding = await uow.session.get(TafelMelding, melding_id)
            if melding is None:
                raise Problem(404, "Deze melding is niet bij de tafel bekend.")
            await besluiten.houd_aan(
                service, instellingen(service), uow, melding, invoer, actor, client_address(request)
            )
    except ValidationError:
        return await _melding_scherm(
            request,
            service,
            actor,
            melding_id,
            {"reden": "Geef de reden van aanhouden."},
            None,
            400,
        )
    except Problem as probleem:
        if probleem.status not in (400, 409):
            raise
        return await _melding_scherm(
            request, service, actor, melding_id, _fouten(probleem), None, probleem.status
        )
    return RedirectResponse(f"/meldingen/{melding_id}", status_code=303)


@router.post("/sessies/{sessie_id}/annuleren")
async def sessie_annuleren(
    sessie_id: UUID, request: Request, service: ServiceDep, actor: Voorbereiding, _csrf: Csrf
) -> Response:
    form = await request.form()
    reden = str(form.get("reden") or "").strip()[:500] or "geen reden opgegeven"
    async with service.unit_of_work() as uow:
        sessie = await agenda.annuleer_sessie(
            service, instellingen(service), uow, sessie_id, reden, actor.id
        )
    return RedirectResponse(f"/agenda?datum={sessie.datum.isoformat()}", status_code=303)


@router.post("/sessies/{sessie_id}/capaciteit")
async def sessie_capaciteit(
    sessie_id: UUID, request: Request, service: ServiceDep, actor: Voorbereiding, _csrf: Csrf
) -> Response:
    form = await request.form()
    try:
        capaciteit = max(1, min(200, int(str(form.get("capaciteit")))))
    except ValueError:
        capaciteit = instellingen(service).sessie_capaciteit
    async with service.unit_of_work() as uow:
        sessie = await agenda.wijzig_capaciteit(
            service, instellingen(service), uow, sessie_id, capaciteit, actor.id
        )
    return RedirectResponse(f"/agenda?datum={sessie.datum.isoformat()}", status_code=303)


@router.post("/sessies")
async def sessie_toevoegen(
    request: Request, service: ServiceDep, actor: Voorbereiding, _csrf: Csrf
) -> Response:
    form = await request.form()
    try:
        dag = date.fromisoformat(datum_uit_invoer(str(form.get("datum"))))
        begin = time.fromisoformat(str(form.get("begin") or "10:00"))
        einde = time.fromisoformat(str(form.get("einde") or "12:00"))
        capaciteit = int(str(form.get("capaciteit") or instellingen(service).sessie_capaciteit))
        async with service.unit_of_work() as uow:
            await agenda.extra_sessie(
                service,
                instellingen(service),
                uow,
                dag,
                begin,
                einde,
                max(1, min(200, capaciteit)),
                actor.id,
            )
    except (ValueError, Problem):
        return render(
            request,
            "fout.html",
            {
                "titel": "Extra sessie niet toegevoegd",
                "tekst": "Kies een datum en tijden in de toekomst, een einde na het begin, "
                "en een moment waarop nog geen sessie is.",
            },
            status_code=400,
        )
    return RedirectResponse(f"/agenda?datum={dag.isoformat()}", status_code=303)


@router.get("/termijnen")
async def termijnen_scherm(request: Request, service: ServiceDep, actor: Staf) -> Response:
    async with service.unit_of_work() as uow:
        bord = await overzicht.termijnbord(service, uow)
        for regel in [*bord.overschreden, *bord.in_gevaar, *bord.vandaag]:
            uow.audit(actor, "termijnen.lezen", str(regel.melding.id), client_address(request))
    return render(
        request,
        "termijnen.html",
        {"bord": bord, "vandaag": werkdagen.lokale_dag(service.clock.now()), **_lijsten(service)},
    )
