"""Making the letters: a worker takes each letter that may be made, fetches what it needs
through the authorised APIs (the gezin's names and address from intake, the casusregisseur's
name and how to reach them from toewijzing), renders the PDF and stores it, and announces
``brief.gereed``, all within the melding's trace. When a service cannot be reached the letter
waits and is tried again with a growing delay; the plein sees why (never a lost letter)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from opentelemetry import propagate
from opentelemetry.trace import Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import BriefGereed, BriefGereedData
from jbplein_contracts.waarden import Aanpak
from jbplein_kit.dienst import DienstFout
from jbplein_kit.service import Service

from .brief import (
    BriefGegevens,
    Geadresseerde,
    Regisseur,
    Vervanging,
    Vervangreden,
    render_pdf,
)
from .models import ADRES_ONVOLLEDIG, GEREED, TE_MAKEN, Besluit, Brief
from .settings import Settings
from .vervanging import brieven_lock

log = logging.getLogger("jbplein.notificatie.brieven")

LEASE = timedelta(seconds=30)
"""How long a letter being made is left alone by other rounds (and other instances): well over
the time making one takes (two calls of at most 3 s and a render), and short enough that a
letter whose maker died is taken up again soon."""


class BriefFout(Exception):
    """The letter cannot be made now; ``reden`` is shown to the plein."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


class AdresOnvolledig(Exception):
    """The gezin's address lacks a street or a town: a letter that cannot be delivered is not
    'ready to send'. It waits, visibly, and is tried again (intake may get the address)."""

    def __init__(self, ontbreekt: tuple[str, ...]) -> None:
        super().__init__(", ".join(ontbreekt))
        self.ontbreekt = ontbreekt


BAKEN = (TE_MAKEN, ADRES_ONVOLLEDIG)
"""The states in which the worker takes a letter up."""


def geadresseerde(melding: dict[str, Any]) -> Geadresseerde:
    """Who the letter goes to, from intake's melding (``MeldingDetail``)."""
    gezin = melding["melding"]["gezin"]
    adres = gezin["adres"]
    # An unborn child has an expected date and perhaps a name already; the letter speaks of
    # 'het kind dat u verwacht' and counts it in the verbs ('uw kinderen krijgen').
    ongeboren = [k for k in gezin["kinderen"] if k.get("verwachte_geboortedatum")]
    geboren = [k for k in gezin["kinderen"] if not k.get("verwachte_geboortedatum")]
    return Geadresseerde(
        ouders=tuple(f"{o['voornaam']} {o['achternaam']}" for o in gezin.get("ouders", [])),
        kinderen=tuple(k["voornaam"] for k in geboren if k.get("voornaam")),
        ongeboren=len(ongeboren),
        postcode=adres["postcode"],
        huisnummer=adres["huisnummer"],
        straat=adres.get("straat"),
        woonplaats=adres.get("woonplaats"),
    )


async def _gegevens(
    service: Service,
    settings: Settings,
    brief: Brief,
    besluit: Besluit,
    vervangt: Vervanging | None,
) -> Any:
    if not settings.intake_url:
        raise BriefFout("JBPLEIN_INTAKE_URL is not set")
    try:
        melding = await service.diensten.haal("intake", f"/api/v1/meldingen/{brief.melding_id}")
    except DienstFout as fout:
        raise BriefFout(f"intake: {fout.reden}") from fout
    regisseur = None
    if brief.regisseur_ref is not None:
        if not settings.toewijzing_url:
            raise BriefFout("JBPLEIN_TOEWIJZING_URL is not set")
        try:
            zaak = await service.diensten.haal("toewijzing", f"/api/v1/zaken/{brief.melding_id}")
        except DienstFout as fout:
            raise BriefFout(f"toewijzing: {fout.reden}") from fout
        gegevens = zaak.get("regisseur")
        if not gegevens:
            raise BriefFout("toewijzing: the case has no casusregisseur now")
        regisseur = Regisseur(
            naam=gegevens["naam"], telefoon=gegevens.get("telefoon"), email=gegevens.get("email")
        )
    gemeente = service.gemeenten.get(brief.gemeente)
    if gemeente is None:
        raise BriefFout(f"gemeente {brief.gemeente} is not configured")
    aanpak = Aanpak(brief.variant)
    try:
        wie = geadresseerde(melding)
    except (ValidationError, KeyError) as fout:  # never echo the input: it is personal data
        raise BriefFout(f"the letter's data do not fit ({type(fout).__name__})") from None
    if wie.ontbreekt:
        raise AdresOnvolledig(wie.ontbreekt)
    try:
        return melding["referentie"], BriefGegevens(
            variant=aanpak,
            gemeente=gemeente,
            geadresseerde=wie,
            briefdatum=werkdagen.lokale_dag(service.clock.now()),
            besluitdatum=werkdagen.lokale_dag(besluit.genomen_op),
            referentie=melding["referentie"],
            contact_uiterlijk=besluit.contact_uiterlijk if aanpak.vraagt_regisseur else None,
            raadsonderzoek_start_uiterlijk=(
                besluit.raadsonderzoek_start_uiterlijk if aanpak is Aanpak.RAADSONDERZOEK else None
            ),
            regisseur=regisseur,
            vervangt=vervangt,
        )
    except (ValidationError, KeyError) as fout:  # never echo the input: it is personal data
        raise BriefFout(f"the letter's data do not fit ({type(fout).__name__})") from None


