"""Meldingen through the whole system, as the plein would: partners POST them to intake, the
tafel plans them, a besluit is posted for each as soon as it is on the agenda (the benchmark
plays the voorzitter), toewijzing assigns a casusregisseur where due, notificatie makes the
letter and the partner event. Used by ``bench/pipeline`` (figures) and by the crash tests
(every melding ends with exactly one of each effect).

Observed over NATS with durable pull consumers of the driver's own (they survive a restart of
the nats-server); the moments of each step come from the events' own ``time``.

The tafel records a besluit only once its session has begun, so the driver moves the
system's clock (the processes' clock file) forward to a session's begin before it decides the
meldingen on it, and only past a session once every melding on it is through; event times are
mapped back to the wall clock for the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jbplein_contracts import subjects
from jbplein_runner import processes
from jbplein_runner.system import SERVICES, System
from tests.support.meldingen import bsn, melding, postcode

AANPAKKEN = ("vrijwillig", "drang", "raadsonderzoek")

# Where the benchmark and the crash test need more room than the embedded defaults give.
REFERENTIE = "\n".join(
    [
        '[[gebiedsteams]]\ncode = "zuid"\nnaam = "Zuid"\ngemeenten = ["0599"]\n',
        *(
            f'[[jeugdbeschermers]]\ncode = "jb-zuid-{i}"\nnaam = "Jeugdbeschermer {i}"\n'
            f'gebiedsteam = "zuid"\ntaakaccent = "civiel"\nmax_caseload = 100\n'
            for i in range(1, 41)
        ),
    ]
)

WAARGENOMEN = {
    "ontvangen": subjects.MELDING_ONTVANGEN,
    "geagendeerd": subjects.MELDING_GEAGENDEERD,
    "besluit": subjects.BESLUIT_GENOMEN,
    "regisseur": subjects.REGISSEUR_TOEGEWEZEN,
    "brief": subjects.BRIEF_GEREED,
    "partner": subjects.PARTNER_BESLUIT_GENOMEN,
}


def melding_body(i: int) -> dict[str, Any]:
    """Melding ``i``: its own gezin (BSN, address), in Feijenoord."""
    return melding(
        gezin__kinderen__0__bsn=bsn(i),
        gezin__adres={
            "straat": "Maasstraat",
            "woonplaats": "Rotterdam",
            "postcode": postcode(i),
            "huisnummer": str(1 + i % 9999),
            "wijk": "Feijenoord",
        },
        gezin__ouders=[],
    )


def systeem_env(
    extra: dict[str, str] | None = None, data_dir: Path | None = None
) -> dict[str, str]:
    """The environment of a system with room for thousands of meldingen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JBPLEIN_")}
    env.update(
        {
            "JBPLEIN_LOG_LEVEL": "WARNING",
            "JBPLEIN_TAFEL_SESSIE_CAPACITEIT": "200",
            "JBPLEIN_OUTBOX_POLL_SECONDS": "0.5",
        }
    )
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        env["JBPLEIN_CLOCK_FILE"] = str(data_dir / "klok-offset")
        referentie = data_dir / "referentie.toml"
        referentie.write_text(REFERENTIE, encoding="utf-8")
        env["JBPLEIN_TOEWIJZING_REFERENTIE_FILE"] = str(referentie)
    env.update(extra or {})
    return env


@dataclass
class Spoor:
    """What the driver saw of one melding."""

    nummer: int
    aanpak: str
    melding_id: str | None = None
    verstuurd: float | None = None
    """Wall clock (epoch seconds) when its POST began."""
    post_latentie: float | None = None
    besluit_latentie: float | None = None
    momenten: dict[str, float] = field(default_factory=dict)
    """Event kind → the event's own time (epoch seconds), the first one seen."""
    tellingen: dict[str, int] = field(default_factory=dict)
    besluit_gepost: bool = False
    sessie_begin: datetime | None = None
    """The begin of the session it is on now (the newest melding.geagendeerd)."""
    besloten: bool = False

    @property
    def klaar(self) -> bool:
        nodig = {"brief", "partner"} | ({"regisseur"} if self.aanpak != "vrijwillig" else set())
        return nodig <= set(self.momenten)


