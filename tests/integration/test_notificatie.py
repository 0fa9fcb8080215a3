"""Notificatie: the letter to the gezin (made from the real intake and toewijzing over HTTP),
partner events that carry exactly what a partner may know, and webhook deliveries with retries,
a delivery log, alerts and re-sending. Against a real nats-server, on SQLite and PostgreSQL;
the notificatie clock is moved by the tests, so no test waits for hours."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select, text, update

from jbplein_contracts import subjects, werkdagen
from jbplein_contracts.envelope import Bron
from jbplein_contracts.v1 import (
    BesluitGenomen,
    BesluitGenomenData,
    LeveringMislukt,
    RegisseurToegewezen,
    RegisseurToegewezenData,
    ZaakAfgesloten,
    ZaakAfgeslotenData,
)
from jbplein_contracts.waarden import Aanpak, Afsluitreden, Taakaccent, Urgentie
from jbplein_intake.app import create_app as intake_app
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.audit import AuditEntry
from jbplein_kit.clock import ManualClock, wall_now
from jbplein_kit.service import Service
from jbplein_kit.timers import VERLOPEN, ScheduledTimer
from jbplein_notificatie import doelen
from jbplein_notificatie.app import create_app as notificatie_app
from jbplein_notificatie.models import (
    INGETROKKEN,
    WACHT_OP_REGISSEUR,
    AfgeslotenMelding,
    Besluit,
    Brief,
    Regisseur,
)
from jbplein_notificatie.settings import Settings
from jbplein_notificatie.vervanging import brieven_lock
from jbplein_runner.nats_server import NatsServer
from jbplein_runner.processes import free_port
from jbplein_toewijzing.app import create_app as toewijzing_app
from jbplein_toewijzing.settings import Settings as ToewijzingSettings

from ..conftest import bearer, eventually, fast_settings
from ..support.bus import Bus, partner_berichten
from ..support.http_server import served
from ..support.meldingen import melding
from ..support.ontvanger import ontvanger

GEZINNEN = {
    "drang": ("Daan", "Dekker", "Dirk", "2017-05-02", "3071 AA", "5"),
    "raadsonderzoek": ("Rosa", "Ruiter", "Riet", "2016-08-09", "3072 BB", "17"),
    "vrijwillig": ("Vera", "Visser", "Vincent", "2015-01-20", "3073 CC", "40"),
}


def melding_van(aanpak: str) -> dict[str, Any]:
    kind, achternaam, ouder, geboren, postcode, huisnummer = GEZINNEN[aanpak]
    return melding(
        gezin__ouders=[{"voornaam": ouder, "achternaam": achternaam, "rol": "verzorger"}],
        gezin__kinderen=[{"voornaam": kind, "achternaam": achternaam, "geboortedatum": geboren}],
        gezin__adres={
            "straat": "Maasstraat",
            "postcode": postcode,
            "huisnummer": huisnummer,
            "woonplaats": "Rotterdam",
            "wijk": "Feijenoord",
        },
    )


@dataclass
class Plein:
    """Intake and toewijzing on real HTTP, notificatie in-process with a clock the test moves."""

    client: httpx.AsyncClient
    service: Service
    clock: ManualClock
    bus: Bus
    intake: str
    tokens: dict[str, str]
    intake_poort: int | None = None
    """Where notificatie reaches intake, when not the plein's own intake."""

    async def melding(
        self, aanpak: str = "drang", body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.post(
                f"{self.intake}/api/v1/meldingen",
                json=body or melding_van(aanpak),
                headers=bearer(self.tokens["veilig-thuis-api"]),
            )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def besluit(
        self,
        melding_id: UUID,
        aanpak: Aanpak,
        versie: int = 1,
        vorige: UUID | None = None,
        team: tuple[str, ...] = ("jbrr", "wijkteam-rotterdam"),
        gezin: UUID | None = None,
        vto: bool | None = None,
        raad: str | None = None,
        start: date | None = None,
    ) -> BesluitGenomen:
        """``raad``/``start``: a raadsonderzoek that joins the gezin's running investigation
        (``vto`` False) names that investigation's Raad and start deadline."""
        nu = self.clock.now()
        vto = aanpak is Aanpak.RAADSONDERZOEK if vto is None else vto
        event = BesluitGenomen.maak(
            BesluitGenomenData(
                gemeente="0599",
                besluit_id=uuid4(),
                melding_id=melding_id,
                gezin_ref=gezin or uuid4(),
                versie=versie,
                vorige_besluit_id=vorige,
                wijk="Feijenoord",
                melder_organisatie="veilig-thuis",
                aanpak=aanpak,
                urgentie=Urgentie.REGULIER,
                taakaccent=Taakaccent.CIVIEL,
                casusregie="jbrr",
                jeugdbeschermingsteam=list(team),
                vto=vto,
                genomen_op=nu,
                contact_uiterlijk=werkdagen.termijn(nu, 5) if aanpak.vraagt_regisseur else None,
                raadsonderzoek_start_uiterlijk=start or (werkdagen.termijn(nu, 5) if vto else None),
                raad=raad,
            ),
            bron=Bron.TAFEL,
            tijd=nu,
            onderwerp=melding_id,
        )
        await self.bus.publish(event)
        return event

    async def brief(self, melding_id: UUID, status: str = "gereed") -> dict[str, Any] | None:
        r = await self.client.get(
            "/api/v1/brieven",
            params={"melding_id": str(melding_id)},
            headers=bearer(self.tokens["ondersteuner"]),
        )
        rows = [b for b in r.json() if b["status"] == status]
        return dict(rows[0]) if rows else None

    async def pdf_tekst(self, brief_id: str) -> str:
        r = await self.client.get(
            f"/api/v1/brieven/{brief_id}/pdf", headers=bearer(self.tokens["ondersteuner"])
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(r.content))
        return "\n".join(page.extract_text() for page in reader.pages)

    async def tick(self, delta: timedelta) -> None:
        """Move notificatie's clock; pending timers follow it."""
        self.clock.advance(delta)
        await self.service.reschedule_timers()


REFERENTIE_VOL = """
[[gebiedsteams]]
code = "zuid"
naam = "Zuid"
gemeenten = ["0599"]

[[jeugdbeschermers]]
code = "zuid-1"
naam = "Zara Zuid"
gebiedsteam = "zuid"
taakaccent = "civiel"
max_caseload = 0
"""


@pytest.fixture
def referentie() -> str | None:
    """The toewijzing reference file for the test (None: the example data)."""
    return None


@pytest.fixture
def intake_poort() -> bool:
    """True: notificatie reaches intake on a free port where nothing listens (yet)."""
    return False


@pytest.fixture
def interne_doelen() -> bool:
    """JBPLEIN_WEBHOOK_INTERNE_DOELEN: the tests' receivers are on loopback."""
    return True


@pytest.fixture
async def plein(
    nats_server: NatsServer,
    database_factory: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    accounts_file: Path,
    tokens: dict[str, str],
    referentie: str | None,
    intake_poort: bool,
    interne_doelen: bool,
) -> AsyncIterator[Plein]:
    poort = free_port() if intake_poort else None
    with ExitStack() as stack:
        intake = stack.enter_context(
            served(
                intake_app(
                    fast_settings(
                        IntakeSettings,
                        database_url=await database_factory("intake"),
                        nats_url=nats_server.url,
                        data_dir=tmp_path / "intake",
                        accounts_file=accounts_file,
                    )
                )
            )
        )
        extra: dict[str, Any] = {}
        if referentie is not None:
            (tmp_path / "referentie.toml").write_text(referentie, encoding="utf-8")
            extra["referentie_file"] = tmp_path / "referentie.toml"
        toewijzing = stack.enter_context(
            served(
                toewijzing_app(
                    fast_settings(
                        ToewijzingSettings,
                        database_url=await database_factory("toewijzing"),
                        nats_url=nats_server.url,
                        data_dir=tmp_path / "toewijzing",
                        accounts_file=accounts_file,
                        **extra,
                    )
                )
            )
        )
        clock = ManualClock(wall_now())
        app = notificatie_app(
            fast_settings(
                Settings,
                database_url=await database_factory("notificatie"),
                nats_url=nats_server.url,
                data_dir=tmp_path / "notificatie",
                accounts_file=accounts_file,
                intake_url=f"http://127.0.0.1:{poort}" if poort else intake,
                toewijzing_url=toewijzing,
                dienst_token=tokens["dienst-notificatie"],
                regisseur_wachttijd_seconden=600,
                brief_backoff_seconden=(60.0,),
                webhook_eerste_wachttijd_seconden=60,
                webhook_max_wachttijd_seconden=3600,
                webhook_opgeven_na_seconden=6 * 3600,
                webhook_interne_doelen=interne_doelen,
            ),
            clock,
        )
        service: Service = app.state.service
        await service.start()
        try:
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://test") as client,
                Bus(nats_server.url) as bus,
            ):
                yield Plein(client, service, clock, bus, intake, tokens, poort)
        finally:
            await service.stop()


