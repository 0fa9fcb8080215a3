"""Partners hear exactly what they may. Against the system as ``./jbplein up`` runs it: three
meldingen with known names, BSNs, birth dates, addresses and worries go through intake and the
tafel (one of each approach); a listener on every partner subject and two webhook endpoints
collect every partner event, and none of them holds any of that personal data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ..conftest import bearer, eventually
from ..support.bus import partner_berichten
from ..support.meldingen import melding
from ..support.ontvanger import ontvanger
from .conftest import Up

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

GEZINNEN = [
    # (aanpak, child, surname, parent, birth date, BSN, postcode, house number, street, worry)
    ("vrijwillig", "Xander", "Quist", "Yolanda", "2014-02-11", "123456782",
     "3011 AB", "71", "Coolsingel", "Zorgwekkend verzuim op school"),
    ("drang", "Wendela", "Zwaneveld", "Ursula", "2018-07-30", "111222333",
     "3082 CD", "9", "Doklaan", "Geluiden van geweld gehoord"),
    ("raadsonderzoek", "Timo", "Uitdenbogaard", "Sjaak", "2012-12-24", "999990019",
     "3024 EF", "250", "Schiedamseweg", "Onverzorgd en ondervoed"),
]  # fmt: skip


def geheimen() -> list[str]:
    result = ["Meike Melder", "010-1234567", "meike.melder@example.org", "Moeder weigert"]
    for _, kind, achternaam, ouder, geboren, bsn, postcode, _nr, straat, zorg in GEZINNEN:
        result += [kind, achternaam, ouder, geboren, bsn, postcode, postcode.replace(" ", "")]
        result += [straat, zorg]
    return result


async def ten_minste(url: str, n: int) -> list[tuple[str, bytes]]:
    found = await partner_berichten(url)
    return found if len(found) >= n else []


async def test_no_partner_event_holds_names_bsns_birth_dates_addresses_or_worries(up: Up) -> None:
    tokens = up.tokens
    with ontvanger() as melder, ontvanger() as raad:
        async with httpx.AsyncClient(timeout=15) as client:
            alle_types = sorted(
                [
                    "nl.jbplein.partner.besluit.genomen.v1",
                    "nl.jbplein.partner.melding.besloten.v1",
                    "nl.jbplein.partner.raadsonderzoek.gevraagd.v1",
                ]
            )
            for organisatie, endpoint in (("veilig-thuis", melder), ("rvdk", raad)):
                r = await client.post(
                    f"{up.url('notificatie')}/api/v1/abonnementen",
                    json={
                        "organisatie": organisatie,
                        "omschrijving": "Eigen zaaksysteem",
                        "url": endpoint.url,
                        "token": f"{organisatie}-webhook-geheim-12345",
                        "event_types": alle_types,
                        "gemeenten": ["0599", "0606", "0622", "0556", "1621"],
                    },
                    headers=bearer(tokens["beheer"]),
                )
                assert r.status_code == 201, r.text

            ids = []
            for (
                aanpak,
                kind,
                achternaam,
                ouder,
                geboren,
                bsn,
                postcode,
                nr,
                straat,
                zorg,
            ) in GEZINNEN:
                body = melding(
                    gezin__ouders=[{"voornaam": ouder, "achternaam": achternaam, "rol": "moeder"}],
                    gezin__kinderen=[
                        {
                            "voornaam": kind,
                            "achternaam": achternaam,
                            "geboortedatum": geboren,
                            "bsn": bsn,
                        }
                    ],
                    gezin__adres={
                        "straat": straat,
                        "postcode": postcode,
                        "huisnummer": nr,
                        "woonplaats": "Rotterdam",
                        "wijk": "Delfshaven",
                    },
                    zorgen={"soorten": ["veiligheid"], "toelichting": zorg},
                )
                r = await client.post(
                    f"{up.url('intake')}/api/v1/meldingen",
                    json=body,
                    headers=bearer(tokens["veilig-thuis-api"]),
                )
                assert r.status_code == 201, r.text
                assert "gekoppeld_aan" not in r.json(), "a partner never sees a link"
                ids.append((aanpak, r.json()["id"]))

            for aanpak, melding_id in ids:

                async def aan_tafel(melding_id: str = melding_id) -> bool:
                    r = await client.get(
                        f"{up.url('tafel')}/api/v1/meldingen/{melding_id}",
                        headers=bearer(tokens["ondersteuner"]),
                    )
                    return r.status_code == 200 and bool(r.json()["sessie"])

                await eventually(aan_tafel, timeout=30)
                sessie = (
                    await client.get(
                        f"{up.url('tafel')}/api/v1/meldingen/{melding_id}",
                        headers=bearer(tokens["ondersteuner"]),
                    )
                ).json()["sessie"]
                up.at_least(sessie["begin"])  # the tafel decides at its session
                r = await client.post(
                    f"{up.url('tafel')}/api/v1/meldingen/{melding_id}/besluiten",
                    json={
                        "aanpak": aanpak,
                        "casusregie": "jbrr" if aanpak != "vrijwillig" else "wijkteam-rotterdam",
                        "jeugdbeschermingsteam": ["jbrr", "rvdk"],
                        "notulen": "Zorgen over Quist, Zwaneveld en Uitdenbogaard besproken.",
                    },
                    headers=bearer(tokens["voorzitter"]),
                )
                assert r.status_code == 201, r.text

        # 3 besluiten for the municipality, 3 addressed to the melder, 1 VTO to the Raad.
        berichten = await eventually(lambda: ten_minste(up.nats_url, 7), timeout=60)
        assert sorted({s for s, _ in berichten}) == [
            "jbplein.partner.aan.rvdk.raadsonderzoek.gevraagd.v1.0599",
            "jbplein.partner.aan.veilig-thuis.melding.besloten.v1.0599",
            "jbplein.partner.besluit.genomen.v1.0599",
        ]

        async def webhooks() -> Any:
            return len(melder.gelukt) >= 6 and len(raad.gelukt) >= 4

        await eventually(webhooks, timeout=60)
        assert len(melder.gelukt) == 6 and len(raad.gelukt) == 4

    alles = [body.decode() for _, body in berichten]
    alles += [o.body.decode() + json.dumps(o.headers) for o in melder.ontvangen + raad.ontvangen]
    for geheim in geheimen():
        for tekst in alles:
            assert geheim not in tekst, f"{geheim!r} found in a partner event"