@dataclass
class Uitkomst:
    sporen: list[Spoor]
    seconden: float
    fouten: list[str]


class Pijplijn:
    def __init__(
        self,
        system: System,
        n: int,
        concurrency: int = 8,
        besluit_concurrency: int = 4,
        naam: str = "bench",
        op_voortgang: Callable[[int, int], None] | None = None,
        tempo: float | None = None,
    ) -> None:
        self.system = system
        self.n = n
        self.concurrency = concurrency
        self.besluit_concurrency = besluit_concurrency
        self.naam = naam
        self.tokens = system.tokens
        self.sporen = [Spoor(i, AANPAKKEN[i % 3]) for i in range(n)]
        self.per_id: dict[str, Spoor] = {}
        self.fouten: list[str] = []
        self.laatste_voortgang = time.monotonic()
        """When a melding last moved a step on (an answer to a POST, or an event seen first)."""
        self._te_besluiten: asyncio.Queue[Spoor] = asyncio.Queue()
        self._vroeg: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        """Events about a melding whose POST answer had not come back yet."""
        self._klaar = asyncio.Event()
        self._op_voortgang = op_voortgang
        self.tempo = tempo
        """Meldingen a second the partners submit; None: as fast as intake answers."""
        self._begin = 0.0
        klok = system.environment.get("JBPLEIN_CLOCK_FILE")
        self.klok = Klok(Path(klok)) if klok else None
        self._klok_lock = asyncio.Lock()

    # --- observing -------------------------------------------------------------------------

    async def _waarnemer(self, js: Any, soort: str, kanaal: subjects.Kanaal) -> None:
        durable = f"{self.naam}-{soort}"
        stream = kanaal.stream.name
        config = ConsumerConfig(
            durable_name=durable,
            filter_subject=kanaal.alle_gemeenten,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=30,
        )
        while True:
            try:
                sub = await js.pull_subscribe(
                    kanaal.alle_gemeenten, durable=durable, stream=stream, config=config
                )
                break
            except Exception:  # the server may be restarting: keep trying
                await asyncio.sleep(0.5)
        while not self._klaar.is_set():
            try:
                berichten = await sub.fetch(200, timeout=1)
            except TimeoutError:
                continue
            except Exception:
                await asyncio.sleep(0.5)
                continue
            for bericht in berichten:
                self._zie(soort, json.loads(bericht.data))
                with contextlib.suppress(Exception):
                    await bericht.ack()

    def _zie(self, soort: str, event: dict[str, Any]) -> None:
        data = event["data"]
        melding_id = str(data.get("melding_id") or data.get("zaak_ref"))
        spoor = self.per_id.get(melding_id)
        if spoor is None:  # the POST's answer is still under way (or not one of ours)
            self._vroeg.setdefault(melding_id, []).append((soort, event))
            return
        spoor.tellingen[soort] = spoor.tellingen.get(soort, 0) + 1
        tijd = datetime.fromisoformat(event["time"]).timestamp()
        if soort not in spoor.momenten:
            spoor.momenten[soort] = self.klok.wand(tijd) if self.klok else tijd
        if soort == "geagendeerd":
            spoor.sessie_begin = datetime.fromisoformat(data["sessie_begin"])
        if soort == "geagendeerd" and not spoor.besluit_gepost:
            spoor.besluit_gepost = True
            self._te_besluiten.put_nowait(spoor)
        if all(s.klaar for s in self.sporen):
            self._klaar.set()
        if spoor.tellingen[soort] == 1:  # a step this melding had not reached before
            self._vooruit()

    # --- acting ----------------------------------------------------------------------------

    async def _melden(self, client: httpx.AsyncClient, queue: asyncio.Queue[Spoor]) -> None:
        headers = {"Authorization": f"Bearer {self.tokens['veilig-thuis-api']}"}
        url = f"{self.system.url('intake')}/api/v1/meldingen"
        while True:
            try:
                spoor = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            key = f"{self.naam}-{spoor.nummer}"
            if self.tempo:
                wacht = self._begin + spoor.nummer / self.tempo - time.perf_counter()
                if wacht > 0:
                    await asyncio.sleep(wacht)
            spoor.verstuurd = time.time()
            begin = time.perf_counter()
            while True:  # a partner retries with the same Idempotency-Key until it has an answer
                try:
                    r = await client.post(
                        url,
                        json=melding_body(spoor.nummer),
                        headers={**headers, "Idempotency-Key": key},
                    )
                    if r.status_code in (200, 201):
                        break
                    if r.status_code < 500:
                        self.fouten.append(f"melding {spoor.nummer}: {r.status_code} {r.text}")
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
            spoor.post_latentie = time.perf_counter() - begin
            if r.status_code in (200, 201):
                spoor.melding_id = str(r.json()["id"])
                self.per_id[spoor.melding_id] = spoor
                self._vooruit()
                for soort, event in self._vroeg.pop(spoor.melding_id, []):
                    self._zie(soort, event)

    def _door(self, spoor: Spoor) -> bool:
        """Through as far as the clock matters: decided, and its casusregisseur assigned where
        due (a day passing before that would make its letter go without the name)."""
        return spoor.besloten and (spoor.aanpak == "vrijwillig" or "regisseur" in spoor.momenten)

    async def _naar_sessie(self, spoor: Spoor) -> None:
        """Move the system's clock to the begin of the melding's session, but never past an
        earlier session while a melding on it is not through (its session would end and move it
        on). Forward only."""
        if self.klok is None:
            return
        while spoor.sessie_begin is not None and self.klok.nu() < spoor.sessie_begin:
            async with self._klok_lock:
                eerder = [
                    s.sessie_begin
                    for s in self.sporen
                    if s.sessie_begin is not None and not self._door(s)
                ]
                doel = min([*eerder, spoor.sessie_begin])
                if self.klok.nu() < doel:
                    self.klok.zet(doel + timedelta(seconds=1))
            if self.klok.nu() >= spoor.sessie_begin:
                return
            await asyncio.sleep(0.2)

    async def _besluiten(self, client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {self.tokens['voorzitter']}"}
        while True:
            spoor = await self._te_besluiten.get()
            await self._naar_sessie(spoor)
            url = f"{self.system.url('tafel')}/api/v1/meldingen/{spoor.melding_id}/besluiten"
            body = {
                "aanpak": spoor.aanpak,
                "casusregie": "jbrr" if spoor.aanpak != "vrijwillig" else "wijkteam-rotterdam",
                "jeugdbeschermingsteam": ["jbrr", "rvdk"],
                "notulen": "Besproken in de benchmark.",
            }
            begin = time.perf_counter()
            while True:
                try:
                    r = await client.post(url, json=body, headers=headers)
                    if r.status_code == 409 and '"sessie"' in r.text:
                        # Moved to a later session meanwhile: follow it there.
                        await asyncio.sleep(0.2)
                        await self._naar_sessie(spoor)
                        continue
                    if r.status_code in (201, 409):  # 409: taken already (a retried request)
                        spoor.besloten = True
                        break
                    if r.status_code < 500:
                        self.fouten.append(f"besluit {spoor.nummer}: {r.status_code} {r.text}")
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
            spoor.besluit_latentie = time.perf_counter() - begin

    async def run(self, binnen: float | None = 1800.0, stilstand: float | None = None) -> Uitkomst:
        """Submit every melding and wait until each is through. The run ends with an error
        after ``binnen`` seconds in all, or (the budget for a busy machine, where the total
        cannot be known) once no melding has moved a step on for ``stilstand`` seconds."""
        connection = await nats.connect(
            self.system.nats.url, max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        js = connection.jetstream()
        waarnemers = [
            asyncio.create_task(self._waarnemer(js, soort, kanaal))
            for soort, kanaal in WAARGENOMEN.items()
        ]
        queue: asyncio.Queue[Spoor] = asyncio.Queue()
        for spoor in self.sporen:
            queue.put_nowait(spoor)
        limits = httpx.Limits(max_connections=self.concurrency + self.besluit_concurrency)
        begin = self._begin = time.perf_counter()
        self._vooruit()
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            besluiters = [
                asyncio.create_task(self._besluiten(client))
                for _ in range(self.besluit_concurrency)
            ]
            melders = asyncio.gather(
                *(self._melden(client, queue) for _ in range(self.concurrency))
            )
            voortgang = asyncio.create_task(self._meld_voortgang())
            try:
                if reden := await self._wacht(melders, binnen, stilstand):
                    open_ = [s.nummer for s in self.sporen if not s.klaar]
                    self.fouten.append(f"{len(open_)} not through ({reden}): {open_[:20]}")
            finally:
                self._klaar.set()
                voortgang.cancel()
                melders.cancel()
                for task in besluiters:
                    task.cancel()
                await asyncio.gather(
                    melders, *waarnemers, *besluiters, voortgang, return_exceptions=True
                )
        seconden = time.perf_counter() - begin
        await connection.close()
        return Uitkomst(self.sporen, seconden, self.fouten)

    def gezien(self, soort: str) -> int:
        """How many meldingen have reached step ``soort`` (``aangenomen``: intake answered the
        POST; otherwise a kind of ``WAARGENOMEN``)."""
        if soort == "aangenomen":
            return sum(s.melding_id is not None for s in self.sporen)
        return sum(soort in s.momenten for s in self.sporen)

    def _vooruit(self) -> None:
        self.laatste_voortgang = time.monotonic()

    async def _wacht(
        self,
        melders: asyncio.Future[Any],
        binnen: float | None,
        stilstand: float | None,
        tik: float = 1.0,
    ) -> str | None:
        """Wait until every melding is submitted and through, looking every ``tik`` seconds;
        or say why not."""
        begin = time.monotonic()
        while not (melders.done() and self._klaar.is_set()):
            if melders.done():
                melders.result()  # a submitter that failed raises here
            nu = time.monotonic()
            if binnen is not None and nu - begin > binnen:
                return f"not within {binnen:.0f} s"
            if stilstand is not None and nu - self.laatste_voortgang > stilstand:
                return f"no melding moved on for {stilstand:.0f} s"
            if self._klaar.is_set():
                await asyncio.wait([melders], timeout=tik)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._klaar.wait(), tik)
        return None

    async def _meld_voortgang(self) -> None:
        while True:
            await asyncio.sleep(5)
            if self._op_voortgang is not None:
                self._op_voortgang(sum(s.klaar for s in self.sporen), self.n)


class Klok:
    """The system's clock as the processes read it (an offset in a file), moved forward only;
    it remembers each offset from when it held, to map event times back to the wall clock."""

    def __init__(self, pad: Path) -> None:
        self.pad = pad
        tekst = pad.read_text(encoding="utf-8").strip() if pad.exists() else ""
        self.offset = float(tekst) if tekst else 0.0
        self.stappen: list[tuple[float, float]] = [(0.0, self.offset)]
        """(wall moment from which it held, offset in seconds)."""

    def nu(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def zet(self, moment: datetime) -> None:
        offset = moment.timestamp() - time.time()
        if offset <= self.offset:
            return
        self.offset = offset
        self.stappen.append((time.time(), offset))
        tijdelijk = self.pad.with_suffix(".tmp")
        tijdelijk.write_text(f"{offset:.3f}", encoding="utf-8")
        tijdelijk.replace(self.pad)

    def wand(self, tijd: float) -> float:
        """An event's time (the system's clock) as wall-clock seconds: with the offset that
        held when it was stamped (the newest whose span contains it)."""
        for vanaf, offset in reversed(self.stappen):
            if tijd - offset >= vanaf - 1.0:
                return tijd - offset
        return tijd - self.stappen[0][1]


def start_systeem(data_dir: Path, env: dict[str, str]) -> System:
    """The system as ``./jbplein up`` runs it, on free ports."""
    system = System(
        data_dir=data_dir,
        nats_port=processes.free_port(),
        ports={spec.name: processes.free_port() for spec in SERVICES},
        environment=env,
    )
    system.start(timeout=60)
    return system


def nu() -> datetime:
    return datetime.now(UTC)
