"""Cases: the database side of assignment, the waiting list, reassignment, the promises and
closing. Every change that moves caseloads holds one lock (``toewijzing``), so two of them never
interleave and no jeugdbeschermer is ever given more gezinnen than their maximum."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import or_, select

from jbplein_contracts import werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomenData,
    RegisseurToegewezen,
    RegisseurToegewezenData,
    RegisseurWachtlijst,
    RegisseurWachtlijstData,
    ZaakAfgesloten,
    ZaakAfgeslotenData,
)
from jbplein_contracts.waarden import (
    CONTACT_WERKDAGEN,
    DRANG_EVALUATIE_MAANDEN,
    DRANG_MAXIMUM_MAANDEN,
    RAADSONDERZOEK_START_WERKDAGEN,
    Aanpak,
    Afsluitreden,
    Herverdelingsreden,
    Taakaccent,
    TermijnSoort,
    Urgentie,
    WachtlijstReden,
)
from jbplein_kit.problems import Problem, invalid_param
from jbplein_kit.service import Service
from jbplein_kit.timers import Timer
from jbplein_kit.uow import UnitOfWork

from . import toewijzing as domein
from .models import (
    ACTIEF,
    AFGESLOTEN,
    WACHTLIJST,
    Afwezigheid,
    Gebiedsteam,
    Historie,
    Jeugdbeschermer,
    Toewijzing,
)

log = logging.getLogger("jbplein.toewijzing.zaken")

LOCK = "toewijzing"
SYSTEEM = "systeem"
AFWEZIGHEID_EINDE = "afwezigheid_einde"

TIMER_SOORTEN = (
    TermijnSoort.CONTACT,
    TermijnSoort.RAADSONDERZOEK_START,
    TermijnSoort.DRANG_EVALUATIE,
    TermijnSoort.DRANG_MAXIMUM,
)


def timer_sleutel(soort: TermijnSoort, toewijzing_id: UUID) -> str:
    return f"{soort.value}-{toewijzing_id}"


# --- reading the state the chooser needs ---------------------------------------------------


async def afwezig_op(uow: UnitOfWork, dag: date) -> set[str]:
    rows = await uow.session.scalars(
        select(Afwezigheid.jeugdbeschermer).where(
            Afwezigheid.van <= dag,
            or_(Afwezigheid.tot_en_met.is_(None), Afwezigheid.tot_en_met >= dag),
        )
    )
    return set(rows.all())


async def kandidaten(uow: UnitOfWork) -> list[domein.Kandidaat]:
    """Every jeugdbeschermer with the gezinnen they hold today, and whether they are available."""
    afwezig = await afwezig_op(uow, werkdagen.lokale_dag(uow.now))
    gezinnen: dict[str, set[UUID]] = defaultdict(set)
    for code, gezin in (
        await uow.session.execute(
            select(Toewijzing.jeugdbeschermer, Toewijzing.gezin_ref).where(
                Toewijzing.status == ACTIEF
            )
        )
    ).all():
        if code is not None:
            gezinnen[code].add(gezin)
    return [
        domein.Kandidaat(
            jb.code,
            jb.gebiedsteam,
            Taakaccent(jb.taakaccent),
            jb.max_caseload,
            frozenset(gezinnen[jb.code]),
            jb.in_dienst and jb.code not in afwezig,
        )
        for jb in (await uow.session.scalars(select(Jeugdbeschermer))).all()
    ]


async def teams(uow: UnitOfWork) -> list[domein.Team]:
    return [
        domein.Team(t.code, frozenset(t.gemeenten), frozenset(t.wijken))
        for t in (await uow.session.scalars(select(Gebiedsteam))).all()
    ]


def als_zaak(t: Toewijzing, uitgesloten: frozenset[str] = frozenset()) -> domein.Zaak:
    return domein.Zaak(
        t.id,
        t.gezin_ref,
        t.gemeente,
        t.wijk,
        Taakaccent(t.taakaccent),
        t.urgentie == Urgentie.SPOED.value,
        t.besluit_op,
        uitgesloten,
    )


# --- history and events --------------------------------------------------------------------


def historie(
    uow: UnitOfWork,
    t: Toewijzing,
    gebeurtenis: str,
    door: str,
    *,
    jeugdbeschermer: str | None = None,
    vorige: str | None = None,
    reden: str | None = None,
    toelichting: str | None = None,
) -> None:
    uow.session.add(
        Historie(
            toewijzing_id=t.id,
            op=uow.now,
            gebeurtenis=gebeurtenis,
            jeugdbeschermer=jeugdbeschermer,
            vorige_jeugdbeschermer=vorige,
            reden=reden,
            toelichting=toelichting,
            door=door,
        )
    )


def _toegewezen(
    uow: UnitOfWork,
    t: Toewijzing,
    keuze: domein.Keuze,
    *,
    van_wachtlijst: bool = False,
    herverdeling: Herverdelingsreden | None = None,
    vorige: str | None = None,
) -> None:
    assert keuze.jeugdbeschermer is not None
    assert keuze.gebiedsteam is not None
    uow.publish(
        RegisseurToegewezen.maak(
            RegisseurToegewezenData(
                gemeente=t.gemeente,
                toewijzing_id=t.id,
                melding_id=t.melding_id,
                besluit_id=t.besluit_id,
                gezin_ref=t.gezin_ref,
                jeugdbeschermer_ref=keuze.jeugdbeschermer,
                gebiedsteam=keuze.gebiedsteam,
                taakaccent=Taakaccent(t.taakaccent),
                continuiteit=keuze.continuiteit,
                toegewezen_op=uow.now,
                contact_uiterlijk=t.contact_uiterlijk,
                van_wachtlijst=van_wachtlijst,
                herverdeling=herverdeling,
                vorige_jeugdbeschermer_ref=vorige,
            ),
            bron=Bron.TOEWIJZING,
            tijd=uow.now,
            onderwerp=t.melding_id,
        )
    )


def wijs_toe(
    uow: UnitOfWork, t: Toewijzing, keuze: domein.Keuze, door: str, *, van_wachtlijst: bool
) -> None:
    """Give ``t`` the chosen casusregisseur (a new case, or one from the waiting list)."""
    t.jeugdbeschermer = keuze.jeugdbeschermer
    t.status = ACTIEF
    t.continuiteit = keuze.continuiteit
    t.wachtlijst_reden = None
    t.toegewezen_op = uow.now
    historie(
        uow,
        t,
        "toegewezen",
        door,
        jeugdbeschermer=keuze.jeugdbeschermer,
        reden="continuiteit" if keuze.continuiteit else None,
    )
    _toegewezen(uow, t, keuze, van_wachtlijst=van_wachtlijst)


def zet_op_wachtlijst(uow: UnitOfWork, t: Toewijzing, reden: WachtlijstReden, door: str) -> None:
    if t.status == WACHTLIJST and t.wachtlijst_reden == reden.value:
        return
    t.status = WACHTLIJST
    t.wachtlijst_reden = reden.value
    t.wachtlijst_sinds = t.wachtlijst_sinds or uow.now
    historie(uow, t, "wachtlijst", door, reden=reden.value)
    log.warning("case %s waits for a casusregisseur (%s)", t.id, reden.value)
    uow.publish(
        RegisseurWachtlijst.maak(
            RegisseurWachtlijstData(
                gemeente=t.gemeente,
                toewijzing_id=t.id,
                melding_id=t.melding_id,
                besluit_id=t.besluit_id,
                gezin_ref=t.gezin_ref,
                reden=reden,
                sinds=t.wachtlijst_sinds,
                contact_uiterlijk=t.contact_uiterlijk,
            ),
            bron=Bron.TOEWIJZING,
            tijd=uow.now,
            onderwerp=t.melding_id,
        )
    )


# --- the waiting list ----------------------------------------------------------------------


async def verwerk_wachtlijst(uow: UnitOfWork, door: str = SYSTEEM) -> int:
    """Assign every waiting case there is room for now. Returns how many were assigned."""
    await uow.lock(LOCK)
    wachtend = list(
        (await uow.session.scalars(select(Toewijzing).where(Toewijzing.status == WACHTLIJST))).all()
    )
    if not wachtend:
        return 0
    verdeling = domein.verdeel_wachtlijst(
        await kandidaten(uow), await teams(uow), [als_zaak(t) for t in wachtend]
    )
    toegewezen = 0
    for t in wachtend:
        keuze = verdeling.keuzes[t.id]
        if keuze.jeugdbeschermer is not None:
            wijs_toe(uow, t, keuze, door, van_wachtlijst=True)
            toegewezen += 1
        elif keuze.wachtlijst is not None:
            zet_op_wachtlijst(uow, t, keuze.wachtlijst, door)
    return toegewezen


# --- a new case, and a corrected besluit ----------------------------------------------------


async def _plan(uow: UnitOfWork, t: Toewijzing, soort: TermijnSoort, dag: date) -> None:
    await uow.schedule(
        Timer(
            soort=soort.value,
            sleutel=timer_sleutel(soort, t.id),
            verloopt_op=werkdagen.einde_van_dag(dag),
            gegevens={"toewijzing_id": str(t.id)},
        )
    )


async def _zet_aanpak(
    service: Service, uow: UnitOfWork, t: Toewijzing, data: BesluitGenomenData
) -> None:
    """Set what follows from the besluit's approach, and plan or cancel its timers."""
    t.aanpak = data.aanpak.value
    t.urgentie = data.urgentie.value
    t.taakaccent = data.taakaccent.value
    was_vto = t.raadsonderzoek_start_uiterlijk is not None
    if data.vto:
        if not was_vto:
            t.raad_organisatie = service.accounts.raad_voor(data.jeugdbeschermingsteam)
            t.raadsonderzoek_start_uiterlijk = data.raadsonderzoek_start_uiterlijk or (
                werkdagen.termijn(data.genomen_op, RAADSONDERZOEK_START_WERKDAGEN, service.kalender)
            )
            await _plan(uow, t, TermijnSoort.RAADSONDERZOEK_START, t.raadsonderzoek_start_uiterlijk)
    elif was_vto:
        t.raad_organisatie = None
        t.raadsonderzoek_start_uiterlijk = None
        await uow.cancel_timer(timer_sleutel(TermijnSoort.RAADSONDERZOEK_START, t.id))
    drang_zonder_vto = data.aanpak is Aanpak.DRANG and not data.vto
    if drang_zonder_vto and t.evaluatie_op is None:
        t.evaluatie_op = werkdagen.na_maanden(t.besluit_op, DRANG_EVALUATIE_MAANDEN)
        t.maximum_op = werkdagen.na_maanden(t.besluit_op, DRANG_MAXIMUM_MAANDEN)
        await _plan(uow, t, TermijnSoort.DRANG_EVALUATIE, t.evaluatie_op)
        await _plan(uow, t, TermijnSoort.DRANG_MAXIMUM, t.maximum_op)
    elif not drang_zonder_vto and t.evaluatie_op is not None:
        t.evaluatie_op = None
        t.maximum_op = None
        t.evaluatie_nodig = False
        await uow.cancel_timer(timer_sleutel(TermijnSoort.DRANG_EVALUATIE, t.id))
        await uow.cancel_timer(timer_sleutel(TermijnSoort.DRANG_MAXIMUM, t.id))