# --- the letter ----------------------------------------------------------------------------


async def test_each_letter_variant_is_made_with_the_right_text_and_no_other_familys(
    plein: Plein,
) -> None:
    teksten: dict[str, str] = {}
    for aanpak in Aanpak:
        m = await plein.melding(aanpak.value)
        await plein.besluit(UUID(m["id"]), aanpak)
        brief = await eventually(lambda m=m: plein.brief(UUID(m["id"])), timeout=30)
        assert brief["variant"] == aanpak.value
        assert brief["referentie"] == m["referentie"]
        teksten[aanpak.value] = await plein.pdf_tekst(brief["id"])
    assert "Uw casusregisseur is Jeugdbeschermer Zuid 1" in teksten["drang"]
    assert "Uw casusregisseur is Jeugdbeschermer Zuid 1" in teksten["raadsonderzoek"]
    assert "casusregisseur" not in teksten["vrijwillig"].lower()
    assert "actieplan" in teksten["drang"]
    assert "Raad voor de Kinderbescherming" in teksten["raadsonderzoek"]
    assert "Gemeente Rotterdam" in teksten["drang"]
    for aanpak, tekst in teksten.items():
        kind, achternaam, ouder, _, postcode, _ = GEZINNEN[aanpak]
        assert f"{ouder} {achternaam}" in tekst and kind in tekst and postcode in tekst
        for ander, gegevens in GEZINNEN.items():
            if ander != aanpak:
                for woord in (gegevens[0], gegevens[1], gegevens[2], gegevens[4]):
                    assert woord not in tekst, f"{aanpak} letter holds {ander}'s {woord}"


@pytest.mark.parametrize("referentie", [REFERENTIE_VOL])
async def test_a_letter_waits_for_its_regisseur_then_goes_without_the_name_and_says_why(
    plein: Plein,
) -> None:
    m = await plein.melding("drang")
    await plein.besluit(UUID(m["id"]), Aanpak.DRANG)
    wachtend = await eventually(lambda: plein.brief(UUID(m["id"]), "wacht_op_regisseur"))
    assert wachtend["regisseur_ref"] is None
    await plein.tick(timedelta(minutes=11))
    brief = await eventually(lambda: plein.brief(UUID(m["id"])), timeout=30)
    assert "10 minuten" in brief["zonder_regisseur_reden"]
    assert "wachtlijst" in brief["zonder_regisseur_reden"]
    tekst = await plein.pdf_tekst(brief["id"])
    assert "stelt zich" in tekst or "neemt contact" in tekst
    assert "Zara" not in tekst


async def _wacht_op_een_slot(plein: Plein) -> bool:
    """Some connection to notificatie's database waits for a lock (PostgreSQL)."""
    async with plein.service.unit_of_work() as uow:
        n = await uow.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(n)


@pytest.mark.parametrize("referentie", [REFERENTIE_VOL])
@pytest.mark.parametrize("nieuws", ["toegewezen", "lang_genoeg_gewacht"])
async def test_a_letter_withdrawn_meanwhile_stays_withdrawn_when_its_regisseur_news_comes(
    plein: Plein, nieuws: str
) -> None:
    """A later melding's besluit withdraws the waiting letter while its casusregisseur is
    assigned (or its wait ends) at the same moment: the letter must not come back to be made
    and posted. The withdrawal holds the case's letter lock and has not committed yet when the
    news is handled; the handler must wait for it and read the letter again."""
    async with plein.service.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite has one connection: handlers cannot overlap there")
    m = UUID((await plein.melding("drang"))["id"])
    besluit = await plein.besluit(m, Aanpak.DRANG)

    async def op_de_wachtlijst() -> Brief | None:
        async with plein.service.unit_of_work() as uow:
            return await uow.session.scalar(
                select(Brief).where(Brief.melding_id == m, Brief.wachtlijst_reden.is_not(None))
            )

    brief = await eventually(op_de_wachtlijst, timeout=30)
    assert brief.status == WACHT_OP_REGISSEUR
    async with plein.service.unit_of_work() as uow:  # as vervang does, not committed yet
        await uow.lock(brieven_lock(m))
        await uow.session.execute(
            update(Brief).where(Brief.id == brief.id).values(status=INGETROKKEN)
        )
        await uow.cancel_timer(f"brief-{brief.id}")
        if nieuws == "toegewezen":
            await plein.bus.publish(
                RegisseurToegewezen.maak(
                    RegisseurToegewezenData(
                        gemeente="0599",
                        toewijzing_id=uuid4(),
                        melding_id=m,
                        besluit_id=besluit.data.besluit_id,
                        gezin_ref=besluit.data.gezin_ref,
                        jeugdbeschermer_ref="zuid-1",
                        gebiedsteam="zuid",
                        taakaccent=Taakaccent.CIVIEL,
                        continuiteit=False,
                        toegewezen_op=plein.clock.now(),
                    ),
                    bron=Bron.TOEWIJZING,
                    tijd=plein.clock.now(),
                    onderwerp=m,
                )
            )
        else:
            await plein.tick(timedelta(minutes=11))
        await eventually(lambda: _wacht_op_een_slot(plein), timeout=30)

    async def afgehandeld() -> Brief | None:
        async with plein.service.unit_of_work() as uow:
            if nieuws == "toegewezen":
                klaar = await uow.session.get(Regisseur, besluit.data.besluit_id) is not None
            else:
                timer = await uow.session.get(ScheduledTimer, f"brief-{brief.id}")
                klaar = timer is not None and timer.status == VERLOPEN
            return await uow.session.get(Brief, brief.id) if klaar else None

    nu = await eventually(afgehandeld, timeout=30)
    assert nu.status == INGETROKKEN, "a withdrawn letter came back"


