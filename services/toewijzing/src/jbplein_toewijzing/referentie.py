"""JBRR's reference data: gebiedsteams, jeugdbeschermers and their absences. The same model is
read from a TOML file (``JBPLEIN_REFERENTIE_FILE``, loaded at start-up when its content changed)
and taken by the admin API (role beheer)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Self
from uuid import uuid4

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jbplein_contracts.waarden import GemeenteCode, Taakaccent
from jbplein_kit.invoer import Invoer

from .models import Afwezigheid, Gebiedsteam, Jeugdbeschermer, ReferentieImport

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Dag = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))]
WijkNaam = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[\w .'-]+$")]


class TeamIn(Invoer):
    """A gebiedsteam and the area it covers."""

    naam: str = Field(min_length=1, max_length=200)
    gemeenten: list[GemeenteCode] = Field(min_length=1, max_length=20)
    wijken: list[WijkNaam] = Field(
        default_factory=list,
        max_length=200,
        description="Wijken it covers; empty: the whole of its municipalities.",
    )


class TeamBestand(TeamIn):
    code: Code


class AfwezigheidIn(Invoer):
    van: Dag
    tot_en_met: Dag | None = Field(default=None, description="Last day away; none: open-ended.")

    @model_validator(mode="after")
    def _volgorde(self) -> Self:
        if self.tot_en_met is not None and self.tot_en_met < self.van:
            raise ValueError("tot_en_met lies before van")
        return self


class JeugdbeschermerIn(Invoer):
    """A jeugdbeschermer of JBRR who can be casusregisseur."""

    naam: str = Field(min_length=1, max_length=200)
    gebiedsteam: Code
    taakaccent: Taakaccent
    max_caseload: int = Field(ge=0, le=100, description="Most gezinnen at a time; 0: none now.")
    telefoon: str | None = Field(default=None, max_length=40, pattern=r"^[0-9 +()-]{6,40}$")
    email: str | None = Field(
        default=None, max_length=200, pattern=r"^[^@\s]{1,100}@[^@\s]{1,98}\.[^@\s]{1,20}$"
    )
    in_dienst: bool = True


class JeugdbeschermerBestand(JeugdbeschermerIn):
    code: Code
    afwezigheden: list[AfwezigheidIn] = Field(default_factory=list, max_length=100)


class Referentie(Invoer):
    gebiedsteams: list[TeamBestand] = Field(default_factory=list, max_length=200)
    jeugdbeschermers: list[JeugdbeschermerBestand] = Field(default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _samenhang(self) -> Self:
        teams = [t.code for t in self.gebiedsteams]
        if len(set(teams)) != len(teams):
            raise ValueError("a gebiedsteam appears twice")
        codes = [j.code for j in self.jeugdbeschermers]
        if len(set(codes)) != len(codes):
            raise ValueError("a jeugdbeschermer appears twice")
        return self


class OnbekendTeam(ValueError):
    """A jeugdbeschermer names a gebiedsteam that does not exist."""

    def __init__(self, jeugdbeschermer: str, team: str) -> None:
        super().__init__(f"jeugdbeschermer {jeugdbeschermer}: unknown gebiedsteam {team}")
        self.jeugdbeschermer = jeugdbeschermer
        self.team = team


@dataclass(frozen=True)
class Bestand:
    referentie: Referentie
    sha256: str
    bron: str


def lees(path: Path) -> Bestand:
    """The file's reference data, the sha256 of its content and where it came from."""
    inhoud = path.read_bytes()
    return Bestand(
        Referentie.model_validate(tomllib.loads(inhoud.decode("utf-8"))),
        hashlib.sha256(inhoud).hexdigest(),
        str(path.resolve())[-200:],
    )


def pas_team_toe(team: Gebiedsteam | None, code: str, invoer: TeamIn) -> Gebiedsteam:
    team = team or Gebiedsteam(code=code)
    team.naam = invoer.naam
    team.gemeenten = sorted(set(invoer.gemeenten))
    team.wijken = sorted({w.strip().lower() for w in invoer.wijken})
    return team


def pas_jeugdbeschermer_toe(
    jb: Jeugdbeschermer | None, code: str, invoer: JeugdbeschermerIn
) -> Jeugdbeschermer:
    jb = jb or Jeugdbeschermer(code=code)
    jb.naam = invoer.naam
    jb.gebiedsteam = invoer.gebiedsteam
    jb.taakaccent = invoer.taakaccent.value
    jb.max_caseload = invoer.max_caseload
    jb.telefoon = invoer.telefoon
    jb.email = invoer.email
    jb.in_dienst = invoer.in_dienst
    return jb


async def laad(session: AsyncSession, referentie: Referentie, door: str, nu: datetime) -> None:
    """Insert or update every team and jeugdbeschermer of ``referentie`` and add the absences it
    lists that are not there yet. Nothing is deleted: a jeugdbeschermer who left is marked
    ``in_dienst = false``."""
    for team in referentie.gebiedsteams:
        session.add(pas_team_toe(await session.get(Gebiedsteam, team.code), team.code, team))
    await session.flush()
    for invoer in referentie.jeugdbeschermers:
        if await session.get(Gebiedsteam, invoer.gebiedsteam) is None:
            raise OnbekendTeam(invoer.code, invoer.gebiedsteam)
        jb = pas_jeugdbeschermer_toe(
            await session.get(Jeugdbeschermer, invoer.code), invoer.code, invoer
        )
        session.add(jb)
        await session.flush()
        bestaand = {
            (a.van, a.tot_en_met)
            for a in (
                await session.scalars(
                    select(Afwezigheid).where(Afwezigheid.jeugdbeschermer == invoer.code)
                )
            ).all()
        }
        for afwezig in invoer.afwezigheden:
            if (afwezig.van, afwezig.tot_en_met) in bestaand:
                continue
            session.add(
                Afwezigheid(
                    id=uuid4(),
                    jeugdbeschermer=invoer.code,
                    van=afwezig.van,
                    tot_en_met=afwezig.tot_en_met,
                    geregistreerd_door=door,
                    geregistreerd_op=nu,
                )
            )
    await session.flush()


async def laad_als_gewijzigd(
    session: AsyncSession, bestand: Bestand, door: str, nu: datetime
) -> bool:
    """Load a reference file unless this very content was loaded before (so a restart does not
    undo what beheer changed through the API since). True if loaded."""
    referentie, sha256, bron = bestand.referentie, bestand.sha256, bestand.bron
    vorige = await session.get(ReferentieImport, bron)
    if vorige is not None and vorige.sha256 == sha256:
        return False
    await laad(session, referentie, door, nu)
    if vorige is None:
        session.add(ReferentieImport(bron=bron, sha256=sha256, geladen_op=nu))
    else:
        vorige.sha256 = sha256
        vorige.geladen_op = nu
    return True
