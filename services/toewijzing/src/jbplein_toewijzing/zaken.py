"""Cases: the database side of assignment, the waiting list, reassignment, the promises and
closing. Every change of a case holds one lock (``toewijzing``), taken before the case is read:
two changes never interleave, a check (closed? contact registered already?) holds until the
change commits, and no jeugdbeschermer is ever given more gezinnen than their maximum. One lock
rather than one per case: a change of one case can move the waiting list (other cases), a
single lock cannot deadlock, and the plein's volume (tens of changes a day) never queues on it."""

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
    ZaakMelding,
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


# --- the case a use case changes ------------------------------------------------------------


async def zaak_van(uow: UnitOfWork, zaak_ref: UUID, *, vers: bool = False) -> Toewijzing | None:
    """The case of ``zaak_ref``: the melding that opened it, or one that joined it later.
    ``vers``: read from the database, not the session's copy."""
    opties = {"populate_existing": True} if vers else {}
    t: Toewijzing | None = await uow.session.scalar(
        select(Toewijzing).where(Toewijzing.melding_id == zaak_ref), execution_options=opties
    )
    if t is None:
        t = await uow.session.scalar(
            select(Toewijzing)
            .join(ZaakMelding, ZaakMelding.toewijzing_id == Toewijzing.id)
            .where(ZaakMelding.melding_id == zaak_ref),
            execution_options=opties,
        )
    return t


async def zaak_om_te_wijzigen(uow: UnitOfWork, zaak_ref: UUID) -> Toewijzing | None:
    """The case of ``zaak_ref`` for a use case that checks it and then changes it. The lock
    comes first and the case is read after it, fresh from the database (not the session's
    copy): two requests at once then see each other's outcome instead of both passing."""
    await uow.lock(LOCK)
    return await zaak_van(uow, zaak_ref, vers=True)


