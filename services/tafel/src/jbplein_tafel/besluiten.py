"""The besluit at the tafel: fix it, correct it, or defer the melding (aanhouden)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from uuid import uuid4

from opentelemetry import propagate, trace
from opentelemetry.trace import Link
from pydantic import Field
from sqlalchemy import select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    RaadsonderzoekGevraagd,
    RaadsonderzoekGevraagdData,
)
from jbplein_contracts.waarden import (
    CONTACT_WERKDAGEN,
    RAADSONDERZOEK_START_WERKDAGEN,
    Aanpak,
    OrganisatieCode,
    Taakaccent,
    Urgentie,
)
from jbplein_kit.auth import Actor, Rol
from jbplein_kit.invoer import Invoer
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import Service
from jbplein_kit.uow import UnitOfWork

from . import agenda
from .models import BESLOTEN, OPEN, Aanhouding, AgendaItem, Besluit, Sessie, TafelMelding
from .settings import Settings


class BesluitIn(Invoer):
    """What the tafel decides on a melding."""

    aanpak: Aanpak
    urgentie: Urgentie = Urgentie.REGULIER
    taakaccent: Taakaccent = Field(
        default=Taakaccent.CIVIEL, description="What the casusregisseur's work calls for."
    )
    casusregie: OrganisatieCode = Field(description="The organisation that holds the casusregie.")
    jeugdbeschermingsteam: list[OrganisatieCode] = Field(
        default_factory=list, max_length=20, description="Institutions in the team."
    )
    aanwezigen: list[OrganisatieCode] = Field(
        default_factory=list, max_length=30, description="Organisations present at the tafel."
    )
    overige_aanwezigen: str | None = Field(default=None, max_length=500)
    notulen: str = Field(
        min_length=1,
        max_length=20000,
        description="The main points of the judgement and the decision.",
    )
    voorzitter: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$",
        description="Account of the voorzitter who fixed it; the caller when a voorzitter.",
    )


class CorrectieIn(BesluitIn):
    reden: str = Field(min_length=1, max_length=1000, description="Why the besluit is corrected.")


class AanhoudingIn(Invoer):
    reden: str = Field(min_length=1, max_length=1000)


def _voorzitter(service: Service, actor: Actor, gekozen: str | None) -> str:
    if gekozen is None:
        if actor.heeft(Rol.VOORZITTER):
            return actor.id
        raise Problem(
            400,
            "Name the voorzitter who fixed the besluit.",
            invalid_params=[
                invalid_param(
                    "voorzitter", "is required when an ondersteuner records the besluit", "missing"
                )
            ],
        )
    account = service.accounts.accounts.get(gekozen)
    if account is None or Rol.VOORZITTER not in account.rollen:
        raise Problem(
            400,
            "The named voorzitter is not a voorzitter of the plein.",
            invalid_params=[invalid_param("voorzitter", "is not a voorzitter", "unknown")],
        )
    return gekozen


def _organisaties(service: Service, besluit: BesluitIn) -> None:
    problemen = []
    bekend = service.accounts.organisaties
    if besluit.casusregie not in bekend:
        problemen.append(invalid_param("casusregie", "is not a known organisation", "unknown"))
    for veld in ("jeugdbeschermingsteam", "aanwezigen"):
        for i, code in enumerate(getattr(besluit, veld)):
            if code not in bekend:
                problemen.append(
                    invalid_param(f"{veld}[{i}]", "is not a known organisation", "unknown")
                )
    if problemen:
        raise Problem(400, "The besluit names unknown organisations.", invalid_params=problemen)


@contextmanager
def in_spoor_van(service: Service, melding: TafelMelding, naam: str) -> Iterator[None]:
    """A span in the melding's own trace, linked to the request that caused it: one melding is
    one trace, also when people act on it days later."""
    aanleiding = trace.get_current_span().get_span_context()
    with service.tracer.start_as_current_span(
        naam,
        context=propagate.extract(melding.trace_context),
        links=[Link(aanleiding)] if aanleiding.is_valid else None,
        attributes={"jbplein.melding_id": str(melding.id)},
    ):
        yield


def gezin_lock(gezin_ref: object) -> str:
    """Besluiten about one gezin's meldingen, and the news that its case closed, one at a time."""
    return f"gezin-{gezin_ref}"


