"""The thin journey of one melding through all four services, as ``./jbplein up`` runs them."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from jbplein_contracts import subjects
from jbplein_contracts.v1 import PartnerBesluitGenomen

from ..conftest import bearer, eventually
from ..support.meldingen import melding
from .conftest import Up

MELDING = melding(
    gezin__kinderen=[{"voornaam": "Fenna", "achternaam": "Verbeek", "geboortedatum": "2018-06-14"}],
    gezin__adres={
        "straat": "Rosestraat",
        "postcode": "3073 KL",
        "huisnummer": "88-zw",
        "woonplaats": "Rotterdam",
        "wijk": "Feijenoord",
    },
    zorgen={
        "soorten": ["veiligheid", "ontwikkeling"],
        "toelichting": "Buren horen geschreeuw; kind komt niet naar school.",
    },
)
PERSONAL = [
    "Rosestraat",
    "Fenna",
    "Verbeek",
    "2018-06-14",
    "3073 KL",
    "3073KL",
    "88ZW",
    "geschreeuw",
    "Meike",
    "Oudermans",
    "Olga",
]


def spans(data_dir: Path) -> list[dict[str, Any]]:
    result = []
    for path in sorted((data_dir / "telemetry").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip() and not path.name.endswith(".metrics.jsonl"):
                result.append(json.loads(line))
    return result


async def test_one_melding_through_all_four_services_is_one_trace(up: Up) -> None:
    tokens = up.tokens
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=MELDING,
            headers=bearer(tokens["veilig-thuis-api"]),
        )
        assert created.status_code == 201, created.text
        melding_id = created.json()["id"]

        async def planned() -> Any:
            r = await client.get(
                f"{up.url('tafel')}/api/v1/meldingen/{melding_id}",
                headers=bearer(tokens["ondersteuner"]),
            )
            return r.json() if r.status_code == 200 and r.json()["sessie"] else None

        at_tafel = await eventually(planned)
        assert at_tafel["bespreken_uiterlijk"] == created.json()["bespreken_uiterlijk"]
        agenda = await client.get(
            f"{up.url('tafel')}/api/v1/agenda",
            params={"datum": at_tafel["sessie"]["datum"]},
            headers=bearer(tokens["ondersteuner"]),
        )
        assert melding_id in [i["melding_id"] for s in agenda.json() for i in s["agenda"]]
        up.at_least(at_tafel["sessie"]["begin"])  # the tafel decides at its session

        besluit = await client.post(
            f"{up.url('tafel')}/api/v1/meldingen/{melding_id}/besluiten",
            json={
                "aanpak": "drang",
                "casusregie": "jbrr",
                "jeugdbeschermingsteam": ["jbrr"],
                "notulen": "Zorgen bevestigd; drang met casusregie bij JBRR.",
            },
            headers=bearer(tokens["voorzitter"]),
        )
        assert besluit.status_code == 201, besluit.text

        async def assigned() -> Any:
            r = await client.get(
                f"{up.url('toewijzing')}/api/v1/zaken",
                params={"zaak_ref": melding_id},
                headers=bearer(tokens["ondersteuner"]),
            )
            rows = [t for t in r.json() if t["status"] == "actief"]
            return rows

        [toewijzing] = await eventually(assigned)
        assert toewijzing["jeugdbeschermer"].startswith("jb-zuid-"), "Feijenoord is Zuid"

        async def letter() -> Any:
            r = await client.get(
                f"{up.url('notificatie')}/api/v1/brieven",
                params={"melding_id": melding_id},
                headers=bearer(tokens["ondersteuner"]),
            )
            return [b for b in r.json() if b["status"] == "gereed"]

        [brief] = await eventually(letter)
        assert brief["variant"] == "drang"
        assert brief["regisseur_ref"] == toewijzing["jeugdbeschermer"]

    connection = await nats.connect(up.nats_url)
    js = connection.jetstream()
    sub = await js.pull_subscribe(
        subjects.partner_filter("0599"),
        stream=subjects.STREAM_PARTNER.name,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    [message] = await sub.fetch(1, timeout=10)
    partner = PartnerBesluitGenomen.model_validate_json(message.data)
    assert str(partner.data.zaak_ref) == melding_id
    assert partner.data.aanpak == "drang"
    for secret in PERSONAL:
        assert secret not in message.data.decode()
    await connection.close()

    # One trace from the partner's POST to the letter and the partner event.
    def trace_of_melding() -> Any:
        found = spans(up.data_dir)
        posts = [
            s
            for s in found
            if s["name"] == "POST /api/v1/meldingen" and s["kind"] == "SpanKind.SERVER"
        ]
        if not posts:
            return None
        trace_id = posts[0]["context"]["trace_id"]
        in_trace = [s for s in found if s["context"]["trace_id"] == trace_id]
        services = {s["resource"]["attributes"]["service.name"] for s in in_trace}
        names = {s["name"] for s in in_trace}
        wanted = {"jbplein-intake", "jbplein-tafel", "jbplein-toewijzing", "jbplein-notificatie"}
        needed = {
            "besluit vastleggen",
            f"{subjects.PARTNER_BESLUIT_GENOMEN.subject('0599')} publish",
            f"{subjects.BRIEF_GEREED.subject('0599')} publish",
        }
        return in_trace if services == wanted and needed <= names else None

    async def traced() -> Any:
        return trace_of_melding()

    in_trace = await eventually(traced, timeout=20)
    by_service: dict[str, set[str]] = {}
    for span in in_trace:
        by_service.setdefault(span["resource"]["attributes"]["service.name"], set()).add(
            span["name"]
        )
    assert any("melding.ontvangen" in n and "process" in n for n in by_service["jbplein-tafel"])
    assert any("besluit.genomen" in n and "process" in n for n in by_service["jbplein-toewijzing"])
    assert any("regisseur.toegewezen" in n for n in by_service["jbplein-notificatie"])
    database_spans = {
        s["resource"]["attributes"]["service.name"]
        for s in in_trace
        if "db.system" in s["attributes"]
    }
    assert database_spans == {
        "jbplein-intake",
        "jbplein-tafel",
        "jbplein-toewijzing",
        "jbplein-notificatie",
    }, "SQL statements are spans of the trace"

    everything = "".join(p.read_text() for p in (up.data_dir / "telemetry").glob("*"))
    everything += "".join(p.read_text() for p in (up.data_dir / "logs").glob("*.log"))
    for secret in PERSONAL:
        assert secret not in everything, f"{secret!r} found in spans, metrics or logs"


async def test_ctrl_c_stops_every_process_and_the_data_survives_a_restart(up: Up) -> None:
    tokens = up.tokens
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=MELDING,
            headers=bearer(tokens["wijkteam-rotterdam-api"]),
        )
        assert created.status_code == 201
    children = up.children()
    assert len(children) == 5, "a nats-server and four services"
    assert up.stop(signal.SIGINT) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"process {pid} outlived up"

    up.start()
    async with httpx.AsyncClient(timeout=10) as client:
        again = await client.get(
            f"{up.url('intake')}/api/v1/meldingen/{created.json()['id']}",
            headers=bearer(tokens["wijkteam-rotterdam-api"]),
        )
        assert again.status_code == 200
        assert again.json()["melding"]["gezin"]["kinderen"][0]["voornaam"] == "Fenna"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_everything_in_the_data_folder_is_private_to_its_user(up: Up) -> None:
    """Issue 11: the databases and their WAL were 0644 in a 0755 folder. With the system up
    and a melding through it: every folder 0700, every file 0600 (databases, WAL, traces,
    logs, credentials, the NATS store)."""
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{up.url('intake')}/api/v1/meldingen",
            json=MELDING,
            headers=bearer(up.tokens["wijkteam-rotterdam-api"]),
        )
        assert created.status_code == 201

        async def at_tafel() -> bool:
            r = await client.get(
                f"{up.url('tafel')}/api/v1/meldingen/{created.json()['id']}",
                headers=bearer(up.tokens["ondersteuner"]),
            )
            return r.status_code == 200

        await eventually(at_tafel, timeout=60)
    names = {p.name for p in up.data_dir.rglob("*")}
    assert {"intake.db-wal", "tafel.db-wal", "intake.jsonl", "credentials.toml"} <= names
    open_ones = {
        str(p.relative_to(up.data_dir)): oct(stat.S_IMODE(p.lstat().st_mode))
        for p in [up.data_dir, *up.data_dir.rglob("*")]
        if stat.S_IMODE(p.lstat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert open_ones == {}


async def test_killing_the_runner_leaves_no_orphans(up: Up) -> None:
    children = up.children()
    assert up.process is not None
    os.kill(up.process.pid, signal.SIGKILL)
    up.process.wait()
    up.process = None

    async def all_gone() -> bool:
        return all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in children)

    await eventually(all_gone, timeout=30)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True