async def _vervanging(session: AsyncSession, brief: Brief) -> Vervanging | None:
    """What the letter says of the posted letter it replaces, if it replaces one."""
    if brief.vervangt_brief_id is None or brief.vervangt_verzonden_op is None:
        return None
    oud = await session.get(Brief, brief.vervangt_brief_id)
    return Vervanging(
        verzonden_op=werkdagen.lokale_dag(brief.vervangt_verzonden_op),
        vorige_variant=Aanpak(brief.vervangt_variant) if brief.vervangt_variant else None,
        reden=(
            Vervangreden.CORRECTIE
            if oud is None or oud.melding_id == brief.melding_id
            else Vervangreden.NIEUWE_BESPREKING
        ),
    )


def wachttijd(settings: Settings, pogingen: int) -> timedelta:
    stappen = settings.brief_backoff_seconden or (60.0,)
    return timedelta(seconds=stappen[min(max(pogingen, 1) - 1, len(stappen) - 1)])


async def _claim(service: Service) -> tuple[UUID, dict[str, str]] | None:
    """One letter that may be made now, leased so that no other round takes it meanwhile."""
    async with service.unit_of_work() as uow:
        query = (
            select(Brief)
            .where(Brief.status.in_(BAKEN), Brief.volgende_poging_op <= uow.now)
            .order_by(Brief.volgende_poging_op)
            .limit(1)
        )
        if uow.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        brief = await uow.session.scalar(query)
        if brief is None:
            return None
        brief.volgende_poging_op = uow.now + LEASE
        return brief.id, dict(brief.trace_context)


async def maak_een(service: Service, settings: Settings) -> int:
    """Make one letter that is due; returns 1 when one was handled (made or postponed)."""
    claim = await _claim(service)
    if claim is None:
        return 0
    brief_id, trace_context = claim
    with service.tracer.start_as_current_span(
        "brief maken",
        context=propagate.extract(trace_context),
        attributes={"jbplein.brief_id": str(brief_id)},
    ) as span:
        async with service.unit_of_work() as uow:
            brief = await uow.session.get(Brief, brief_id)
            besluit = await uow.session.get(Besluit, brief.besluit_id) if brief else None
            vervangt = await _vervanging(uow.session, brief) if brief else None
        if brief is None:
            return 1
        if besluit is None:  # a letter from before besluiten were kept: it cannot be made
            async with service.unit_of_work() as uow:
                brief = await uow.session.get(Brief, brief_id)
                if brief is not None:
                    brief.pogingen += 1
                    brief.laatste_fout = "the besluit of this letter is unknown here"
                    brief.volgende_poging_op = uow.now + wachttijd(settings, brief.pogingen)
            return 1
        span.set_attribute("jbplein.melding_id", str(brief.melding_id))
        span.set_attribute("jbplein.brief.variant", brief.variant)
        try:
            referentie, gegevens = await _gegevens(service, settings, brief, besluit, vervangt)
            pdf = render_pdf(gegevens)
        except AdresOnvolledig as fout:
            span.set_attribute("jbplein.brief.adres_onvolledig", True)
            async with service.unit_of_work() as uow:
                await uow.lock(brieven_lock(brief.melding_id))
                brief = await uow.session.get(Brief, brief_id, populate_existing=True)
                if brief is not None and brief.status in BAKEN:
                    brief.pogingen += 1
                    brief.status = ADRES_ONVOLLEDIG
                    brief.adres_ontbreekt = ", ".join(fout.ontbreekt)
                    brief.laatste_fout = None
                    brief.volgende_poging_op = uow.now + wachttijd(settings, brief.pogingen)
            log.warning("letter %s waits: the address is incomplete", brief_id)
            return 1
        except BriefFout as fout:
            span.set_status(Status(StatusCode.ERROR, "brief kan nog niet gemaakt worden"))
            async with service.unit_of_work() as uow:
                brief = await uow.session.get(Brief, brief_id)
                if brief is not None and brief.status in BAKEN:
                    brief.pogingen += 1
                    brief.laatste_fout = fout.reden[:200]
                    brief.volgende_poging_op = uow.now + wachttijd(settings, brief.pogingen)
            log.warning("letter %s not made yet: %s", brief_id, fout.reden)
            return 1
        async with service.unit_of_work() as uow:
            # A maker that outlived its lease may be finishing the same letter: one wins.
            await uow.lock(f"brief-maken-{brief_id}")
            await uow.lock(brieven_lock(brief.melding_id))
            brief = await uow.session.get(Brief, brief_id, populate_existing=True)
            if brief is None or brief.status not in BAKEN:  # withdrawn meanwhile, or made
                return 1
            brief.pogingen += 1
            brief.pdf = pdf
            brief.referentie = referentie
            brief.status = GEREED
            brief.gereed_op = uow.now
            brief.laatste_fout = None
            brief.adres_ontbreekt = None
            brief.volgende_poging_op = None
            uow.publish(
                BriefGereed.maak(
                    BriefGereedData(
                        gemeente=brief.gemeente,
                        brief_id=brief.id,
                        melding_id=brief.melding_id,
                        besluit_id=brief.besluit_id,
                        variant=Aanpak(brief.variant),
                        met_regisseur=gegevens.regisseur is not None,
                        gereed_op=uow.now,
                        vervangt_brief_id=brief.vervangt_brief_id,
                    ),
                    bron=Bron.NOTIFICATIE,
                    tijd=uow.now,
                    onderwerp=brief.melding_id,
                    dataref=f"{settings.base_url()}/api/v1/brieven/{brief.id}",
                )
            )
    return 1
