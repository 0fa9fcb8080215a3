"""Where a webhook may go: only to public addresses, unless the embedded mode or a test allows
the plein's own network explicitly (``JBPLEIN_WEBHOOK_INTERNE_DOELEN``; never in production).

A callback to 169.254.169.254 (a cloud's metadata service), to loopback or to the private
network would let whoever registers a subscription make notificatie POST, with a credential of
its choosing, to what only the plein's own machines should reach (issue 11). The check is made
on the addresses the name resolves to, both when the subscription is made and before every
delivery (DNS can change in between); the delivery then connects to the address it checked.
A name that does not resolve within ``DNS_TIMEOUT`` is refused: at delivery that is a failed
attempt, retried with the usual backoff, and the worker moves on.

The classification is the standard library's ``ipaddress`` (maintained with Python, and it
knows the IANA special-purpose registries); what it does not unwrap is unwrapped here: an IPv4
address inside an IPv6 one (mapped, 6to4, Teredo, NAT64) is judged as that IPv4 address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

Adres = ipaddress.IPv4Address | ipaddress.IPv6Address

DNS_TIMEOUT = 5.0
"""Seconds a name may take to resolve: a slow resolver must not stall the delivery worker."""

NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class DoelGeweigerd(Exception):
    """A callback that may not be called; ``reden`` says why in a few words."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


def _ingepakt(adres: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, if it carries one."""
    if adres.ipv4_mapped is not None:
        return adres.ipv4_mapped
    if adres.sixtofour is not None:
        return adres.sixtofour
    if adres.teredo is not None:
        return adres.teredo[1]
    if any(adres in net for net in NAT64):
        return ipaddress.IPv4Address(int(adres) & 0xFFFFFFFF)
    return None


def waarom_intern(adres: Adres) -> str | None:
    """Why ``adres`` is not a public address a webhook may go to; None when it is one."""
    if isinstance(adres, ipaddress.IPv6Address):
        binnen = _ingepakt(adres)
        if binnen is not None:
            return waarom_intern(binnen)
    for reden, geldt in (
        ("loopback", adres.is_loopback),
        ("link-local", adres.is_link_local),
        # fec0::/10, deprecated but still routed inside some networks; ``is_private`` and
        # ``is_global`` of Python 3.11 do not cover it
        ("site-local", isinstance(adres, ipaddress.IPv6Address) and adres.is_site_local),
        ("unspecified", adres.is_unspecified),
        ("multicast", adres.is_multicast),
        ("reserved", adres.is_reserved),
        ("private", adres.is_private),
    ):
        if geldt:
            return reden
    if not adres.is_global:
        return "non-public"
    return None


def host(naam: str) -> str:
    """A URL's host as the resolver takes it (an IPv6 literal without its brackets)."""
    return naam[1:-1] if naam.startswith("[") and naam.endswith("]") else naam


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (a literal address resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def controleer(host: str, port: int, *, interne_toegestaan: bool) -> list[Adres]:
    """The addresses of ``host`` a webhook may connect to, in the resolver's order;
    :class:`DoelGeweigerd` when the name does not resolve or any address is not public (a
    name that resolves to a public and a private address is refused as a whole)."""
    try:
        gevonden = await asyncio.wait_for(resolve(host, port), DNS_TIMEOUT)
    except TimeoutError as exc:
        raise DoelGeweigerd("the host name did not resolve in time") from exc
    except (OSError, UnicodeError) as exc:
        raise DoelGeweigerd("the host name does not resolve") from exc
    adressen = []
    for tekst in gevonden:
        try:
            adres = ipaddress.ip_address(tekst.split("%", 1)[0])
        except ValueError as exc:
            raise DoelGeweigerd("the host name resolves to something unreadable") from exc
        reden = None if interne_toegestaan else waarom_intern(adres)
        if reden is not None:
            raise DoelGeweigerd(f"the host resolves to a {reden} address")
        adressen.append(adres)
    if not adressen:
        raise DoelGeweigerd("the host name does not resolve")
    return adressen
