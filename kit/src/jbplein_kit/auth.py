"""Who is calling: partner organisations with their own credentials, staff with roles, and the
plein's own services. Accounts come from a TOML file (see deploy/README.md); only hashes of
credentials are kept in it.

Roles:
* ``partner``: a system of a partner organisation (Veilig Thuis, a wijkteam, JBRR, the Raad, ...);
* ``ondersteuner``, ``voorzitter``, ``beheer``: staff of the plein;
* ``dienst``: one of the plein's own services calling another.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from .problems import Problem


class Rol(StrEnum):
    PARTNER = "partner"
    ONDERSTEUNER = "ondersteuner"
    VOORZITTER = "voorzitter"
    BEHEER = "beheer"
    DIENST = "dienst"


STAF = (Rol.ONDERSTEUNER, Rol.VOORZITTER, Rol.BEHEER)


class OrganisatieSoort(StrEnum):
    VEILIG_THUIS = "veilig_thuis"
    WIJKTEAM = "wijkteam"
    POLITIE = "politie"
    JEUGDHULPAANBIEDER = "jeugdhulpaanbieder"
    RVDK = "rvdk"
    JBRR = "jbrr"
    PLEIN = "plein"


class Organisatie(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    naam: str = Field(min_length=1, max_length=200)
    soort: OrganisatieSoort


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$")
    organisatie: str
    rollen: tuple[Rol, ...] = Field(min_length=1)
    token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    wachtwoord_scrypt: str | None = None


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organisaties: tuple[Organisatie, ...] = ()
    accounts: tuple[Account, ...] = ()


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a request."""

    id: str
    organisatie: str
    soort: OrganisatieSoort
    rollen: frozenset[Rol]

    def heeft(self, *rollen: Rol) -> bool:
        return bool(self.rollen.intersection(rollen))

    @property
    def is_staf(self) -> bool:
        return self.heeft(*STAF)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def wachtwoord_hash(wachtwoord: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(wachtwoord.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


@functools.cache
def _schijn_hash() -> str:
    """A hash of no one's password, with the parameters of every real one: checking a name
    that does not exist costs exactly one scrypt, as checking one that does."""
    return wachtwoord_hash(secrets.token_urlsafe(16))


def wachtwoord_klopt(wachtwoord: str, opgeslagen: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = opgeslagen.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        wachtwoord.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass
class Accounts:
    """Every organisation and account, looked up by credential."""

    organisaties: dict[str, Organisatie] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    _by_token: dict[str, Account] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path | None) -> Accounts:
        if path is None:
            return cls()
        with path.open("rb") as handle:
            parsed = AccountsFile.model_validate(tomllib.load(handle))
        return cls.of(parsed.organisaties, parsed.accounts)

    @classmethod
    def of(cls, organisaties: Iterable[Organisatie], accounts: Iterable[Account]) -> Accounts:
        result = cls()
        _schijn_hash()  # made now, so that no login pays for making it
        for organisatie in organisaties:
            result.organisaties[organisatie.code] = organisatie
        for account in accounts:
            if account.organisatie not in result.organisaties:
                raise ValueError(f"account {account.id} names unknown organisation")
            if account.id in result.accounts:
                raise ValueError(f"account {account.id} appears twice")
            result.accounts[account.id] = account
            if account.token_sha256:
                result._by_token[account.token_sha256] = account
        return result

    def raad_voor(self, jeugdbeschermingsteam: Iterable[str]) -> str | None:
        """The Raad voor de Kinderbescherming a verzoek tot onderzoek goes to: the Raad named
        in the besluit's jeugdbeschermingsteam, else the first configured Raad (by code)."""
        for code in jeugdbeschermingsteam:
            organisatie = self.organisaties.get(code)
            if organisatie is not None and organisatie.soort is OrganisatieSoort.RVDK:
                return code
        raden = sorted(c for c, o in self.organisaties.items() if o.soort is OrganisatieSoort.RVDK)
        return raden[0] if raden else None

    def actor(self, account: Account) -> Actor:
        organisatie = self.organisaties[account.organisatie]
        return Actor(account.id, organisatie.code, organisatie.soort, frozenset(account.rollen))

    def by_token(self, token: str) -> Actor | None:
        account = self._by_token.get(token_hash(token))
        return self.actor(account) if account else None

    def by_password(self, account_id: str, wachtwoord: str) -> Actor | None:
        account = self.accounts.get(account_id)
        if account is None or account.wachtwoord_scrypt is None:
            # Spend the same time as a real check, so a guess does not learn which ids exist.
            wachtwoord_klopt(wachtwoord, _schijn_hash())
            return None
        if not wachtwoord_klopt(wachtwoord, account.wachtwoord_scrypt):
            return None
        return self.actor(account)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


UNAUTHENTICATED = Problem(
    401,
    "Authenticate with the Bearer credential of your organisation.",
    headers={"WWW-Authenticate": 'Bearer realm="jbplein"'},
)


# Declares the Bearer scheme in the OpenAPI document (components.securitySchemes, and security
# on every operation that needs it); the check itself is ``requires``.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="The Bearer credential of your organisation (or of a plein service).",
)


def requires(*rollen: Rol) -> Callable[..., Awaitable[Actor]]:
    """A FastAPI dependency: the authenticated actor, who must hold one of ``rollen``."""

    async def dependency(
        request: Request,
        credential: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    ) -> Actor:
        accounts: Accounts = request.app.state.accounts
        actor: Actor | None = getattr(request.state, "actor", None)
        if actor is None:
            token = credential.credentials.strip() if credential else None
            actor = accounts.by_token(token) if token else None
        if actor is None:
            raise UNAUTHENTICATED
        if rollen and not actor.heeft(*rollen):
            raise Problem(403, "Your role does not allow this.")
        request.state.actor = actor
        return actor

    return dependency