async def raad_gevraagd_voor_gezin(uow: UnitOfWork, melding: TafelMelding) -> Besluit | None:
    """One gezin, one case: does a raadsonderzoek the Raad was asked for (VTO) still run for
    another melding of this gezin whose case is open? It does when one of those meldingen'
    current besluiten is raadsonderzoek and one of their besluiten (any version) asked the
    Raad: a raadsonderzoek that joined the case keeps the VTO going after the besluit that
    asked is corrected (toewijzing keeps the case's raadsonderzoek then). A raadsonderzoek
    besluit on this melding then joins that investigation and asks no second time. Returns the
    besluit that asked (the latest), or None. Holds the gezin's lock until the besluit
    commits, so two besluiten about one gezin at once cannot both ask."""
    await uow.lock(gezin_lock(melding.gezin_ref))
    besluiten = (
        await uow.session.scalars(
            select(Besluit)
            .join(TafelMelding, TafelMelding.id == Besluit.melding_id)
            .where(
                TafelMelding.gezin_ref == melding.gezin_ref,
                TafelMelding.id != melding.id,
                TafelMelding.zaak_afgesloten_op.is_(None),
            )
        )
    ).all()
    huidig: dict[object, Besluit] = {}
    for b in besluiten:
        if b.melding_id not in huidig or b.versie > huidig[b.melding_id].versie:
            huidig[b.melding_id] = b
    if not any(b.aanpak == Aanpak.RAADSONDERZOEK.value for b in huidig.values()):
        return None
    return max((b for b in besluiten if b.vto), key=lambda b: b.genomen_op, default=None)


async def huidig_besluit(uow: UnitOfWork, melding: TafelMelding) -> Besluit | None:
    return (
        await uow.session.scalars(
            select(Besluit)
            .where(Besluit.melding_id == melding.id)
            .order_by(Besluit.versie.desc())
            .limit(1)
        )
    ).first()


def _publiceer(
    service: Service,
    uow: UnitOfWork,
    melding: TafelMelding,
    besluit: Besluit,
    invoer: BesluitIn,
    lopend: Besluit | None = None,
) -> None:
    """``lopend``: the besluit whose VTO the gezin's running raadsonderzoek answers; a
    raadsonderzoek that joins it names that Raad and start deadline (no second VTO), so the
    event reads as any raadsonderzoek's and tells nobody another organisation's melding
    asked."""
    contact = (
        werkdagen.termijn(besluit.genomen_op, CONTACT_WERKDAGEN, service.kalender)
        if invoer.aanpak.vraagt_regisseur
        else None
    )
    start: date | None = None
    raad: str | None = None
    if besluit.vto:
        start = werkdagen.termijn(
            besluit.genomen_op, RAADSONDERZOEK_START_WERKDAGEN, service.kalender
        )
        raad = service.accounts.raad_voor(invoer.jeugdbeschermingsteam)
    elif invoer.aanpak is Aanpak.RAADSONDERZOEK and lopend is not None:
        start = werkdagen.termijn(
            lopend.genomen_op, RAADSONDERZOEK_START_WERKDAGEN, service.kalender
        )
        raad = service.accounts.raad_voor(lopend.jeugdbeschermingsteam)
    uow.publish(
        BesluitGenomen.maak(
            BesluitGenomenData(
                gemeente=melding.gemeente,
                besluit_id=besluit.id,
                melding_id=melding.id,
                gezin_ref=melding.gezin_ref,
                versie=besluit.versie,
                vorige_besluit_id=besluit.vorige_id,
                sessie_id=besluit.sessie_id,
                wijk=melding.wijk,
                postcodegebied=melding.postcodegebied,
                melder_organisatie=melding.melder_organisatie,
                aanpak=invoer.aanpak,
                urgentie=invoer.urgentie,
                taakaccent=invoer.taakaccent,
                casusregie=invoer.casusregie,
                jeugdbeschermingsteam=list(invoer.jeugdbeschermingsteam),
                vto=besluit.vto,
                genomen_op=besluit.genomen_op,
                contact_uiterlijk=contact,
                raadsonderzoek_start_uiterlijk=start,
                raad=raad,
            ),
            bron=Bron.TAFEL,
            tijd=uow.now,
            onderwerp=melding.id,
            dataref=f"{service.settings.base_url()}/api/v1/besluiten/{besluit.id}",
        )
    )
    if besluit.vto and start is not None:
        uow.publish(
            RaadsonderzoekGevraagd.maak(
                RaadsonderzoekGevraagdData(
                    gemeente=melding.gemeente,
                    melding_id=melding.id,
                    besluit_id=besluit.id,
                    gevraagd_op=besluit.genomen_op,
                    start_uiterlijk=start,
                ),
                bron=Bron.TAFEL,
                tijd=uow.now,
                onderwerp=melding.id,
            )
        )


