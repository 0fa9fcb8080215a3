"""Login: the password hash runs off the event loop, attempts are limited per source address
and per account across every service's processes, nobody can lock a colleague out, and logging
out ends the session on the server. Two services (intake and tafel) on one real nats-server,
each with its own database."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from jbplein_intake.app import create_app as create_intake
from jbplein_intake.settings import Settings as IntakeSettings
from jbplein_kit.screens import COOKIE
from jbplein_kit.service import Service
from jbplein_runner.nats_server import NatsServer
from jbplein_tafel.app import create_app as create_tafel
from jbplein_tafel.settings import Settings as TafelSettings

from ..conftest import eventually, fast_settings, running

SECRET = "een-sessiegeheim-van-minstens-32-tekens-lang"


class Diensten:
    """Intake and tafel, started, with a client per (service, source address)."""

    def __init__(self, intake: FastAPI, tafel: FastAPI, stack: AsyncExitStack) -> None:
        self.apps = {"intake": intake, "tafel": tafel}
        self._stack = stack

    async def client(self, dienst: str, bron: str = "10.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.apps[dienst], client=(bron, 51234))
        return await self._stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://test")
        )


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
async def diensten(
    nats_server: NatsServer,
    database_factory: Callable[[str], Awaitable[str]],
    tmp_path: Path,
    accounts_file: Path,
    extra_settings: dict[str, Any],
) -> AsyncIterator[Diensten]:
    common: dict[str, Any] = {
        "nats_url": nats_server.url,
        "accounts_file": accounts_file,
        "session_secret": SECRET,
        **extra_settings,
    }
    intake = create_intake(
        fast_settings(
            IntakeSettings,
            database_url=await database_factory("intake"),
            data_dir=tmp_path / "intake",
            **common,
        )
    )
    tafel = create_tafel(
        fast_settings(
            TafelSettings,
            database_url=await database_factory("tafel"),
            data_dir=tmp_path / "tafel",
            **common,
        )
    )
    async with AsyncExitStack() as stack:
        for app in (intake, tafel):
            service: Service = app.state.service
            await stack.enter_async_context(running(service))
        yield Diensten(intake, tafel, stack)


async def inloggen(client: httpx.AsyncClient, gebruiker: str, wachtwoord: str) -> httpx.Response:
    return await client.post(
        "/inloggen", data={"gebruiker": gebruiker, "wachtwoord": wachtwoord, "terug": "/"}
    )


def te_veel(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) > 0
    assert "Te veel inlogpogingen" in response.text


async def test_healthz_answers_while_password_hashes_are_in_flight(
    diensten: Diensten, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 logins with unknown names pushed /healthz from 40 ms to 2.5 s: scrypt ran on the
    event loop. Each hash here waits on a gate; /healthz must answer while they wait, and no
    hash may run on the loop's thread."""
    real_scrypt = hashlib.scrypt
    loop_thread = threading.get_ident()
    gate = threading.Event()
    threads: list[int] = []
    in_flight = 0
    lock = threading.Lock()

    def gated_scrypt(*args: Any, **kwargs: Any) -> bytes:
        nonlocal in_flight
        with lock:
            threads.append(threading.get_ident())
            in_flight += 1
        try:
            gate.wait(timeout=3)
            return real_scrypt(*args, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(hashlib, "scrypt", gated_scrypt)
    client = await diensten.client("tafel", "127.0.0.1")
    logins = [asyncio.create_task(inloggen(client, f"onbekend-{i}", "geraden")) for i in range(4)]

    async def hashing() -> bool:
        return bool(threads)

    await eventually(hashing)
    health = await client.get("/healthz")
    hashes_waiting = in_flight
    gate.set()
    answers = await asyncio.gather(*logins)

    assert health.status_code == 200
    assert hashes_waiting >= 1, "/healthz answered only after the hashes were done"
    assert loop_thread not in threads, "scrypt ran on the event loop's thread"
    assert [a.status_code for a in answers] == [401] * 4


async def test_attempts_per_account_and_source_are_limited_across_services(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    intake = await diensten.client("intake", "10.0.0.1")
    tafel = await diensten.client("tafel", "10.0.0.1")
    for _ in range(5):
        assert (await inloggen(intake, "ondersteuner", "geraden")).status_code == 401
    # The sixth attempt, at another service's process, is refused before any hash: even the
    # right password does not get in from here until the window has passed.
    te_veel(await inloggen(tafel, "ondersteuner", passwords["ondersteuner"]))
    te_veel(await inloggen(intake, "ondersteuner", "geraden"))

    # The colleague at her own desk is not locked out.
    colleague = await diensten.client("tafel", "10.0.0.2")
    response = await inloggen(colleague, "ondersteuner", passwords["ondersteuner"])
    assert response.status_code == 303, response.text


async def test_attempts_per_source_are_limited_whatever_the_names_and_headers(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    """An attacker tries many names from one address, alternating services and sending a new
    X-Forwarded-For each time (no proxy is configured, so the header is not believed)."""
    clients = [await diensten.client(d, "10.0.0.9") for d in ("intake", "tafel")]
    for i in range(20):
        response = await clients[i % 2].post(
            "/inloggen",
            data={"gebruiker": f"naam-{i}", "wachtwoord": "geraden"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        )
        assert response.status_code == 401, (i, response.text)
    te_veel(await inloggen(clients[0], "voorzitter", passwords["voorzitter"]))

    elsewhere = await diensten.client("intake", "10.0.0.10")
    assert (await inloggen(elsewhere, "voorzitter", passwords["voorzitter"])).status_code == 303


async def test_a_burst_of_concurrent_guesses_gets_no_more_hashes_than_the_limit(
    diensten: Diensten,
) -> None:
    """Attempts racing each other are counted before any hash: at most the limit of them is
    checked, the rest are refused with 429 (never a 5xx), and a refusal is not counted."""
    clients = [await diensten.client(d, "10.0.0.66") for d in ("intake", "tafel")]
    answers = await asyncio.gather(
        *(inloggen(clients[i % 2], f"naam-{i}", "geraden") for i in range(40))
    )
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {401, 429}, codes
    assert codes.count(401) <= 20
    for answer in answers:
        if answer.status_code == 429:
            te_veel(answer)


@pytest.mark.parametrize("extra_settings", [{"vertrouwde_proxies": ["10.8.0.0/24"]}])
async def test_behind_a_configured_proxy_the_forwarded_address_is_limited(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    proxy = await diensten.client("tafel", "10.8.0.2")
    attacker = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}  # it wrote 6.6.6.6 itself
    for _ in range(5):
        response = await proxy.post(
            "/inloggen", data={"gebruiker": "beheer", "wachtwoord": "x"}, headers=attacker
        )
        assert response.status_code == 401
    te_veel(
        await proxy.post(
            "/inloggen",
            data={"gebruiker": "beheer", "wachtwoord": passwords["beheer"]},
            headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"},
        )
    )
    # Another client through the same proxy is someone else.
    response = await proxy.post(
        "/inloggen",
        data={"gebruiker": "beheer", "wachtwoord": passwords["beheer"]},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    assert response.status_code == 303, response.text


async def test_an_attack_on_an_account_does_not_lock_out_its_owner(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    """Guesses at one account from many addresses slow down every unknown browser for that
    account; the owner's browser, which logged in before, still gets in."""
    owner = await diensten.client("intake", "10.1.0.1")
    assert (await inloggen(owner, "voorzitter", passwords["voorzitter"])).status_code == 303
    for bron in range(5):
        for dienst in ("intake", "tafel"):
            attacker = await diensten.client(dienst, f"198.51.100.{bron}")
            assert (await inloggen(attacker, "voorzitter", "geraden")).status_code == 401
    stranger = await diensten.client("tafel", "198.51.100.200")
    te_veel(await inloggen(stranger, "voorzitter", passwords["voorzitter"]))

    # The owner's browser at the other service: cookies are per host, so it carries the
    # device cookie that intake gave it.
    owner_at_tafel = await diensten.client("tafel", "10.1.0.1")
    owner_at_tafel.cookies = owner.cookies
    response = await inloggen(owner_at_tafel, "voorzitter", passwords["voorzitter"])
    assert response.status_code == 303, response.text


async def test_logout_ends_the_session_at_every_service(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    intake = await diensten.client("intake")
    assert (await inloggen(intake, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    old = intake.cookies[COOKIE]
    page = await intake.get("/meldingen")
    assert page.status_code == 200
    tafel = await diensten.client("tafel")
    tafel.cookies.set(COOKIE, old)
    assert (await tafel.get("/agenda")).status_code == 200

    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match
    out = await intake.post("/uitloggen", data={"csrf": match.group(1)})
    assert out.status_code == 303

    for dienst, path in (("intake", "/meldingen"), ("tafel", "/agenda")):
        replay = await diensten.client(dienst, "10.0.0.3")
        replay.cookies.set(COOKIE, old)
        response = await replay.get(path)
        assert response.status_code == 303, (dienst, response.status_code)
        assert response.headers["location"].startswith("/inloggen")


async def test_login_is_refused_while_the_shared_store_is_unreachable(
    diensten: Diensten, passwords: dict[str, str], nats_server: NatsServer
) -> None:
    """Without the shared counters a login could be one of unlimited guesses: refuse it."""
    client = await diensten.client("tafel")
    assert (await inloggen(client, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    nats_server.stop()
    try:
        response = await inloggen(client, "ondersteuner", passwords["ondersteuner"])
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert "Inloggen kan op dit moment niet" in response.text
        # A session that cannot be checked is not shown either (it may have been ended).
        screen = await client.get("/agenda")
        assert screen.status_code == 503
    finally:
        nats_server.start()
    # Back: the session was not forgotten.
    assert (await eventually(lambda: _status(client, "/agenda", 200))) == 200


async def _status(client: httpx.AsyncClient, path: str, wanted: int) -> int | None:
    status = (await client.get(path)).status_code
    return status if status == wanted else None


async def test_a_service_started_again_after_a_stop_still_logs_in(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    service: Service = diensten.apps["tafel"].state.service
    await service.stop()
    await service.start()
    client = await diensten.client("tafel")
    assert (await inloggen(client, "beheer", passwords["beheer"])).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://kwaadwillend.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://test"},
    ],
)
async def test_a_login_posted_from_another_site_is_refused_before_it_counts(
    diensten: Diensten, passwords: dict[str, str], headers: dict[str, str]
) -> None:
    """Login CSRF: a page elsewhere auto-submits the login form from the office's browser. It
    must not log anyone in, nor fill the office's per-address and per-account limits."""
    client = await diensten.client("tafel", "10.0.0.20")
    for _ in range(6):
        response = await client.post(
            "/inloggen", data={"gebruiker": "voorzitter", "wachtwoord": "geraden"}, headers=headers
        )
        assert response.status_code == 403, response.text
        assert "niet vanaf het JB-plein" in response.text
    response = await client.post(
        "/inloggen",
        data={"gebruiker": "voorzitter", "wachtwoord": passwords["voorzitter"]},
        headers=headers,
    )
    assert response.status_code == 403
    assert COOKIE not in client.cookies
    # Nothing was counted: the real login from the same address gets in.
    same = {"Origin": "http://test", "Sec-Fetch-Site": "same-origin"}
    response = await client.post(
        "/inloggen",
        data={"gebruiker": "voorzitter", "wachtwoord": passwords["voorzitter"]},
        headers=same,
    )
    assert response.status_code == 303, response.text


@pytest.mark.parametrize(
    "extra_settings",
    [{"public_url": "https://tafel.plein.example", "intake_url": "https://intake.plein.example"}],
)
async def test_with_a_public_url_only_the_pleins_own_origins_may_post(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    client = await diensten.client("tafel", "10.0.0.21")
    data = {"gebruiker": "voorzitter", "wachtwoord": passwords["voorzitter"]}
    # The Host header is not the public origin behind a proxy: it is not enough.
    refused = await client.post("/inloggen", data=data, headers={"Origin": "http://test"})
    assert refused.status_code == 403
    for origin in ("https://intake.plein.example", "https://tafel.plein.example"):
        client.cookies.clear()
        response = await client.post("/inloggen", data=data, headers={"Origin": origin})
        assert response.status_code == 303, (origin, response.text)
    # A browser that sends neither header (an old one) is left to SameSite and the limits.
    client.cookies.clear()
    assert (await client.post("/inloggen", data=data)).status_code == 303


async def test_a_logout_posted_from_another_site_is_refused(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    client = await diensten.client("intake")
    assert (await inloggen(client, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    page = await client.get("/meldingen")
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match
    response = await client.post(
        "/uitloggen", data={"csrf": match.group(1)}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert (await client.get("/meldingen")).status_code == 200, "still logged in"


async def test_on_a_shared_pc_each_account_keeps_its_own_device_cookie(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    """The tafel room's PC: A logs in, then B on the same browser. B's login must not make the
    browser unknown to A, or an attack on A's account locks A out of the PC she uses."""
    pc = await diensten.client("tafel", "10.2.0.1")
    assert (await inloggen(pc, "voorzitter", passwords["voorzitter"])).status_code == 303
    assert (await inloggen(pc, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    for bron in range(10):
        attacker = await diensten.client("intake", f"198.51.100.{bron}")
        assert (await inloggen(attacker, "voorzitter", "geraden")).status_code == 401
    te_veel(await inloggen(await diensten.client("tafel", "10.2.0.9"), "voorzitter", "x"))
    assert (await inloggen(pc, "voorzitter", passwords["voorzitter"])).status_code == 303
    assert (await inloggen(pc, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    names = {c.name for c in pc.cookies.jar if c.name.startswith("jbplein_apparaat")}
    assert len(names) == 2, names


async def test_guesses_from_one_ipv6_64_are_limited_together(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    """An attacker with a /64 uses a fresh address for every guess."""
    for i in range(20):
        client = await diensten.client(("intake", "tafel")[i % 2], f"2001:db8:6:6::{i + 1:x}")
        assert (await inloggen(client, f"naam-{i}", "geraden")).status_code == 401, i
    fresh = await diensten.client("tafel", "2001:db8:6:6:abcd::1")
    te_veel(await inloggen(fresh, "voorzitter", passwords["voorzitter"]))
    elsewhere = await diensten.client("tafel", "2001:db8:6:7::1")
    assert (await inloggen(elsewhere, "voorzitter", passwords["voorzitter"])).status_code == 303


async def test_logout_while_the_store_is_unreachable_still_deletes_the_cookie(
    diensten: Diensten, passwords: dict[str, str], nats_server: NatsServer
) -> None:
    client = await diensten.client("intake")
    assert (await inloggen(client, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    page = await client.get("/meldingen")
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match
    nats_server.stop()
    try:
        response = await client.post("/uitloggen", data={"csrf": match.group(1)})
        assert response.status_code == 503, response.text
        assert "Uitloggen" in response.text
        assert COOKIE not in client.cookies, "the browser still holds the session"
    finally:
        nats_server.start()
    screen = await eventually(lambda: _status(client, "/meldingen", 303))
    assert screen == 303


async def test_the_403_page_shows_no_account_for_a_session_that_has_ended(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    """A form whose CSRF check fails before any screen dependency: the page's header came from
    the signed cookie alone, so an ended session still showed its account and its menu."""
    client = await diensten.client("intake")
    assert (await inloggen(client, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    old = client.cookies[COOKIE]
    page = await client.get("/meldingen")
    assert 'action="/uitloggen"' in page.text
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match
    assert (await client.post("/uitloggen", data={"csrf": match.group(1)})).status_code == 303

    replay = await diensten.client("intake", "10.0.0.4")
    replay.cookies.set(COOKIE, old)
    response = await replay.post("/uitloggen", data={"csrf": "0" * 64})
    assert response.status_code == 403
    assert 'action="/uitloggen"' not in response.text, "the ended session's header"
    assert 'aria-label="Menu"' not in response.text


async def test_the_403_page_of_a_live_session_keeps_its_header(
    diensten: Diensten, passwords: dict[str, str]
) -> None:
    client = await diensten.client("intake")
    assert (await inloggen(client, "ondersteuner", passwords["ondersteuner"])).status_code == 303
    response = await client.post("/uitloggen", data={"csrf": "0" * 64})
    assert response.status_code == 403
    assert 'action="/uitloggen"' in response.text
    assert (await client.get("/meldingen")).status_code == 200