@pytest.mark.parametrize("intake_poort", [True])
async def test_when_intake_is_down_the_letter_waits_visibly_and_is_made_when_it_is_back(
    plein: Plein,
    nats_server: NatsServer,
    database_factory: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    accounts_file: Path,
) -> None:
    m = await plein.melding("vrijwillig")  # the plein's own intake, not the one letters use
    await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
    wacht = await eventually(lambda: _met_fout(plein, UUID(m["id"])), timeout=30)
    assert wacht["laatste_fout"].startswith("intake: ")
    assert wacht["status"] == "te_maken"
    # An intake comes up on the address notificatie uses; it does not know this melding.
    with served(
        intake_app(
            fast_settings(
                IntakeSettings,
                database_url=await database_factory("intake-2"),
                nats_url=nats_server.url,
                data_dir=tmp_path / "intake-2",
                accounts_file=accounts_file,
            )
        ),
        port=plein.intake_poort,
    ):
        await plein.tick(timedelta(minutes=2))
        weer = await eventually(
            lambda: _met_fout(plein, UUID(m["id"]), "intake: answered 404"), timeout=30
        )
        assert weer["pogingen"] >= 2


async def _met_fout(plein: Plein, melding_id: UUID, fout: str | None = None) -> Any:
    brief = await plein.brief(melding_id, "te_maken")
    if brief and brief["laatste_fout"] and (fout is None or brief["laatste_fout"] == fout):
        return brief
    return None


async def test_staff_mark_a_letter_posted_and_every_look_at_it_is_audited(plein: Plein) -> None:
    m = await plein.melding("vrijwillig")
    await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
    brief = await eventually(lambda: plein.brief(UUID(m["id"])), timeout=30)
    staf = bearer(plein.tokens["ondersteuner"])
    assert (
        await plein.client.get("/api/v1/brieven", headers=bearer(plein.tokens["jbrr-api"]))
    ).status_code == 403
    r = await plein.client.post(f"/api/v1/brieven/{brief['id']}/verzending", headers=staf)
    assert r.status_code == 200 and r.json()["status"] == "verzonden"
    assert r.json()["verzonden_door"] == "ondersteuner"
    again = await plein.client.post(f"/api/v1/brieven/{brief['id']}/verzending", headers=staf)
    assert again.status_code == 409
    await plein.pdf_tekst(brief["id"])
    async with plein.service.unit_of_work() as uow:
        acties = {
            a.action
            for a in (
                await uow.session.scalars(select(AuditEntry).where(AuditEntry.dossier == m["id"]))
            ).all()
        }
    assert {"brief.lezen", "brief.verzonden", "brief.downloaden"} <= acties


async def brieven_van(plein: Plein, melding_id: UUID) -> dict[str, dict[str, Any]]:
    """The case's letters by besluit version."""
    r = await plein.client.get(
        "/api/v1/brieven",
        params={"melding_id": str(melding_id)},
        headers=bearer(plein.tokens["ondersteuner"]),
    )
    return {f"v{b['besluit_versie']}": b for b in r.json()}


async def _status(plein: Plein, melding_id: UUID, **verwacht: str) -> Any:
    brieven = await brieven_van(plein, melding_id)
    if all(brieven.get(v, {}).get("status") == s for v, s in verwacht.items()):
        return brieven
    return None