async def open_zaak(service: Service, uow: UnitOfWork, data: BesluitGenomenData) -> Toewijzing:
    """A besluit with drang or raadsonderzoek: a case, its promises, and a casusregisseur at
    once (or a place on the waiting list)."""
    await uow.lock(LOCK)
    t = Toewijzing(
        id=uuid4(),
        melding_id=data.melding_id,
        besluit_id=data.besluit_id,
        besluit_versie=data.versie,
        gezin_ref=data.gezin_ref,
        gemeente=data.gemeente,
        wijk=data.wijk,
        besluit_op=data.genomen_op,
        status=WACHTLIJST,
        continuiteit=False,
        aangemaakt_op=uow.now,
        contact_uiterlijk=data.contact_uiterlijk
        or werkdagen.termijn(data.genomen_op, CONTACT_WERKDAGEN, service.kalender),
        contact_overschreden=False,
        raadsonderzoek_overschreden=False,
        evaluatie_nodig=False,
        maximum_overschreden=False,
    )
    uow.session.add(t)
    await _zet_aanpak(service, uow, t, data)
    await _plan(uow, t, TermijnSoort.CONTACT, t.contact_uiterlijk)
    historie(uow, t, "besluit", SYSTEEM, reden=data.aanpak.value)
    await uow.session.flush()
    keuze = domein.kies_regisseur(await kandidaten(uow), await teams(uow), als_zaak(t))
    if keuze.jeugdbeschermer is not None:
        wijs_toe(uow, t, keuze, SYSTEEM, van_wachtlijst=False)
    else:
        assert keuze.wachtlijst is not None
        zet_op_wachtlijst(uow, t, keuze.wachtlijst, SYSTEEM)
    return t