async def gekoppelde_meldingen(uow: UnitOfWork, t: Toewijzing) -> list[ZaakMelding]:
    """The later meldingen that joined the case, in the order they came."""
    rows = await uow.session.scalars(
        select(ZaakMelding)
        .where(ZaakMelding.toewijzing_id == t.id)
        .order_by(ZaakMelding.gekoppeld_op, ZaakMelding.melding_id)
    )
    return list(rows.all())


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
    voor: ZaakMelding | None = None,
) -> None:
    """``voor``: a melding that joined the case; the event names its melding and besluit."""
    assert keuze.jeugdbeschermer is not None
    assert keuze.gebiedsteam is not None
    uow.publish(
        RegisseurToegewezen.maak(
            RegisseurToegewezenData(
                gemeente=t.gemeente,
                toewijzing_id=t.id,
                melding_id=voor.melding_id if voor else t.melding_id,
                besluit_id=voor.besluit_id if voor else t.besluit_id,
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
            onderwerp=voor.melding_id if voor else t.melding_id,
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
    _wachtlijst_event(uow, t)


def _wachtlijst_event(uow: UnitOfWork, t: Toewijzing, voor: ZaakMelding | None = None) -> None:
    assert t.wachtlijst_reden is not None
    assert t.wachtlijst_sinds is not None
    uow.publish(
        RegisseurWachtlijst.maak(
            RegisseurWachtlijstData(
                gemeente=t.gemeente,
                toewijzing_id=t.id,
                melding_id=voor.melding_id if voor else t.melding_id,
                besluit_id=voor.besluit_id if voor else t.besluit_id,
                gezin_ref=t.gezin_ref,
                reden=WachtlijstReden(t.wachtlijst_reden),
                sinds=t.wachtlijst_sinds,
                contact_uiterlijk=t.contact_uiterlijk,
            ),
            bron=Bron.TOEWIJZING,
            tijd=uow.now,
            onderwerp=voor.melding_id if voor else t.melding_id,
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
            for gekoppeld in await gekoppelde_meldingen(uow, t):  # their besluiten hear it too
                _toegewezen(uow, t, keuze, van_wachtlijst=True, voor=gekoppeld)
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
    service: Service,
    uow: UnitOfWork,
    t: Toewijzing,
    data: BesluitGenomenData,
    aanpak: Aanpak | None = None,
) -> None:
    """Set what follows from the besluit's approach (or ``aanpak``, the case's approach over
    all its meldingen), and plan or cancel its timers. A raadsonderzoek the Raad was asked for
    already stays: the tafel asks the Raad once per open case (``data.vto`` is then False)."""
    aanpak = aanpak or data.aanpak
    t.aanpak = aanpak.value
    t.urgentie = data.urgentie.value
    t.taakaccent = data.taakaccent.value
    was_vto = t.raadsonderzoek_start_uiterlijk is not None
    vto = aanpak is Aanpak.RAADSONDERZOEK and (data.vto or was_vto)
    if vto:
        if not was_vto:
            t.raad_organisatie = service.accounts.raad_voor(data.jeugdbeschermingsteam)
            t.raad_melding_id = data.melding_id  # the VTO the Raad got names this melding
            t.raadsonderzoek_start_uiterlijk = data.raadsonderzoek_start_uiterlijk or (
                werkdagen.termijn(data.genomen_op, RAADSONDERZOEK_START_WERKDAGEN, service.kalender)
            )
            await _plan(uow, t, TermijnSoort.RAADSONDERZOEK_START, t.raadsonderzoek_start_uiterlijk)
    elif was_vto:
        t.raad_organisatie = None
        t.raad_melding_id = None
        t.raadsonderzoek_start_uiterlijk = None
        await uow.cancel_timer(timer_sleutel(TermijnSoort.RAADSONDERZOEK_START, t.id))
    drang_zonder_vto = aanpak is Aanpak.DRANG and not vto
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
        besluit_aanpak=data.aanpak.value,
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


async def open_zaak_van_gezin(uow: UnitOfWork, gezin_ref: UUID) -> Toewijzing | None:
    """The gezin's open case (waiting or active), if it has one. Under the lock."""
    t: Toewijzing | None = await uow.session.scalar(
        select(Toewijzing)
        .where(Toewijzing.gezin_ref == gezin_ref, Toewijzing.status != AFGESLOTEN)
        .order_by(Toewijzing.besluit_op, Toewijzing.id)
        .limit(1)
    )
    return t


async def _aanpak_van_zaak(
    uow: UnitOfWork, t: Toewijzing, *, eigen: Aanpak | None = None, gekoppeld: Aanpak | None = None
) -> Aanpak:
    """The approach the case follows: the strongest of its meldingen' current besluiten."""
    aanpakken = [eigen or Aanpak(t.besluit_aanpak or t.aanpak)]
    aanpakken += [Aanpak(z.aanpak) for z in await gekoppelde_meldingen(uow, t)]
    if gekoppeld is not None:
        aanpakken.append(gekoppeld)
    return domein.zwaarste_aanpak(aanpakken)


async def koppel(
    service: Service, uow: UnitOfWork, t: Toewijzing, data: BesluitGenomenData
) -> None:
    """One gezin, one case: a besluit about a later melding of a gezin whose case is open
    updates that case instead of opening a second. The case takes the stronger approach (a
    raadsonderzoek added to drang; never less than it had), the later besluit's urgency and
    taakaccent; the casusregisseur and the promises made stay. The besluit hears who its
    casusregisseur is (or that the case waits), as for a case of its own."""
    aanpak = await _aanpak_van_zaak(uow, t, gekoppeld=data.aanpak)
    # The case's own besluit keeps its aanpak apart from the case's (a case from before one
    # gezin, one case has none stored): a correction of the joined besluit can lower it again.
    t.besluit_aanpak = t.besluit_aanpak or t.aanpak
    gekoppeld = ZaakMelding(
        melding_id=data.melding_id,
        toewijzing_id=t.id,
        besluit_id=data.besluit_id,
        besluit_versie=data.versie,
        aanpak=data.aanpak.value,
        gekoppeld_op=uow.now,
    )
    uow.session.add(gekoppeld)
    urgentie = Urgentie.SPOED if t.urgentie == Urgentie.SPOED.value else data.urgentie
    await _zet_aanpak(service, uow, t, data.model_copy(update={"urgentie": urgentie}), aanpak)
    historie(uow, t, "melding_gekoppeld", SYSTEEM, reden=data.aanpak.value)
    log.info("besluit %s joins the open case %s of its gezin", data.besluit_id, t.id)
    if t.status == ACTIEF and t.jeugdbeschermer is not None:
        jb = await uow.session.get(Jeugdbeschermer, t.jeugdbeschermer)
        assert jb is not None
        keuze = domein.Keuze(jb.code, jb.gebiedsteam, True, jb.taakaccent == t.taakaccent)
        _toegewezen(uow, t, keuze, voor=gekoppeld)
    elif t.status == WACHTLIJST and t.wachtlijst_reden is not None:
        _wachtlijst_event(uow, t, voor=gekoppeld)


def _volg_besluit(t: Toewijzing, data: BesluitGenomenData, aanpak: Aanpak) -> None:
    """What the case shows of the besluit (without planning anything); ``aanpak`` is the
    case's approach over all its meldingen."""
    t.aanpak = aanpak.value
    t.urgentie = data.urgentie.value
    t.taakaccent = data.taakaccent.value


async def besluit_gecorrigeerd(
    service: Service, uow: UnitOfWork, t: Toewijzing, data: BesluitGenomenData
) -> None:
    """A later version of a besluit of the case (of the melding that opened it, or of one that
    joined it): the case follows the strongest approach its meldingen' besluiten now hold;
    when none needs a casusregisseur any more, the case closes. The case always shows the
    aanpak that holds now: a version number with another version's aanpak would tell JBRR and
    the plein something nobody decided."""
    gekoppeld = await uow.session.get(ZaakMelding, data.melding_id)
    if gekoppeld is not None:
        if data.versie <= gekoppeld.besluit_versie:
            return
        gekoppeld.besluit_id, gekoppeld.besluit_versie = data.besluit_id, data.versie
        gekoppeld.aanpak = data.aanpak.value
        aanpak = await _aanpak_van_zaak(uow, t)
    else:
        t.besluit_id = data.besluit_id
        t.besluit_versie = data.versie
        t.besluit_aanpak = data.aanpak.value
        aanpak = await _aanpak_van_zaak(uow, t, eigen=data.aanpak)
    if t.status == AFGESLOTEN:
        _volg_besluit(t, data, aanpak)
        historie(uow, t, "besluit_gecorrigeerd_na_afsluiting", SYSTEEM, reden=data.aanpak.value)
        log.warning("besluit of closed case %s corrected; case stays closed", t.id)
        return
    if not aanpak.vraagt_regisseur:
        # Closed as the case it was (zaak.afgesloten names the aanpak that ended), then it
        # shows the besluit that holds now.
        await sluit_zaak(uow, t, Afsluitreden.BESLUIT_GECORRIGEERD, SYSTEEM)
        _volg_besluit(t, data, aanpak)
        return
    await _zet_aanpak(service, uow, t, data, aanpak)
    historie(uow, t, "besluit_gecorrigeerd", SYSTEEM, reden=data.aanpak.value)


# --- closing and reassigning ---------------------------------------------------------------


async def sluit_zaak(uow: UnitOfWork, t: Toewijzing, reden: Afsluitreden, door: str) -> None:
    """Close the case: its timers stop, and the room it frees goes to the waiting list.
    The caller read ``t`` under the lock (:func:`zaak_om_te_wijzigen`)."""
    await uow.lock(LOCK)
    if t.status == AFGESLOTEN:
        raise Problem(409, "This case is already closed.")
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
                meldingen=[z.melding_id for z in await gekoppelde_meldingen(uow, t)],
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
    await uow.lock(LOCK)
    if t.status != ACTIEF or t.jeugdbeschermer is None:
        raise Problem(409, "Only a case with a casusregisseur can be reassigned.")
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