async def test_a_correction_withdraws_the_unposted_letter_and_replaces_a_posted_one_saying_so(
    plein: Plein, nats_server: NatsServer, passwords: dict[str, str]
) -> None:
    m = await plein.melding("vrijwillig")
    zaak = UUID(m["id"])
    staf = bearer(plein.tokens["ondersteuner"])
    v1 = await plein.besluit(zaak, Aanpak.VRIJWILLIG)
    await eventually(lambda: _status(plein, zaak, v1="gereed"), timeout=30)
    # A correction before the letter was posted: the first letter is withdrawn, not deleted.
    v2 = await plein.besluit(
        zaak, Aanpak.VRIJWILLIG, versie=2, vorige=v1.data.besluit_id, team=("wijkteam-rotterdam",)
    )
    brieven = await eventually(
        lambda: _status(plein, zaak, v1="ingetrokken", v2="gereed"), timeout=30
    )
    eerste, tweede = brieven["v1"], brieven["v2"]
    assert eerste["vervangen_door"] == tweede["id"]
    assert "versie 2" in eerste["ingetrokken_reden"] and eerste["ingetrokken_op"]
    assert tweede["vervangt_brief_id"] is None, "the gezin never got the first letter"
    assert "vervangt" not in (await plein.pdf_tekst(tweede["id"]))
    weg = await plein.client.post(f"/api/v1/brieven/{eerste['id']}/verzending", headers=staf)
    assert weg.status_code == 409 and "withdrawn" in weg.json()["detail"]
    # The second letter is posted; then the tafel corrects again, to drang.
    posted = await plein.client.post(f"/api/v1/brieven/{tweede['id']}/verzending", headers=staf)
    assert posted.status_code == 200
    await plein.besluit(zaak, Aanpak.DRANG, versie=3, vorige=v2.data.besluit_id)
    brieven = await eventually(
        lambda: _status(plein, zaak, v1="ingetrokken", v2="verzonden", v3="gereed"), timeout=30
    )
    derde = brieven["v3"]
    assert derde["vervangt_brief_id"] == tweede["id"]
    assert brieven["v2"]["vervangen_door"] == derde["id"]
    tekst = " ".join((await plein.pdf_tekst(derde["id"])).split())
    datum = brief_datum(posted.json()["verzonden_op"])
    assert f"Deze brief vervangt onze brief van {datum}" in tekst
    assert "Wij hebben ons besluit veranderd." in tekst
    assert "Eerst hadden wij besloten: de hulp die u krijgt, gaat door." in tekst
    assert "Nu hebben wij besloten: uw gezin krijgt een casusregisseur." in tekst
    assert "nieuw besluit van het Jeugdbeschermingsplein" in tekst
    # An older version arriving late changes nothing: no letter, no partner event.
    await plein.besluit(zaak, Aanpak.RAADSONDERZOEK, versie=2, vorige=v1.data.besluit_id)
    partner = await eventually(lambda: _n(_partner_events(nats_server.url), 6), timeout=30)
    besluiten = [b["data"] for s, b in partner if s.startswith("jbplein.partner.besluit")]
    assert [(b["besluit_versie"], b["vervangt_versie"], b["correctie"]) for b in besluiten] == [
        (1, None, False),
        (2, 1, True),
        (3, 2, True),
    ]
    async with plein.service.unit_of_work() as uow:
        acties = [
            a.action
            for a in (
                await uow.session.scalars(select(AuditEntry).where(AuditEntry.dossier == m["id"]))
            ).all()
        ]
    assert acties.count("brief.ingetrokken") == 1
    assert set(await brieven_van(plein, zaak)) == {"v1", "v2", "v3"}
    assert len(await _partner_events(nats_server.url)) == 6
    # The screens show it.
    r = await plein.client.post(
        "/inloggen", data={"gebruiker": "ondersteuner", "wachtwoord": passwords["ondersteuner"]}
    )
    assert r.status_code == 303
    lijst = (await plein.client.get("/brieven")).text
    assert "ingetrokken" in lijst and "niet versturen" in lijst
    assert (
        f"vervangt de brief verzonden op {brief_datum(posted.json()['verzonden_op'], '%d-%m-%Y')}"
        in lijst
    )
    pagina = (await plein.client.get(f"/brieven/{eerste['id']}")).text
    assert 'id="ingetrokken"' in pagina and f"/brieven/{tweede['id']}" in pagina
    assert "Markeer als verzonden" not in pagina


async def _besluit_bekend(plein: Plein, besluit_id: UUID) -> bool:
    async with plein.service.unit_of_work() as uow:
        return await uow.session.get(Besluit, besluit_id) is not None


async def _gereed(plein: Plein) -> list[dict[str, Any]]:
    r = await plein.client.get(
        "/api/v1/brieven", headers=bearer(plein.tokens["ondersteuner"]), params={"status": "gereed"}
    )
    return list(r.json())


async def test_a_later_meldings_besluit_about_the_gezin_replaces_its_letter_not_duplicates_it(
    plein: Plein,
) -> None:
    """One gezin, one letter: the gezin's case is updated by a later melding's besluit, and so
    is its letter (withdrawn while unposted). A drang besluit while the gezin's raadsonderzoek
    holds makes no letter: the raadsonderzoek letter still says what holds (a second letter
    would tell the gezin the same news again, or "drang" while the raadsonderzoek goes on)."""
    gezin = uuid4()
    eerste, tweede, derde = [UUID((await plein.melding("raadsonderzoek"))["id"]) for _ in "123"]
    team = ("jbrr", "rvdk", "wijkteam-rotterdam")
    await plein.besluit(eerste, Aanpak.RAADSONDERZOEK, team=team, gezin=gezin)
    brief_1 = await eventually(lambda: plein.brief(eerste), timeout=30)
    drang = await plein.besluit(tweede, Aanpak.DRANG, gezin=gezin)
    await eventually(lambda: _besluit_bekend(plein, drang.data.besluit_id), timeout=30)
    assert await brieven_van(plein, tweede) == {}, "no second letter about one case"
    assert await plein.brief(eerste) is not None, "drang does not replace the raadsonderzoek"
    # The Raad was asked at the first besluit; the third asks it no second time.
    await plein.besluit(derde, Aanpak.RAADSONDERZOEK, team=team, gezin=gezin, vto=False)
    brief_3 = await eventually(lambda: plein.brief(derde), timeout=30)
    ingetrokken = await plein.brief(eerste, "ingetrokken")
    assert ingetrokken is not None and ingetrokken["id"] == brief_1["id"]
    assert ingetrokken["vervangen_door"] == brief_3["id"]
    assert brief_3["vervangt_brief_id"] is None, "the gezin never got the earlier letters"
    assert [b["melding_id"] for b in await _gereed(plein)] == [str(derde)], "one letter to post"


async def test_a_correction_in_a_gezin_replaces_the_gezins_letter_and_says_what_holds_now(
    plein: Plein,
) -> None:
    """A correction of one melding's besluit replaces the gezin's letters about its other
    meldingen too, and the new letter says what holds for the gezin now: the strongest current
    besluit among its open meldingen (as toewijzing's one case follows)."""
    gezin = uuid4()
    m1, m2 = [UUID((await plein.melding("drang"))["id"]) for _ in "12"]
    b1 = await plein.besluit(m1, Aanpak.DRANG, gezin=gezin)
    await eventually(lambda: _status(plein, m1, v1="gereed"), timeout=30)
    await plein.besluit(m2, Aanpak.DRANG, gezin=gezin)
    await eventually(lambda: _status(plein, m1, v1="ingetrokken"), timeout=30)
    l2 = (await eventually(lambda: _status(plein, m2, v1="gereed"), timeout=30))["v1"]
    # M1 corrected to raadsonderzoek: M2's drang letter goes too.
    b1v2 = await plein.besluit(
        m1,
        Aanpak.RAADSONDERZOEK,
        versie=2,
        vorige=b1.data.besluit_id,
        team=("jbrr", "rvdk", "wijkteam-rotterdam"),
        gezin=gezin,
    )

    # The letter takes the casusregisseur the case keeps; where it has none yet it goes after
    # its wait (toewijzing names nobody anew for a correction).
    async def v2_er() -> Any:
        return (await brieven_van(plein, m1)).get("v2")

    if (await eventually(v2_er, timeout=30))["status"] == "wacht_op_regisseur":
        await plein.tick(timedelta(minutes=11))
    l3 = (await eventually(lambda: _status(plein, m1, v2="gereed"), timeout=30))["v2"]
    assert l3["variant"] == "raadsonderzoek"
    weg = await eventually(lambda: _status(plein, m2, v1="ingetrokken"), timeout=30)
    assert weg["v1"]["id"] == l2["id"] and weg["v1"]["vervangen_door"] == l3["id"]
    assert [b["id"] for b in await _gereed(plein)] == [l3["id"]]
    # M1 corrected to vrijwillig while M2's drang holds: the gezin's letter says drang.
    await plein.besluit(
        m1,
        Aanpak.VRIJWILLIG,
        versie=3,
        vorige=b1v2.data.besluit_id,
        team=("wijkteam-rotterdam",),
        gezin=gezin,
    )
    l4 = (await eventually(lambda: _status(plein, m1, v2="ingetrokken", v3="gereed"), timeout=30))[
        "v3"
    ]
    assert l4["variant"] == "drang", "the case stays drang: M2's besluit holds"
    assert [b["id"] for b in await _gereed(plein)] == [l4["id"]]
    tekst = " ".join((await plein.pdf_tekst(l4["id"])).split())
    assert "casusregisseur" in tekst and "de hulp die u krijgt, gaat door" not in tekst