def _volg_besluit(t: Toewijzing, data: BesluitGenomenData) -> None:
    """What the case shows of the besluit (without planning anything)."""
    t.aanpak = data.aanpak.value
    t.urgentie = data.urgentie.value
    t.taakaccent = data.taakaccent.value


async def besluit_gecorrigeerd(
    service: Service, uow: UnitOfWork, t: Toewijzing, data: BesluitGenomenData
) -> None:
    """A later version of the besluit: follow the new approach; without a casusregisseur the
    case closes. The case always shows the aanpak of the version it names: a version number
    with another version's aanpak would tell JBRR and the plein something nobody decided."""
    t.besluit_id = data.besluit_id
    t.besluit_versie = data.versie
    if t.status == AFGESLOTEN:
        _volg_besluit(t, data)
        historie(uow, t, "besluit_gecorrigeerd_na_afsluiting", SYSTEEM, reden=data.aanpak.value)
        log.warning("besluit of closed case %s corrected; case stays closed", t.id)
        return
    if not data.aanpak.vraagt_regisseur:
        # Closed as the case it was (zaak.afgesloten names the aanpak that ended), then it
        # shows the besluit that holds now.
        await sluit_zaak(uow, t, Afsluitreden.BESLUIT_GECORRIGEERD, SYSTEEM)
        _volg_besluit(t, data)
        return
    await _zet_aanpak(service, uow, t, data)
    historie(uow, t, "besluit_gecorrigeerd", SYSTEEM, reden=data.aanpak.value)


