"""Login's pure parts: what a guess costs, whose X-Forwarded-For is believed, the device
cookie, and the bounded hash pool."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import threading
import time
from typing import Any

import pytest

from jbplein_kit.auth import Account, Accounts, Organisatie, OrganisatieSoort, Rol, wachtwoord_hash
from jbplein_kit.inloggen import Apparaten, Hasher, TeDruk, bron_adres, limiet_bron

from ..conftest import eventually

PROXY = (ipaddress.ip_network("10.8.0.0/24"), ipaddress.ip_network("fd00::/64"))


def accounts() -> Accounts:
    return Accounts.of(
        [Organisatie(code="jbplein", naam="JB-plein", soort=OrganisatieSoort.PLEIN)],
        [
            Account(
                id="ondersteuner",
                organisatie="jbplein",
                rollen=(Rol.ONDERSTEUNER,),
                wachtwoord_scrypt=wachtwoord_hash("geheim"),
            ),
            Account(
                id="partner-zonder-wachtwoord",
                organisatie="jbplein",
                rollen=(Rol.PARTNER,),
                token_sha256="0" * 64,
            ),
        ],
    )


def test_an_unknown_name_costs_one_scrypt_with_the_parameters_of_a_known_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: an unknown name hashed a fresh dummy and then checked it, two scrypts against
    one: a timing oracle for which names exist."""
    known = accounts()
    real = hashlib.scrypt
    calls: list[tuple[int, int, int]] = []

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append((kwargs["n"], kwargs["r"], kwargs["p"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    cost = {}
    for name in ("ondersteuner", "niemand", "partner-zonder-wachtwoord"):
        calls.clear()
        assert known.by_password(name, "geraden") is None
        cost[name] = list(calls)
    assert cost["niemand"] == cost["ondersteuner"] == cost["partner-zonder-wachtwoord"]
    assert len(cost["ondersteuner"]) == 1


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        # Not from a proxy: the header is the client's own word and is ignored.
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        ("127.0.0.1", ["198.51.100.1"], "127.0.0.1"),
        # From the proxy: the address the proxy saw (the rightmost), not what the client wrote.
        ("10.8.0.2", ["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
        ("10.8.0.2", ["198.51.100.1", "203.0.113.7"], "203.0.113.7"),
        # Through two proxies of ours: skip both.
        ("10.8.0.2", ["6.6.6.6, 203.0.113.7, 10.8.0.3"], "203.0.113.7"),
        ("fd00::2", ["2001:db8::5"], "2001:db8::5"),
        # What the proxy forwarded is no address: the proxy itself, never the text.
        ("10.8.0.2", ["x" * 300], "10.8.0.2"),
        ("10.8.0.2", ["203.0.113.7, unknown"], "10.8.0.2"),
        # From the proxy without a header: the proxy itself.
        ("10.8.0.2", [], "10.8.0.2"),
        (None, [], "onbekend"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_configured_proxies(
    peer: str | None, header: list[str], expected: str
) -> None:
    assert bron_adres(peer, header, PROXY) == expected


def test_without_configured_proxies_no_header_is_believed() -> None:
    assert bron_adres("10.8.0.2", ["203.0.113.7"], ()) == "10.8.0.2"


def test_a_device_cookie_knows_one_account_and_cannot_be_forged() -> None:
    apparaten = Apparaten(b"s" * 32)
    cookie = apparaten.issue("voorzitter")
    assert apparaten.lees(cookie, "voorzitter") is not None
    assert apparaten.lees(cookie, "ondersteuner") is None, "another account's device cookie"
    _account, device, expires, signature = cookie.split("|")
    assert apparaten.lees(f"ondersteuner|{device}|{expires}|{signature}", "ondersteuner") is None
    assert Apparaten(b"t" * 32).lees(cookie, "voorzitter") is None, "another host's secret"
    assert apparaten.lees("voorzitter|x|1", "voorzitter") is None


def test_an_expired_device_cookie_is_not_known(monkeypatch: pytest.MonkeyPatch) -> None:
    apparaten = Apparaten(b"s" * 32)
    cookie = apparaten.issue("voorzitter")
    later = time.time() + 200 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert apparaten.lees(cookie, "voorzitter") is None


async def test_the_hash_pool_runs_off_the_loop_and_refuses_beyond_its_queue() -> None:
    hasher = Hasher(threads=1, wachtrij=1)
    gate = threading.Event()
    threads: list[int] = []

    def slow() -> int:
        threads.append(threading.get_ident())
        gate.wait(timeout=10)
        return 1

    try:
        running = [asyncio.create_task(hasher.run(slow)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(TeDruk):
            await hasher.run(slow)
        gate.set()
        assert await asyncio.gather(*running) == [1, 1]
        assert threading.get_ident() not in threads
        assert await hasher.run(slow) == 1, "room again once the queue drained"

        # A caller that stops waiting does not make room while its hash still runs (a queued
        # one is really cancelled, and does).
        gate.clear()
        before = len(threads)
        abandoned = [asyncio.create_task(hasher.run(slow)) for _ in range(2)]

        async def first_running() -> bool:
            return len(threads) > before

        # Wait until the pool's thread has taken the first hash: cancelled before that, both
        # would be queued ones, really cancelled, and make room (as they should).
        await eventually(first_running)
        for task in abandoned:
            task.cancel()
        await asyncio.gather(*abandoned, return_exceptions=True)
        queued = asyncio.create_task(hasher.run(slow))
        await asyncio.sleep(0)
        with pytest.raises(TeDruk):
            await hasher.run(slow)
        gate.set()
        assert await queued == 1
    finally:
        hasher.close()


def test_uvicorn_does_not_believe_forwarded_headers_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's default rewrites the client address from X-Forwarded-For for any connection
    from 127.0.0.1: in the embedded mode every browser could then pick its own address."""
    import uvicorn

    from jbplein_kit import service
    from jbplein_kit.service import serve
    from jbplein_kit.settings import ServiceSettings

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(service, "setup_logging", lambda *args: None)
    serve(lambda: None, ServiceSettings(), "tafel")  # type: ignore[arg-type,return-value]
    assert seen["proxy_headers"] is False


def test_each_account_has_its_own_device_cookie_name_that_does_not_show_the_account() -> None:
    apparaten = Apparaten(b"s" * 32)
    names = {apparaten.cookie_naam(a) for a in ("voorzitter", "ondersteuner")}
    assert len(names) == 2
    assert all(n.startswith("jbplein_apparaat_") and len(n) == 33 for n in names)
    assert not any("voorzitter" in n or "ondersteuner" in n for n in names)
    assert apparaten.cookie_naam("Voorzitter") == apparaten.cookie_naam("voorzitter")
    assert Apparaten(b"t" * 32).cookie_naam("voorzitter") not in names


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        # A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d: it is that IPv4 address.
        ("::ffff:203.0.113.7", [], "203.0.113.7"),
        ("::ffff:10.8.0.2", ["::ffff:198.51.100.4"], "198.51.100.4"),
        ("10.8.0.2", ["::ffff:198.51.100.4"], "198.51.100.4"),
    ],
)
def test_an_ipv4_mapped_address_is_the_ipv4_address(
    peer: str, header: list[str], expected: str
) -> None:
    assert bron_adres(peer, header, PROXY) == expected


def test_ipv6_sources_are_limited_per_64() -> None:
    """One end-user gets a whole /64: counting per /128 gives it 2**64 fresh addresses."""
    assert limiet_bron("2001:db8:1:2::1") == limiet_bron("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert limiet_bron("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert limiet_bron("2001:db8:1:3::1") != limiet_bron("2001:db8:1:2::1")
    assert limiet_bron("203.0.113.7") == "203.0.113.7"
    assert limiet_bron("onbekend") == "onbekend"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Proxies that write the client's port, or IPv6 in brackets (RFC 7239 style).
        (["203.0.113.7:5555"], "203.0.113.7"),
        (["[2001:db8::1]"], "2001:db8::1"),
        (["[2001:db8::1]:443"], "2001:db8::1"),
        (["6.6.6.6, [2001:db8::1]:443, 10.8.0.3:80"], "2001:db8::1"),
        (["[::ffff:203.0.113.7]:1"], "203.0.113.7"),
        # Still no address: the proxy.
        (["203.0.113.7:poort"], "10.8.0.2"),
        (["[2001:db8::1"], "10.8.0.2"),
        (["[2001:db8::1]x"], "10.8.0.2"),
        (["203.0.113.7:1:2"], "10.8.0.2"),
        (["[203.0.113.7]"], "10.8.0.2"),
    ],
)
def test_forwarded_addresses_with_a_port_or_brackets_are_read(
    header: list[str], expected: str
) -> None:
    assert bron_adres("10.8.0.2", header, PROXY) == expected


def test_the_pleins_own_origins_are_its_configured_urls_and_their_loopback_names() -> None:
    """The embedded mode's URLs are http://127.0.0.1:<port>; a developer who opens
    http://localhost:<port> is on the same machine and may log in. Another name for the same
    address (DNS rebinding) is not the plein."""
    from jbplein_kit.screens import eigen_herkomsten, herkomst
    from jbplein_kit.settings import ServiceSettings

    embedded = eigen_herkomsten(
        ServiceSettings(public_url="http://127.0.0.1:8102", intake_url="http://127.0.0.1:8101")
    )
    assert {"http://localhost:8102", "http://[::1]:8101", "http://127.0.0.1:8101"} <= embedded
    assert "http://rebind.example:8102" not in embedded
    deployed = eigen_herkomsten(ServiceSettings(public_url="https://tafel.plein.example:443/"))
    assert deployed == {"https://tafel.plein.example"}
    assert herkomst("HTTPS://Tafel.Plein.Example") == "https://tafel.plein.example"
    assert herkomst("null") is None
    assert herkomst("http://[::1]:80") == "http://[::1]"