async def test_a_letter_never_replaces_a_letter_of_the_gezins_closed_case(plein: Plein) -> None:
    """A case toewijzing closed (``zaak.afgesloten``) leaves the gezin's letters: a later
    melding's letter does not withdraw its letter nor say it replaces it."""
    gezin = uuid4()
    m1, m2 = [UUID((await plein.melding("drang"))["id"]) for _ in "12"]
    b1 = await plein.besluit(m1, Aanpak.DRANG, gezin=gezin)
    l1 = (await eventually(lambda: _status(plein, m1, v1="gereed"), timeout=30))["v1"]
    nu = plein.clock.now()
    await plein.bus.publish(
        ZaakAfgesloten.maak(
            ZaakAfgeslotenData(
                gemeente="0599",
                toewijzing_id=uuid4(),
                melding_id=m1,
                gezin_ref=gezin,
                aanpak=Aanpak.DRANG,
                reden=Afsluitreden.TERUG_NAAR_WIJKTEAM,
                afgesloten_op=nu,
            ),
            bron=Bron.TOEWIJZING,
            tijd=nu,
            onderwerp=m1,
        )
    )

    async def afgesloten() -> bool:
        async with plein.service.unit_of_work() as uow:
            return await uow.session.get(AfgeslotenMelding, m1) is not None

    await eventually(afgesloten, timeout=30)
    assert b1.data.gezin_ref == gezin
    await plein.besluit(m2, Aanpak.DRANG, gezin=gezin)
    l2 = (await eventually(lambda: _status(plein, m2, v1="gereed"), timeout=30))["v1"]
    assert l2["vervangt_brief_id"] is None
    assert (await brieven_van(plein, m1))["v1"]["status"] == "gereed", (
        "the closed case's letter is not withdrawn"
    )
    assert l1["vervangen_door"] is None


async def test_a_corrected_letter_names_the_casusregisseur_the_case_keeps(plein: Plein) -> None:
    m = await plein.melding("drang")
    zaak = UUID(m["id"])
    v1 = await plein.besluit(zaak, Aanpak.DRANG)
    eerste = await eventually(lambda: plein.brief(zaak), timeout=30)
    assert eerste["regisseur_ref"] is not None
    await plein.besluit(zaak, Aanpak.RAADSONDERZOEK, versie=2, vorige=v1.data.besluit_id)
    # Toewijzing keeps the case and its casusregisseur (no new assignment): the new letter is
    # made at once with that name, not after the wait for an assignment that never comes.
    brieven = await eventually(
        lambda: _status(plein, zaak, v1="ingetrokken", v2="gereed"), timeout=30
    )
    assert brieven["v2"]["regisseur_ref"] == eerste["regisseur_ref"]
    assert brieven["v2"]["zonder_regisseur_reden"] is None
    assert "Uw casusregisseur is" in await plein.pdf_tekst(brieven["v2"]["id"])


def brief_datum(moment: str, formaat: str | None = None) -> str:
    from jbplein_notificatie.brief import datum_nl

    dag = werkdagen.lokale_dag(datetime.fromisoformat(moment))
    return dag.strftime(formaat) if formaat else datum_nl(dag)


async def test_a_letter_to_an_address_without_street_or_town_waits_as_adres_onvolledig(
    plein: Plein, passwords: dict[str, str]
) -> None:
    body = melding_van("vrijwillig")
    del body["gezin"]["adres"]["straat"], body["gezin"]["adres"]["woonplaats"]
    m = await plein.melding(body=body)
    zaak = UUID(m["id"])
    await plein.besluit(zaak, Aanpak.VRIJWILLIG)
    brief = await eventually(lambda: plein.brief(zaak, "adres_onvolledig"), timeout=30)
    assert brief["adres_ontbreekt"] == ["straat", "woonplaats"]
    assert await plein.brief(zaak, "gereed") is None
    staf = bearer(plein.tokens["ondersteuner"])
    geen_pdf = await plein.client.get(f"/api/v1/brieven/{brief['id']}/pdf", headers=staf)
    assert geen_pdf.status_code == 409
    posten = await plein.client.post(f"/api/v1/brieven/{brief['id']}/verzending", headers=staf)
    assert posten.status_code == 409 and "address" in posten.json()["detail"]
    gefilterd = await plein.client.get(
        "/api/v1/brieven", params={"status": "adres_onvolledig"}, headers=staf
    )
    assert [b["id"] for b in gefilterd.json()] == [brief["id"]]
    # It is tried again later (the address may be completed), and still waits.
    await plein.tick(timedelta(minutes=2))
    await eventually(
        lambda: _met(plein.brief(zaak, "adres_onvolledig"), lambda b: b["pogingen"] >= 2),
        timeout=30,
    )
    r = await plein.client.post(
        "/inloggen", data={"gebruiker": "ondersteuner", "wachtwoord": passwords["ondersteuner"]}
    )
    assert r.status_code == 303
    lijst = (await plein.client.get("/brieven")).text
    assert "adres onvolledig: straat, woonplaats ontbreekt" in lijst
    pagina = (await plein.client.get(f"/brieven/{brief['id']}")).text
    assert 'id="adres"' in pagina and "Markeer als verzonden" not in pagina


async def _met(awaitable: Awaitable[Any], test: Callable[[Any], bool]) -> Any:
    waarde = await awaitable
    return waarde if waarde is not None and test(waarde) else None


# --- partner events and their details --------------------------------------------------------


async def _partner_events(url: str) -> list[tuple[str, dict[str, Any]]]:
    return [(subject, json.loads(body)) for subject, body in await partner_berichten(url)]


