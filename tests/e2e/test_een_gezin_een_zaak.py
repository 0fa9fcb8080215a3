"""One gezin, one case, end to end: two meldingen about the same gezin, both decided
raadsonderzoek, make one case at toewijzing, one request to the Raad, and one letter that
replaces the other and says so (not two identical letters on the same day). Against the real
processes of ``./jbplein up``, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import httpx
import nats
from nats.js.api import ConsumerConfig, DeliverPolicy
from pypdf import PdfReader

from jbplein_contracts import subjects
from jbplein_contracts.werkdagen import AMSTERDAM

from ..conftest import bearer, eventually
from .conftest import Up
from .test_scenarios import gezin

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=AMSTERDAM)  # Tuesday, before the agenda closes at 9
SESSIE = datetime(2026, 12, 1, 10, 30, tzinfo=AMSTERDAM)  # Tuesday's session is under way


async def op_nats(up: Up, filter_: str, stream: str) -> list[dict[str, Any]]:
    connection = await nats.connect(up.nats_url)
    try:
        sub = await connection.jetstream().pull_subscribe(
            filter_, stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        try:
            return [json.loads(m.data) for m in await sub.fetch(1000, timeout=1)]
        except TimeoutError:  # nats-py raises its own and, at times, the builtin one
            return []
    finally:
        await connection.close()


async def test_two_meldingen_of_one_gezin_both_raadsonderzoek_one_case_one_vto_one_letter(
    up: Up,
) -> None:
    up.set_time(T0)
    tokens = up.tokens
    async with httpx.AsyncClient(timeout=15) as client:

        async def get(service: str, pad: str, wie: str = "ondersteuner", **params: Any) -> Any:
            r = await client.get(
                f"{up.url(service)}{pad}", params=params, headers=bearer(tokens[wie])
            )
            return r.json() if r.status_code == 200 else None

        async def melden(wie: str) -> dict[str, Any]:
            r = await client.post(
                f"{up.url('intake')}/api/v1/meldingen",
                json=gezin("Ilse", "IJsselmuiden", "100000083", "3075 II"),
                headers=bearer(tokens[wie]),
            )
            assert r.status_code == 201, r.text
            return dict(r.json())

        async def aan_tafel(melding_id: str) -> Any:
            m = await get("tafel", f"/api/v1/meldingen/{melding_id}")
            return m if m and m["sessie"] else None

        async def besluit(melding_id: str) -> dict[str, Any]:
            r = await client.post(
                f"{up.url('tafel')}/api/v1/meldingen/{melding_id}/besluiten",
                json={
                    "aanpak": "raadsonderzoek",
                    "casusregie": "jbrr",
                    "jeugdbeschermingsteam": ["jbrr", "rvdk", "wijkteam-rotterdam"],
                    "notulen": "Besproken; besluit: raadsonderzoek.",
                },
                headers=bearer(tokens["voorzitter"]),
            )
            assert r.status_code == 201, r.text
            return dict(r.json())

        async def brieven(melding_id: str, status: str) -> Any:
            rows = await get("notificatie", "/api/v1/brieven", melding_id=melding_id)
            return [b for b in rows or [] if b["status"] == status]

        eerste = await melden("veilig-thuis-api")
        tweede = await melden("politie-api")
        assert "gekoppeld_aan" not in tweede, "a partner never sees the link"
        staf = await get("intake", "/api/v1/meldingen", limit=200)
        [gekoppeld] = [m["gekoppeld_aan"] for m in staf["items"] if m["id"] == tweede["id"]]
        assert gekoppeld == eerste["id"]  # intake, as the plein's staff see it: the same gezin
        for m in (eerste, tweede):
            await eventually(lambda m=m: aan_tafel(m["id"]), timeout=30)
        up.set_time(SESSIE)

        # The first besluit: the case, the Raad asked, the letter made and posted.
        assert (await besluit(eerste["id"]))["vto"] is True
        zaak = await eventually(
            lambda: get("toewijzing", f"/api/v1/zaken/{eerste['id']}", "jbrr-api"), timeout=30
        )
        [brief_1] = await eventually(lambda: brieven(eerste["id"], "gereed"), timeout=30)
        r = await client.post(
            f"{up.url('notificatie')}/api/v1/brieven/{brief_1['id']}/verzending",
            headers=bearer(tokens["ondersteuner"]),
        )
        assert r.status_code == 200, r.text

        # The second besluit about the same gezin, later that session.
        assert (await besluit(tweede["id"]))["vto"] is False, "the Raad is asked once"
        [brief_2] = await eventually(lambda: brieven(tweede["id"], "gereed"), timeout=30)

        # Toewijzing: one case, found by either melding.
        zelfde = await eventually(
            lambda: get("toewijzing", f"/api/v1/zaken/{tweede['id']}", "jbrr-api"), timeout=30
        )
        assert zelfde["toewijzing_id"] == zaak["toewijzing_id"]
        assert zelfde["zaak_ref"] == eerste["id"] and zelfde["meldingen"] == [tweede["id"]]
        alle = await get("toewijzing", "/api/v1/zaken", "jbrr-api")
        assert [z["gezin_ref"] for z in alle].count(zaak["gezin_ref"]) == 1

        # Everything notificatie published up to letter 2 is on the streams (the outbox relays
        # in order), so counting the Raad's requests now is final.
        async def brief_2_gemeld() -> bool:
            gereed = await op_nats(
                up, subjects.BRIEF_GEREED.alle_gemeenten, subjects.STREAM_INTERN.name
            )
            return any(e["data"]["brief_id"] == brief_2["id"] for e in gereed)

        await eventually(brief_2_gemeld, timeout=30)
        ids = {eerste["id"], tweede["id"]}
        aan_raad = [
            e
            for e in await op_nats(
                up, subjects.partner_filter_aan("rvdk"), subjects.STREAM_PARTNER.name
            )
            if e["type"] == "nl.jbplein.partner.raadsonderzoek.gevraagd.v1"
            and e["data"]["zaak_ref"] in ids
        ]
        assert [e["data"]["zaak_ref"] for e in aan_raad] == [eerste["id"]]
        intern = [
            e
            for e in await op_nats(
                up,
                subjects.RAADSONDERZOEK_GEVRAAGD.alle_gemeenten,
                subjects.STREAM_INTERN.name,
            )
            if e["data"]["melding_id"] in ids
        ]
        assert len(intern) == 1

        # One letter says what changed: letter 2 replaces the posted letter 1 and says so.
        assert brief_2["vervangt_brief_id"] == brief_1["id"]
        assert brief_2["regisseur_ref"] == zaak["jeugdbeschermer"]
        r = await client.get(
            f"{up.url('notificatie')}/api/v1/brieven/{brief_2['id']}/pdf",
            headers=bearer(tokens["ondersteuner"]),
        )
        tekst = " ".join(
            " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages).split()
        )
        assert "Deze brief vervangt onze brief van 1 december 2026" in tekst
        assert "opnieuw over uw gezin gesproken" in tekst
        for m in (eerste, tweede):
            rows = await get("notificatie", "/api/v1/brieven", melding_id=m["id"])
            assert len(rows) == 1, "one letter per besluit, none duplicated"
