"""Staff login that neither stalls a service nor locks a colleague out, and sessions that end on
the server.

* **The hash runs off the event loop**, in a small thread pool of its own (``hashlib.scrypt``
  releases the GIL), with a bounded queue: a flood of logins gets 503 instead of queueing
  without end, and ``/healthz`` and every other request keep their pace.
* **Attempts are counted in JetStream**, shared by every process of every service: one message
  per attempt on ``jbplein.inlog.<soort>.<key>`` in the stream ``JBPLEIN_INLOGPOGINGEN``, whose
  ``max_age`` is the window, so old attempts expire one by one (a sliding window). An attempt is
  published *before* the hash and counted after its publish: of attempts racing each other at
  most the limit get through. A refused attempt is deleted at once (it cost no hash and does
  not extend the lock), a successful one too, with the earlier failures of its pair or device.
  The keys are HMACs (with the session secret) of the address and the name: the stream holds no
  addresses or names.
* **Limits** (failures and attempts in progress within the window):
  - per source address (an IPv6 source per /64: ``limiet_bron``), for browsers the account
    does not know (``inlog_max_per_bron``);
  - per (account, source address) (``inlog_max_per_paar``);
  - per account, for browsers it does not know (``inlog_max_per_account``): an attack from
    many addresses stops every *unknown* browser for that account;
  - per known browser (``inlog_max_per_apparaat``). A browser is known to an account after a
    successful login: it then holds a signed device cookie for that account (OWASP's "device
    cookies"; one cookie per account, so a shared PC stays known to each of its users), and
    its attempts count only against that cookie, never against the account or the address.
    So an attacker can lock out nobody's own browser, from anywhere.
* **Sessions live on the server** in the JetStream key-value bucket ``jbplein_sessies`` (key:
  the session's random id, TTL: the session's lifetime); a screen accepts a signed cookie only
  while its key exists, so logging out (deleting the key) ends it at every service.
* **Fail safe**: when the store cannot be reached, a login is refused (503): an attempt that
  cannot be counted could be one of unlimited guesses. A session that cannot be checked is not
  honoured either (503; it may have been ended), but it is not forgotten: it works again when the
  store is back.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from fastapi import Request
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from .settings import ServiceSettings

log = logging.getLogger("jbplein.inloggen")

STREAM = "JBPLEIN_INLOGPOGINGEN"
SUBJECT = "jbplein.inlog"
BUCKET = "jbplein_sessies"
APPARAAT_COOKIE = "jbplein_apparaat"
APPARAAT_MAX_AGE = 180 * 24 * 3600
OPSLAG_TIMEOUT = 3.0
OPSLAG_RETRY_AFTER = 5

P = ParamSpec("P")
T = TypeVar("T")
Netwerk = ipaddress.IPv4Network | ipaddress.IPv6Network


class OpslagWeg(Exception):
    """The shared store (NATS JetStream) cannot be reached."""


class TeDruk(Exception):
    """More password hashes are waiting than this process takes on."""


class TeVeel(Exception):
    """Too many attempts; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


# --- where a request comes from -------------------------------------------------------------


def _ip(adres: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``adres`` as an IP address; an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``, what a
    dual-stack listener sees of an IPv4 client) as the IPv4 address it is."""
    try:
        ip = ipaddress.ip_address(adres.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _hop(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One ``X-Forwarded-For`` entry as an address. Some proxies add the client's port
    (``1.2.3.4:5555``) or write IPv6 in brackets (``[2001:db8::1]``, ``[2001:db8::1]:443``):
    the port and the brackets are taken off; anything else that is no address is None."""
    text = text.strip()
    if text.startswith("["):
        adres, sluit, rest = text[1:].partition("]")
        if not sluit or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return None
        ip = _ip(adres)
        return ip if ip is not None and ":" in adres else None  # brackets hold IPv6 only
    if text.count(":") == 1:  # IPv4 with a port (an IPv6 address has at least two colons)
        adres, _, poort = text.partition(":")
        return _ip(adres) if poort.isdigit() else None
    return _ip(text)