def _besluit(
    melding: TafelMelding,
    invoer: BesluitIn,
    voorzitter: str,
    actor: Actor,
    uow: UnitOfWork,
    versie: int,
    sessie_id: object,
    vorige: Besluit | None = None,
    reden: str | None = None,
    *,
    raad_al_gevraagd: bool = False,
) -> Besluit:
    return Besluit(
        id=uuid4(),
        melding_id=melding.id,
        versie=versie,
        vorige_id=vorige.id if vorige else None,
        correctiereden=reden,
        sessie_id=sessie_id,
        aanpak=invoer.aanpak.value,
        urgentie=invoer.urgentie.value,
        taakaccent=invoer.taakaccent.value,
        casusregie=invoer.casusregie,
        jeugdbeschermingsteam=list(invoer.jeugdbeschermingsteam),
        vto=invoer.aanpak is Aanpak.RAADSONDERZOEK and not raad_al_gevraagd,
        aanwezigen=list(invoer.aanwezigen),
        overige_aanwezigen=invoer.overige_aanwezigen,
        notulen=invoer.notulen,
        voorzitter=voorzitter,
        vastgelegd_door=actor.id,
        genomen_op=uow.now,
    )


def _geen_sessie(reden: str) -> Problem:
    return Problem(
        409,
        "A besluit is recorded for a session that has taken place (or is under way).",
        invalid_params=[invalid_param("sessie", reden, "not_yet")],
    )


async def _sessie_die_plaatsvond(uow: UnitOfWork, melding: TafelMelding) -> Sessie:
    """The latest session that has begun with the melding on its agenda: the tafel decides at
    its meeting, so a besluit for a session still to come (or for no session) is refused, not
    stored. When that session has ended and re-planning moved the melding on undecided, the
    besluit typed afterwards still belongs to it (``AgendaItem.vorige_sessie_id``)."""
    item = await uow.session.get(AgendaItem, melding.id)
    sessie = await uow.session.get(Sessie, item.sessie_id) if item and item.sessie_id else None
    if sessie is not None and not sessie.geannuleerd and sessie.begin <= uow.now:
        return sessie
    vorige = (
        await uow.session.get(Sessie, item.vorige_sessie_id)
        if item and item.vorige_sessie_id
        else None
    )
    if vorige is not None and not vorige.geannuleerd and vorige.begin <= uow.now:
        return vorige
    if sessie is None:
        raise _geen_sessie("the melding is on no session's agenda yet")
    if sessie.geannuleerd:
        raise _geen_sessie("the melding's session was cancelled")
    begin = sessie.begin.astimezone(werkdagen.AMSTERDAM)
    raise _geen_sessie(
        f"has not taken place yet: the session begins {begin:%d-%m-%Y %H:%M}; record the "
        "besluit at or after it"
    )


