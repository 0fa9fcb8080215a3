"""The municipalities the plein serves: onboarded by configuration, never by code."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Briefhoofd(BaseModel):
    """The municipality's letterhead on letters to the gezin."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    afzender: str = Field(max_length=200)
    adres: str | None = Field(default=None, max_length=200)
    telefoon: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=200)


class Gemeente(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{4}$")
    naam: str = Field(min_length=1, max_length=100)
    briefhoofd: Briefhoofd


class _GemeentenFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gemeenten: tuple[Gemeente, ...] = Field(min_length=1)


def load_gemeenten(path: Path | None = None) -> dict[str, Gemeente]:
    """The configured municipalities by CBS code; the five of Rotterdam-Rijnmond by default."""
    if path is None:
        text = resources.files("jbplein_kit").joinpath("defaults/gemeenten.toml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    parsed = _GemeentenFile.model_validate(tomllib.loads(text))
    result: dict[str, Gemeente] = {}
    for gemeente in parsed.gemeenten:
        if gemeente.code in result:
            raise ValueError(f"gemeente {gemeente.code} appears twice")
        result[gemeente.code] = gemeente
    return result