def bron_adres(peer: str | None, forwarded_for: Iterable[str], vertrouwd: Iterable[Netwerk]) -> str:
    """The client's address: the peer, unless the peer is a configured proxy; then the nearest
    address in ``X-Forwarded-For`` that is not one of those proxies (read from the right, as
    each proxy appends what it saw; whatever a client wrote on the left is never believed)."""
    netwerken = tuple(vertrouwd)

    def is_proxy(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return ip is not None and any(ip in netwerk for netwerk in netwerken)

    if peer is None:
        return "onbekend"
    peer_ip = _ip(peer)
    if not is_proxy(peer_ip):
        return str(peer_ip) if peer_ip is not None else peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        ip = _hop(hop)
        if ip is None:  # not an address: we cannot tell who it is; count the proxy
            return str(peer_ip)
        if not is_proxy(ip):
            return str(ip)
    return str(_hop(hops[0])) if hops else str(peer_ip)


def limiet_bron(bron: str) -> str:
    """What the per-address limits count: an IPv4 address, or the /64 of an IPv6 address (one
    end-user network gets a whole /64, so per /128 an attacker has 2**64 fresh addresses)."""
    ip = _ip(bron)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return bron


def request_bron(request: Request, vertrouwd: Iterable[Netwerk]) -> str:
    return bron_adres(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        vertrouwd,
    )


# --- the hash, off the loop -----------------------------------------------------------------


class Hasher:
    """Runs password checks in a thread pool of its own, with a bounded queue."""

    def __init__(self, threads: int, wachtrij: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wachtwoord")
        self._max = threads + wachtrij
        self._bezig = 0
        self._lock = threading.Lock()
        self.closed = False

    def _klaar(self, _: object) -> None:
        with self._lock:
            self._bezig -= 1

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            if self._bezig >= self._max:
                raise TeDruk
            self._bezig += 1
        # Counted until the pool is done with it, not until the caller stops waiting: a client
        # that hangs up does not make room while its hash still runs or waits.
        future = self._pool.submit(functools.partial(fn, *args, **kwargs))
        future.add_done_callback(self._klaar)
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)


# --- known browsers ---------------------------------------------------------------------------


class Apparaten:
    """The device cookie: ``account|device id|expires|signature``, given after a successful
    login; it makes the browser known to that account (and to no other). One cookie per
    account (``cookie_naam``), so on a shared PC one colleague's login does not make the
    browser unknown to another."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def cookie_naam(self, account_id: str) -> str:
        """``jbplein_apparaat_<HMAC of the account>``: the name does not show the account."""
        digest = hmac.new(
            self._secret, f"apparaat-naam|{account_id.lower()}".encode(), hashlib.sha256
        )
        return f"{APPARAAT_COOKIE}_{digest.hexdigest()[:16]}"

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, f"apparaat|{text}".encode(), hashlib.sha256).hexdigest()

    def issue(self, account_id: str) -> str:
        payload = f"{account_id}|{secrets.token_hex(16)}|{int(time.time()) + APPARAAT_MAX_AGE}"
        return f"{payload}|{self._sign(payload)}"

    def lees(self, value: str | None, account_id: str) -> str | None:
        """The device id, when ``value`` is a valid, unexpired cookie for ``account_id``."""
        if not value or value.count("|") != 3:
            return None
        payload, signature = value.rsplit("|", 1)
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        account, apparaat, expires = payload.split("|")
        if account != account_id or not expires.isdigit() or int(expires) < time.time():
            return None
        return apparaat


# --- the shared store -------------------------------------------------------------------------


@dataclass(frozen=True)
class Limieten:
    venster: float
    per_bron: int
    per_paar: int
    per_account: int
    per_apparaat: int

    @classmethod
    def uit(cls, settings: ServiceSettings) -> Limieten:
        return cls(
            venster=settings.inlog_venster_seconden,
            per_bron=settings.inlog_max_per_bron,
            per_paar=settings.inlog_max_per_paar,
            per_account=settings.inlog_max_per_account,
            per_apparaat=settings.inlog_max_per_apparaat,
        )


@dataclass
class Poging:
    """One attempt's messages in the stream: (subject, sequence), and the subjects whose
    earlier failures a success forgives."""

    berichten: list[tuple[str, int]]
    vergeef: list[str]


class Inloggen:
    """A service's side of login: the hasher, the shared counters and the session register."""

    def __init__(
        self,
        settings: ServiceSettings,
        secret: bytes,
        jetstream: Callable[[], JetStreamContext],
        session_max_age: int,
    ) -> None:
        self.settings = settings
        self.limieten = Limieten.uit(settings)
        self.proxies: tuple[Netwerk, ...] = tuple(settings.vertrouwde_proxies)
        self.hasher = self._new_hasher()
        self.apparaten = Apparaten(secret)
        self._secret = secret
        self._jetstream = jetstream
        self._session_max_age = session_max_age
        self._kv: KeyValue | None = None

    def _new_hasher(self) -> Hasher:
        return Hasher(self.settings.inlog_hash_threads, self.settings.inlog_hash_wachtrij)

    async def start(self) -> None:
        """Declare the stream and the bucket (when this service declares streams) and bind."""
        if self.hasher.closed:  # started again after a stop
            self.hasher = self._new_hasher()
        js = self._jetstream()
        replicas = self.settings.stream_replicas
        if self.settings.declare_streams:
            config = StreamConfig(
                name=STREAM,
                description="Login attempts per source, account and device (keyed HMACs).",
                subjects=[f"{SUBJECT}.>"],
                storage=StorageType.FILE,
                num_replicas=replicas,
                max_age=self.limieten.venster,
                max_msgs_per_subject=1000,
            )
            try:
                await js.stream_info(STREAM)
            except NotFoundError:
                await js.add_stream(config)
            else:
                await js.update_stream(config)
        try:
            self._kv = await js.key_value(BUCKET)
        except BucketNotFoundError:
            if not self.settings.declare_streams:
                raise
            self._kv = await js.create_key_value(
                KeyValueConfig(
                    bucket=BUCKET,
                    description="Live staff sessions; a key ends when its session does.",
                    history=1,
                    ttl=float(self._session_max_age),
                    storage=StorageType.FILE,
                    replicas=replicas,
                )
            )

    def close(self) -> None:
        self.hasher.close()

    def _key(self, soort: str, *delen: str) -> str:
        text = "|".join((soort, *delen))
        digest = hmac.new(self._secret, f"poging|{text}".encode(), hashlib.sha256)
        return f"{SUBJECT}.{soort}.{digest.hexdigest()[:40]}"

    async def _opslag(self, work: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(work, OPSLAG_TIMEOUT)
        except (TeVeel, KeyNotFoundError):
            raise
        except Exception as exc:
            log.warning("login store unavailable (%s)", type(exc).__name__)
            raise OpslagWeg from exc

    # --- attempts ---------------------------------------------------------------------------

    async def _count(self, js: JetStreamContext, subject: str) -> int:
        info = await js.stream_info(STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))

    async def _retry_after(self, js: JetStreamContext, subject: str) -> int:
        try:
            oldest = await js.get_msg(STREAM, seq=1, subject=subject, next=True)
        except NotFoundError:  # refused at the same time, and deleted since: try again soon
            return 1
        if oldest.time is None:
            return math.ceil(self.limieten.venster)
        ends = oldest.time.timestamp() + self.limieten.venster
        return max(1, math.ceil(ends - time.time()))

    async def _begin(self, account_id: str, bron: str, apparaat: str | None) -> Poging:
        js = self._jetstream()
        naam = account_id.lower()
        if apparaat is not None:
            keys = [(self._key("apparaat", naam, apparaat), self.limieten.per_apparaat)]
            vergeef = [keys[0][0]]
        else:
            netwerk = limiet_bron(bron)
            paar = self._key("paar", naam, netwerk)
            keys = [
                (self._key("bron", netwerk), self.limieten.per_bron),
                (paar, self.limieten.per_paar),
                (self._key("account", naam), self.limieten.per_account),
            ]
            vergeef = [paar]
        acks = await asyncio.gather(*(js.publish(s, b"", stream=STREAM) for s, _ in keys))
        poging = Poging([(s, ack.seq) for (s, _), ack in zip(keys, acks, strict=True)], vergeef)
        counts = await asyncio.gather(*(self._count(js, s) for s, _ in keys))
        over = [s for (s, limit), count in zip(keys, counts, strict=True) if count > limit]
        if over:
            await self._delete(js, poging)
            waits = await asyncio.gather(*(self._retry_after(js, s) for s in over))
            raise TeVeel(max(waits))
        return poging

    async def _delete(self, js: JetStreamContext, poging: Poging) -> None:
        await asyncio.gather(*(js.delete_msg(STREAM, seq) for _, seq in poging.berichten))

    async def _geslaagd(self, poging: Poging) -> None:
        js = self._jetstream()
        await self._delete(js, poging)
        await asyncio.gather(*(js.purge_stream(STREAM, subject=s) for s in poging.vergeef))

    async def probeer(
        self,
        check: Callable[[str, str], T | None],
        account_id: str,
        wachtwoord: str,
        bron: str,
        apparaat: str | None,
    ) -> T | None:
        """Count the attempt (``TeVeel`` when over a limit), then run ``check`` (the password
        hash) off the loop. A success takes the attempt and earlier failures of its pair or
        device off the count; a failure stays counted for the window."""
        poging: Poging = await self._opslag(self._begin(account_id, bron, apparaat))
        try:
            result = await self.hasher.run(check, account_id, wachtwoord)
        except TeDruk:
            await self._opslag(self._delete(self._jetstream(), poging))
            raise
        if result is not None:
            await self._opslag(self._geslaagd(poging))
        return result

    # --- sessions ---------------------------------------------------------------------------

    def _bucket(self) -> KeyValue:
        if self._kv is None:
            raise OpslagWeg("the session register is not bound (service not started)")
        return self._kv

    async def sessie_open(self, sleutel: str, account_id: str) -> None:
        await self._opslag(self._bucket().put(sleutel, account_id.encode()))

    async def sessie_geldig(self, sleutel: str, account_id: str) -> bool:
        try:
            entry = await self._opslag(self._bucket().get(sleutel))
        except KeyNotFoundError:
            return False
        return bool(entry.value == account_id.encode())

    async def sessie_sluit(self, sleutel: str) -> None:
        await self._opslag(self._bucket().purge(sleutel))