# --- closing and reassigning ---------------------------------------------------------------


async def sluit_zaak(uow: UnitOfWork, t: Toewijzing, reden: Afsluitreden, door: str) -> None:
    """Close the case: its timers stop, and the room it frees goes to the waiting list."""
    if t.status == AFGESLOTEN:
        raise Problem(409, "This case is already closed.")
    await uow.lock(LOCK)
    t.status = AFGESLOTEN
    t.afsluitreden = reden.value
    t.afgesloten_op = uow.now
    for soort in TIMER_SOORTEN:
        await uow.cancel_timer(timer_sleutel(soort, t.id))
    historie(uow, t, "afgesloten", door, jeugdbeschermer=t.jeugdbeschermer, reden=reden.value)
    uow.publish(
        ZaakAfgesloten.maak(
            ZaakAfgeslotenData(
                gemeente=t.gemeente,
                toewijzing_id=t.id,
                melding_id=t.melding_id,
                gezin_ref=t.gezin_ref,
                aanpak=Aanpak(t.aanpak),
                reden=reden,
                afgesloten_op=uow.now,
            ),
            bron=Bron.TOEWIJZING,
            tijd=uow.now,
            onderwerp=t.melding_id,
        )
    )
    await uow.session.flush()
    await verwerk_wachtlijst(uow, door)


