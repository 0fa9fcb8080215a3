"""JBRR's reference data from a TOML file: gebiedsteams and jeugdbeschermers."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from jbplein_contracts.waarden import Taakaccent

from .models import Gebiedsteam, Jeugdbeschermer

Code = str


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    naam: str = Field(min_length=1, max_length=200)
    gemeenten: list[str] = Field(min_length=1)
    wijken: list[str] = Field(default_factory=list)


class JeugdbeschermerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    naam: str = Field(min_length=1, max_length=200)
    gebiedsteam: Code
    taakaccent: Taakaccent
    max_caseload: int = Field(ge=1, le=100)
    afwezig: bool = False


class Referentie(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gebiedsteams: list[TeamIn] = Field(default_factory=list)
    jeugdbeschermers: list[JeugdbeschermerIn] = Field(default_factory=list)


def lees(path: Path) -> Referentie:
    with path.open("rb") as handle:
        return Referentie.model_validate(tomllib.load(handle))


async def laad(session: AsyncSession, referentie: Referentie) -> None:
    """Insert or update every team and jeugdbeschermer of ``referentie``."""
    for team in referentie.gebiedsteams:
        await session.merge(
            Gebiedsteam(
                code=team.code, naam=team.naam, gemeenten=team.gemeenten, wijken=team.wijken
            )
        )
    await session.flush()
    for jb in referentie.jeugdbeschermers:
        await session.merge(
            Jeugdbeschermer(
                code=jb.code,
                naam=jb.naam,
                gebiedsteam=jb.gebiedsteam,
                taakaccent=jb.taakaccent.value,
                max_caseload=jb.max_caseload,
                afwezig=jb.afwezig,
            )
        )