async def test_partners_hear_the_besluit_the_melder_and_the_raad_are_addressed(
    plein: Plein, nats_server: NatsServer
) -> None:
    m = await plein.melding("raadsonderzoek")
    zaak = UUID(m["id"])
    await plein.besluit(zaak, Aanpak.RAADSONDERZOEK)
    events = await eventually(lambda: _n(_partner_events(nats_server.url), 3), timeout=30)
    per_subject = {subject: body for subject, body in events}
    assert set(per_subject) == {
        "jbplein.partner.besluit.genomen.v1.0599",
        "jbplein.partner.aan.veilig-thuis.melding.besloten.v1.0599",
        "jbplein.partner.aan.rvdk.raadsonderzoek.gevraagd.v1.0599",
    }
    for body in per_subject.values():
        assert body["data"]["zaak_ref"] == str(zaak)
        assert body["dataref"] == f"http://127.0.0.1:8104/api/v1/partnerzaken/{zaak}"
    # The details behind dataref: the organisations involved, each what its role needs.
    melder = await plein.client.get(
        f"/api/v1/partnerzaken/{zaak}", headers=bearer(plein.tokens["veilig-thuis-api"])
    )
    assert melder.status_code == 200
    assert melder.json()["gezin"] is None
    raad = await plein.client.get(
        f"/api/v1/partnerzaken/{zaak}", headers=bearer(plein.tokens["rvdk-api"])
    )
    assert raad.status_code == 200
    assert raad.json()["gezin"]["gezin"]["kinderen"][0]["voornaam"] == "Rosa"
    politie = await plein.client.get(
        f"/api/v1/partnerzaken/{zaak}", headers=bearer(plein.tokens["politie-api"])
    )
    assert politie.status_code == 404
    async with plein.service.unit_of_work() as uow:
        audit = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.dossier == str(zaak)))
        ).all()
    assert {(a.organisation, a.action) for a in audit} >= {
        ("veilig-thuis", "partnerzaak.lezen"),
        ("rvdk", "partnerzaak.lezen"),
        ("politie", "partnerzaak.geweigerd"),
    }


async def test_a_raadsonderzoek_joining_the_gezins_investigation_reads_as_any_raadsonderzoek(
    plein: Plein, nats_server: NatsServer
) -> None:
    """The melder of a melding whose raadsonderzoek joined another organisation's running
    investigation sees the Raad and its start deadline, as for any raadsonderzoek (it cannot
    tell another melding asked); the Raad gets no second VTO."""
    gezin = uuid4()
    team = ("jbrr", "rvdk", "wijkteam-rotterdam")
    eerste, tweede = [UUID((await plein.melding("raadsonderzoek"))["id"]) for _ in "12"]
    vto = await plein.besluit(eerste, Aanpak.RAADSONDERZOEK, team=team, gezin=gezin)
    start = vto.data.raadsonderzoek_start_uiterlijk
    assert start is not None
    await eventually(lambda: _n(_partner_events(nats_server.url), 3), timeout=30)
    await plein.besluit(
        tweede, Aanpak.RAADSONDERZOEK, team=team, gezin=gezin, vto=False, raad="rvdk", start=start
    )
    events = await eventually(lambda: _n(_partner_events(nats_server.url), 5), timeout=30)
    over_tweede = {s: b for s, b in events if b["data"]["zaak_ref"] == str(tweede)}
    assert set(over_tweede) == {
        "jbplein.partner.besluit.genomen.v1.0599",
        "jbplein.partner.aan.veilig-thuis.melding.besloten.v1.0599",
    }, "no second VTO"
    besluit = over_tweede["jbplein.partner.besluit.genomen.v1.0599"]["data"]
    assert besluit["raadsonderzoek_start_uiterlijk"] == start.isoformat()
    melder = await plein.client.get(
        f"/api/v1/partnerzaken/{tweede}", headers=bearer(plein.tokens["veilig-thuis-api"])
    )
    assert melder.status_code == 200, melder.text
    assert melder.json()["raad"] == "rvdk"
    assert melder.json()["raadsonderzoek_start_uiterlijk"] == start.isoformat()


async def _n(awaitable: Awaitable[list[Any]], n: int) -> list[Any]:
    result = await awaitable
    return result if len(result) >= n else []


# --- webhooks ------------------------------------------------------------------------------


async def abonneer(plein: Plein, url: str, organisatie: str = "veilig-thuis", **kw: Any) -> str:
    body = {
        "organisatie": organisatie,
        "omschrijving": "Zaaksysteem",
        "url": url,
        "token": "partner-geheim-0123456789",
        "event_types": ["nl.jbplein.partner.besluit.genomen.v1"],
        "gemeenten": ["0599"],
        **kw,
    }
    r = await plein.client.post(
        "/api/v1/abonnementen", json=body, headers=bearer(plein.tokens["beheer"])
    )
    assert r.status_code == 201, r.text
    assert "token" not in r.json()
    return str(r.json()["id"])


async def leveringen(plein: Plein, **params: str) -> list[dict[str, Any]]:
    r = await plein.client.get(
        "/api/v1/leveringen", params=params, headers=bearer(plein.tokens["beheer"])
    )
    assert r.status_code == 200, r.text
    return list(r.json())


async def levering(plein: Plein, levering_id: str) -> dict[str, Any]:
    r = await plein.client.get(
        f"/api/v1/leveringen/{levering_id}", headers=bearer(plein.tokens["beheer"])
    )
    return dict(r.json())


async def _met_pogingen(plein: Plein, levering_id: str, n: int) -> dict[str, Any] | None:
    lev = await levering(plein, levering_id)
    return lev if lev["pogingen"] >= n else None


async def test_a_receiver_that_fails_three_times_gets_one_delivery_after_four_attempts(
    plein: Plein,
) -> None:
    with ontvanger(fouten=3, fout_status=500) as partner:
        await abonneer(plein, partner.url)
        m = await plein.melding("vrijwillig")
        besluit = await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        [lev] = await eventually(lambda: _n(leveringen(plein), 1), timeout=30)
        for poging in range(1, 4):
            await eventually(lambda p=poging: _met_pogingen(plein, lev["id"], p), timeout=30)
            await plein.tick(timedelta(hours=1))
        klaar = await eventually(lambda: _met_status(plein, lev["id"], "bezorgd"), timeout=30)
        assert len(partner.ontvangen) == 4
        assert len(partner.gelukt) == 1
        assert [p["http_status"] for p in klaar["log"]] == [500, 500, 500, 200]
        assert klaar["log"][0]["volgende_poging_op"] is not None
        ontvangen = partner.gelukt[0]
        assert ontvangen.headers["authorization"] == "Bearer partner-geheim-0123456789"
        assert ontvangen.headers["content-type"].startswith("application/cloudevents+json")
        assert "webhook-request-origin" in ontvangen.headers
        assert "traceparent" in ontvangen.headers
        event = json.loads(ontvangen.body)
        assert event["type"] == "nl.jbplein.partner.besluit.genomen.v1"
        assert event["data"]["zaak_ref"] == str(besluit.data.melding_id)