async def herverdeel(
    uow: UnitOfWork,
    t: Toewijzing,
    reden: Herverdelingsreden,
    naar: str | None,
    toelichting: str | None,
    door: str,
) -> str:
    """Give the gezin another casusregisseur: every active case of the gezin with the current
    one moves (one family, one director). ``naar`` names the new one, or the rules choose.
    Returns the new casusregisseur's code."""
    if t.status != ACTIEF or t.jeugdbeschermer is None:
        raise Problem(409, "Only a case with a casusregisseur can be reassigned.")
    await uow.lock(LOCK)
    vorige = t.jeugdbeschermer
    alle = await kandidaten(uow)
    per_code = {k.code: k for k in alle}
    if naar is not None:
        if naar == vorige:
            raise Problem(409, "This jeugdbeschermer already holds the case.")
        nieuw = per_code.get(naar)
        if nieuw is None:
            raise Problem(
                400,
                "Unknown jeugdbeschermer.",
                invalid_params=[
                    {"name": "jeugdbeschermer", "code": "unknown", "reason": "does not exist"}
                ],
            )
        if not nieuw.beschikbaar:
            raise Problem(409, "That jeugdbeschermer is absent or no longer in service.")
        if t.gezin_ref not in nieuw.gezinnen and not nieuw.heeft_ruimte:
            raise Problem(409, "That jeugdbeschermer has no room in their caseload.")
        keuze = domein.Keuze(
            nieuw.code,
            nieuw.gebiedsteam,
            t.gezin_ref in nieuw.gezinnen,
            nieuw.taakaccent == t.taakaccent,
        )
    else:
        keuze = domein.kies_regisseur(alle, await teams(uow), als_zaak(t, frozenset({vorige})))
        if keuze.jeugdbeschermer is None:
            raise Problem(
                409,
                "Nobody else in the covering gebiedsteams has room; the case stays with its "
                "casusregisseur. Name a jeugdbeschermer, or raise a caseload.",
            )
    zaken = (
        await uow.session.scalars(
            select(Toewijzing).where(
                Toewijzing.gezin_ref == t.gezin_ref,
                Toewijzing.jeugdbeschermer == vorige,
                Toewijzing.status == ACTIEF,
            )
        )
    ).all()
    for zaak in zaken:
        zaak.jeugdbeschermer = keuze.jeugdbeschermer
        zaak.toegewezen_op = uow.now
        zaak.continuiteit = False
        historie(
            uow,
            zaak,
            "herverdeeld",
            door,
            jeugdbeschermer=keuze.jeugdbeschermer,
            vorige=vorige,
            reden=reden.value,
            toelichting=toelichting,
        )
        _toegewezen(uow, zaak, keuze, herverdeling=reden, vorige=vorige)
    await uow.session.flush()
    await verwerk_wachtlijst(uow, door)  # the previous one has room now
    assert keuze.jeugdbeschermer is not None
    return keuze.jeugdbeschermer


# --- absences --------------------------------------------------------------------------------


async def plan_terugkeer(uow: UnitOfWork, afwezigheid: Afwezigheid) -> None:
    """When an absence ends, the waiting list gets its chance."""
    sleutel = f"afwezigheid-{afwezigheid.id}"
    if afwezigheid.tot_en_met is None:
        await uow.cancel_timer(sleutel)
        return
    einde = werkdagen.einde_van_dag(afwezigheid.tot_en_met)
    if einde <= uow.now:
        await uow.cancel_timer(sleutel)
        return
    await uow.schedule(
        Timer(
            soort=AFWEZIGHEID_EINDE,
            sleutel=sleutel,
            verloopt_op=einde,
            gegevens={"afwezigheid_id": str(afwezigheid.id)},
        )
    )


async def nagekomen(
    uow: UnitOfWork, t: Toewijzing, soort: TermijnSoort, moment: datetime, veld: str, door: str
) -> bool:
    """A promise kept at ``moment`` (the contact, the Raad's start): recorded, its timer
    stopped, and whether it was in time. ``veld`` names the input field for a problem."""
    if moment > uow.now + timedelta(minutes=5):
        raise Problem(
            400,
            "A moment in the future cannot be registered.",
            invalid_params=[invalid_param(veld, "lies in the future", "out_of_range")],
        )
    if moment < t.besluit_op - timedelta(minutes=5):
        raise Problem(
            400,
            "The moment lies before the besluit.",
            invalid_params=[invalid_param(veld, "lies before the besluit", "out_of_range")],
        )
    if soort is TermijnSoort.CONTACT:
        t.contact_op, uiterlijk = moment, t.contact_uiterlijk
    else:
        assert t.raadsonderzoek_start_uiterlijk is not None
        t.raadsonderzoek_gestart_op, uiterlijk = moment, t.raadsonderzoek_start_uiterlijk
    op_tijd = binnen(moment, uiterlijk)
    await uow.cancel_timer(timer_sleutel(soort, t.id))
    historie(
        uow,
        t,
        f"{soort.value}_geregistreerd",
        door,
        jeugdbeschermer=t.jeugdbeschermer,
        reden="binnen_termijn" if op_tijd else "te_laat",
    )
    return op_tijd


def binnen(moment: datetime, uiterlijk: date) -> bool:
    """Was ``moment`` on or before the last day ``uiterlijk`` (Europe/Amsterdam)?"""
    return werkdagen.lokale_dag(moment) <= uiterlijk