async def neem_besluit(
    service: Service,
    uow: UnitOfWork,
    melding: TafelMelding,
    invoer: BesluitIn,
    actor: Actor,
    bron_adres: str | None,
) -> Besluit:
    """The one final besluit on a melding; a second is a conflict (correct it instead)."""
    if melding.status != OPEN or await huidig_besluit(uow, melding) is not None:
        raise Problem(409, "This melding already has a besluit; a change is a correction.")
    voorzitter = _voorzitter(service, actor, invoer.voorzitter)
    _organisaties(service, invoer)
    sessie = await _sessie_die_plaatsvond(uow, melding)
    lopend = await raad_gevraagd_voor_gezin(uow, melding)
    with in_spoor_van(service, melding, "besluit vastleggen"):
        besluit = _besluit(
            melding,
            invoer,
            voorzitter,
            actor,
            uow,
            1,
            sessie.id,
            raad_al_gevraagd=lopend is not None,
        )
        uow.session.add(besluit)
        melding.status = BESLOTEN
        item = await uow.session.get(AgendaItem, melding.id)
        if item is not None:
            item.sessie_id = sessie.id  # on the agenda of the session that decided it
        await uow.cancel_timer(f"bespreking-{melding.id}")
        uow.audit(actor, "besluit.nemen", str(melding.id), bron_adres)
        _publiceer(service, uow, melding, besluit, invoer, lopend)
    return besluit


async def corrigeer_besluit(
    service: Service,
    uow: UnitOfWork,
    melding: TafelMelding,
    invoer: CorrectieIn,
    actor: Actor,
    bron_adres: str | None,
) -> Besluit:
    """A new version with its reason; the earlier versions stay as history."""
    vorige = await huidig_besluit(uow, melding)
    if vorige is None:
        raise Problem(409, "This melding has no besluit to correct.")
    voorzitter = _voorzitter(service, actor, invoer.voorzitter)
    _organisaties(service, invoer)
    lopend = await raad_gevraagd_voor_gezin(uow, melding)
    with in_spoor_van(service, melding, "besluit corrigeren"):
        besluit = _besluit(
            melding,
            invoer,
            voorzitter,
            actor,
            uow,
            vorige.versie + 1,
            vorige.sessie_id,
            vorige,
            invoer.reden,
            raad_al_gevraagd=lopend is not None,
        )
        uow.session.add(besluit)
        uow.audit(actor, "besluit.corrigeren", str(melding.id), bron_adres)
        _publiceer(service, uow, melding, besluit, invoer, lopend)
    return besluit


async def houd_aan(
    service: Service,
    settings: Settings,
    uow: UnitOfWork,
    melding: TafelMelding,
    invoer: AanhoudingIn,
    actor: Actor,
    bron_adres: str | None,
) -> Aanhouding:
    """Defer to a later session; the deadline keeps running."""
    if melding.status != OPEN:
        raise Problem(409, "A melding with a besluit is not deferred.")
    item = await uow.session.get(AgendaItem, melding.id)
    sessie = await uow.session.get(Sessie, item.sessie_id) if item and item.sessie_id else None
    aanhouding = Aanhouding(
        id=uuid4(),
        melding_id=melding.id,
        sessie_id=sessie.id if sessie else None,
        reden=invoer.reden,
        door=actor.id,
        op=uow.now,
    )
    uow.session.add(aanhouding)
    if item is not None:
        item.niet_voor = max(uow.now, sessie.einde) if sessie else uow.now
    uow.audit(actor, "melding.aanhouden", str(melding.id), bron_adres)
    with in_spoor_van(service, melding, "melding aanhouden"):
        await agenda.herplan(service, settings, uow)
    return aanhouding