async def _na_poging(plein: Plein, levering_id: str, gezien: int) -> dict[str, Any] | None:
    lev = await levering(plein, levering_id)
    return lev if lev["pogingen"] > gezien or lev["status"] == "mislukt" else None


async def _met_status(plein: Plein, levering_id: str, status: str) -> dict[str, Any] | None:
    lev = await levering(plein, levering_id)
    return lev if lev["status"] == status else None


async def test_a_receiver_that_stays_down_fails_visibly_with_an_alert_and_can_be_resent(
    plein: Plein, nats_server: NatsServer
) -> None:
    with ontvanger(fouten=None, fout_status=503) as partner:
        await abonneer(plein, partner.url)
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        [lev] = await eventually(lambda: _n(leveringen(plein), 1), timeout=30)
        gezien = 0
        for _ in range(12):  # six hours of backoff: 1, 2, 4, 8, 16, 32, 60, 60... minutes
            # The attempt that is due now (the first at once, each later one after an hour).
            nu = await eventually(lambda g=gezien: _na_poging(plein, lev["id"], g))
            if nu["status"] == "mislukt":
                break
            gezien = nu["pogingen"]
            await plein.tick(timedelta(hours=1))
        mislukt = await eventually(lambda: _met_status(plein, lev["id"], "mislukt"), timeout=30)
        assert mislukt["pogingen"] == len(partner.ontvangen) >= 5
        assert [x["id"] for x in await leveringen(plein, status="mislukt")] == [lev["id"]]
        bus = plein.bus
        [alert] = await eventually(lambda: bus.read(subjects.LEVERING_MISLUKT, LeveringMislukt))
        assert str(alert.data.levering_id) == lev["id"]
        assert alert.data.organisatie == "veilig-thuis"
        partner.fouten = len(partner.ontvangen)  # the partner is back
        r = await plein.client.post(
            f"/api/v1/leveringen/{lev['id']}/opnieuw", headers=bearer(plein.tokens["beheer"])
        )
        assert r.status_code == 200, r.text
        await eventually(lambda: _met_status(plein, lev["id"], "bezorgd"), timeout=30)
        assert len(partner.gelukt) == 1


async def test_retry_after_is_honoured_and_410_gone_switches_the_subscription_off(
    plein: Plein,
) -> None:
    with (
        ontvanger(fouten=None, fout_status=429, retry_after="7200") as langzaam,
        ontvanger(fouten=None, fout_status=410) as weg,
    ):
        await abonneer(plein, langzaam.url)
        weg_id = await abonneer(plein, weg.url)
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        lijst = await eventually(lambda: _n(leveringen(plein), 2), timeout=30)
        per_abonnement = {x["abonnement_id"]: x["id"] for x in lijst}
        gone = await eventually(
            lambda: _met_status(plein, per_abonnement[weg_id], "mislukt"), timeout=30
        )
        assert gone["pogingen"] == 1
        abonnement = await plein.client.get(
            f"/api/v1/abonnementen/{weg_id}", headers=bearer(plein.tokens["beheer"])
        )
        assert abonnement.json()["actief"] is False
        [langzaam_id] = [v for k, v in per_abonnement.items() if k != weg_id]
        eerste = await eventually(lambda: _met_pogingen(plein, langzaam_id, 1), timeout=30)
        [poging] = eerste["log"] if eerste["log"] else (await levering(plein, langzaam_id))["log"]
        assert datetime.fromisoformat(poging["volgende_poging_op"]) - datetime.fromisoformat(
            poging["op"]
        ) == timedelta(hours=2)


async def test_an_addressed_event_reaches_only_the_subscription_of_its_organisation(
    plein: Plein,
) -> None:
    with ontvanger() as melder, ontvanger() as ander:
        soort = ["nl.jbplein.partner.melding.besloten.v1"]
        await abonneer(plein, melder.url, event_types=soort)
        await abonneer(plein, ander.url, organisatie="politie", event_types=soort)
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        await eventually(lambda: _n(_gelukt(melder), 1), timeout=30)
        assert ander.ontvangen == []
        assert len(await leveringen(plein)) == 1


async def _gelukt(partner: Any) -> list[Any]:
    return list(partner.gelukt)


async def test_a_subscription_names_partner_events_and_onboarded_municipalities_only(
    plein: Plein,
) -> None:
    r = await plein.client.post(
        "/api/v1/abonnementen",
        json={
            "organisatie": "onbekend",
            "omschrijving": "x",
            "url": "http://127.0.0.1:9/x",
            "token": "partner-geheim-0123456789",
            "event_types": ["nl.jbplein.besluit.genomen.v1"],
            "gemeenten": ["9999"],
        },
        headers=bearer(plein.tokens["beheer"]),
    )
    assert r.status_code == 400
    assert {p["name"] for p in r.json()["invalidParams"]} == {
        "organisatie",
        "event_types[0]",
        "gemeenten[0]",
    }
    partner = await plein.client.post(
        "/api/v1/abonnementen", json={}, headers=bearer(plein.tokens["veilig-thuis-api"])
    )
    assert partner.status_code == 403


# --- webhook targets (issue 11) --------------------------------------------------------------

PUBLIEK = "93.184.215.14"
"""A public address (TEST-NET ranges are not public to ``ipaddress``)."""

INTERNE_DOELEN = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:9/x",
    "http://localhost:8104/api/v1/leveringen",
    "http://10.1.2.3/x",
    "http://192.168.1.1/x",
    "http://172.16.0.1/x",
    "http://100.64.0.1/x",
    "http://0.0.0.0/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://[64:ff9b::a9fe:a9fe]/x",
    "http://[2002:7f00:1::]/x",
    "http://[fe80::1]/x",
    "http://[fd00::1]/x",
    "http://224.0.0.1/x",
    "http://2130706433/x",
    "http://nergens.invalid/x",
]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A resolver the test controls for the names it lists; others resolve as usual."""
    namen: dict[str, list[str]] = {}
    echt = doelen.resolve

    async def resolve(host: str, port: int) -> list[str]:
        return namen[host] if host in namen else await echt(host, port)

    monkeypatch.setattr(doelen, "resolve", resolve)
    return namen


@pytest.mark.parametrize("interne_doelen", [False])
async def test_a_callback_to_an_internal_address_is_refused_when_subscribing(
    plein: Plein, dns: dict[str, list[str]]
) -> None:
    dns["partner.example"] = [PUBLIEK]
    dns["gemengd.example"] = [PUBLIEK, "10.0.0.7"]
    for url in [*INTERNE_DOELEN, "https://gemengd.example/x"]:
        r = await plein.client.post(
            "/api/v1/abonnementen",
            json={
                "organisatie": "veilig-thuis",
                "omschrijving": "Zaaksysteem",
                "url": url,
                "token": "partner-geheim-0123456789",
                "event_types": ["nl.jbplein.partner.besluit.genomen.v1"],
                "gemeenten": ["0599"],
            },
            headers=bearer(plein.tokens["beheer"]),
        )
        assert r.status_code == 422, (url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert [p["name"] for p in r.json()["invalidParams"]] == ["url"], url
    opgeslagen = await plein.client.get(
        "/api/v1/abonnementen", headers=bearer(plein.tokens["beheer"])
    )
    assert opgeslagen.json() == [], "nothing stored"
    await abonneer(plein, "https://partner.example/jbplein/events")


@pytest.mark.parametrize("interne_doelen", [False])
async def test_a_callback_whose_name_resolves_inside_by_now_is_not_called(
    plein: Plein, dns: dict[str, list[str]]
) -> None:
    """DNS changed after the subscription was made: the delivery checks again and does not
    connect; the attempt is logged, and the delivery is tried again later."""
    with ontvanger() as partner:
        url = partner.url.replace("127.0.0.1", "partner.example")
        dns["partner.example"] = [PUBLIEK]
        await abonneer(plein, url)
        dns["partner.example"] = ["127.0.0.1"]
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        [lev] = await eventually(lambda: _n(leveringen(plein), 1), timeout=30)
        geweigerd = await eventually(lambda: _met_pogingen(plein, lev["id"], 1), timeout=30)
        assert geweigerd["status"] == "te_bezorgen"
        assert geweigerd["log"][0]["fout"] == "DoelGeweigerd"
        assert geweigerd["log"][0]["http_status"] is None
        assert partner.ontvangen == []


async def test_a_delivery_connects_to_the_address_it_checked(
    plein: Plein, dns: dict[str, list[str]]
) -> None:
    """The name is resolved and checked once, and the connection goes to that address (a
    name no real DNS knows reaches the receiver), with the name in ``Host``."""
    with ontvanger() as partner:
        dns["partner.example"] = ["127.0.0.1"]
        await abonneer(plein, partner.url.replace("127.0.0.1", "partner.example"))
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        await eventually(lambda: _n(_gelukt(partner), 1), timeout=30)
        poort = partner.url.split(":")[2].split("/")[0]
        assert partner.gelukt[0].headers["host"] == f"partner.example:{poort}"


def certificaat(folder: Path, naam: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``naam`` (its own CA), made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = folder / f"{naam}.pem", folder / f"{naam}.key"
    opdracht = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    opdracht += ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={naam}"]
    opdracht += ["-addext", f"subjectAltName=DNS:{naam}"]
    subprocess.run(
        opdracht,
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_a_tls_delivery_to_the_checked_address_still_checks_the_certificate_by_name(
    plein: Plein, dns: dict[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to the checked address keeps TLS honest: the name goes in SNI and the
    certificate must be the name's. Two names on one address, the certificate of one."""
    cert, key = certificaat(tmp_path, "partner.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the receiver's certificate is trusted
    dns["partner.example"] = dns["ander.example"] = ["127.0.0.1"]
    with ontvanger(tls=(cert, key)) as partner:
        await abonneer(plein, partner.url.replace("127.0.0.1", "partner.example"))
        await abonneer(plein, partner.url.replace("127.0.0.1", "ander.example"))
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)

        async def beide_geprobeerd() -> list[dict[str, Any]]:
            alle = await leveringen(plein)
            return alle if len(alle) == 2 and all(x["pogingen"] >= 1 for x in alle) else []

        uitkomst = {x["status"]: x for x in await eventually(beide_geprobeerd, timeout=30)}
        assert set(uitkomst) == {"bezorgd", "te_bezorgen"}, uitkomst
        assert uitkomst["te_bezorgen"]["laatste_fout"] == "ConnectError", (
            "ander.example's certificate is not this one"
        )
        assert [o.headers["host"].split(":")[0] for o in partner.ontvangen] == ["partner.example"]


# --- the screens ---------------------------------------------------------------------------


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def test_staff_see_letters_download_them_mark_them_posted_and_resend_a_delivery(
    plein: Plein, passwords: dict[str, str]
) -> None:
    with ontvanger(fouten=None, fout_status=500) as partner:
        await abonneer(plein, partner.url)
        m = await plein.melding("vrijwillig")
        await plein.besluit(UUID(m["id"]), Aanpak.VRIJWILLIG)
        brief = await eventually(lambda: plein.brief(UUID(m["id"])), timeout=30)
        [lev] = await eventually(lambda: _n(leveringen(plein), 1), timeout=30)
        await eventually(lambda: _met_pogingen(plein, lev["id"], 1))
        await plein.tick(timedelta(hours=7))  # past the six hours of trying
        await eventually(lambda: _met_status(plein, lev["id"], "mislukt"), timeout=30)

        client = plein.client
        assert (await client.get("/brieven")).status_code == 303, "log in first"
        r = await client.post(
            "/inloggen", data={"gebruiker": "ondersteuner", "wachtwoord": passwords["ondersteuner"]}
        )
        assert r.status_code == 303
        lijst = await client.get("/brieven")
        assert lijst.status_code == 200
        assert m["referentie"] in lijst.text and "gereed om te versturen" in lijst.text
        pagina = await client.get(f"/brieven/{brief['id']}")
        assert "Markeer als verzonden" in pagina.text
        pdf = await client.get(f"/brieven/{brief['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        zonder_token = await client.post(f"/brieven/{brief['id']}/verzonden")
        assert zonder_token.status_code == 403
        gepost = await client.post(
            f"/brieven/{brief['id']}/verzonden", data={"csrf": _csrf(pagina.text)}
        )
        assert gepost.status_code == 303
        assert "verzonden" in (await client.get(f"/brieven/{brief['id']}")).text
        assert (await plein.brief(UUID(m["id"]), "verzonden")) is not None

        scherm = await client.get("/leveringen")
        assert scherm.status_code == 200 and "Mislukt (1)" in scherm.text
        partner.fouten = len(partner.ontvangen)  # back up
        opnieuw = await client.post(
            f"/leveringen/{lev['id']}/opnieuw", data={"csrf": _csrf(scherm.text)}
        )
        assert opnieuw.status_code == 303
        await eventually(lambda: _met_status(plein, lev["id"], "bezorgd"), timeout=30)
        assert "Geen mislukte leveringen" in (await client.get("/leveringen")).text
