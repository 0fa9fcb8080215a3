"""The CloudEvents 1.0 envelope, following the NL GOV profile for CloudEvents.

* ``id``: a UUID, unique per event; it is also the ``Nats-Msg-Id`` the event is published with,
  so the server de-duplicates a retried publish and consumers de-duplicate by it.
* ``source``: a URN naming the system that produced the event (``urn:nld:jbplein:<dienst>``).
* ``type``: reverse-domain notation with exactly one version, e.g.
  ``nl.jbplein.melding.ontvangen.v1``.
* ``subject``: a pseudonymous reference (a UUID); never personal data.
* ``dataref``: where the details are kept behind an authorised, audited API.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Generic, Literal, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from .subjects import Kanaal

SPECVERSION: Literal["1.0"] = "1.0"
CONTENT_TYPE = "application/cloudevents+json"

_TYPE = re.compile(r"^nl\.jbplein(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")


class Bron(StrEnum):
    """The systems that produce events (CloudEvents ``source``)."""

    INTAKE = "urn:nld:jbplein:intake"
    TAFEL = "urn:nld:jbplein:tafel"
    TOEWIJZING = "urn:nld:jbplein:toewijzing"
    NOTIFICATIE = "urn:nld:jbplein:notificatie"


class Gegevens(BaseModel):
    """Base of every event's ``data``: strict, immutable, and always about one municipality."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gemeente: str = Field(pattern=r"^\d{4}$", description="CBS code of the municipality")


class GeadresseerdeGegevens(Gegevens):
    """Base of the ``data`` of an event addressed to one organisation (a partner)."""

    ontvanger: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
        description="Code of the organisation this event is for; part of its subject.",
    )


DataT = TypeVar("DataT", bound=Gegevens)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event (structured JSON mode)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    KANAAL: ClassVar[Kanaal]

    specversion: Literal["1.0"] = SPECVERSION
    id: UUID = Field(default_factory=uuid4)
    source: Bron
    type: str
    subject: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="Pseudonymous reference of the case (a UUID); never personal data.",
    )
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataref: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://[^\s?#]+$",
        description="URL of the details behind an authorised, audited API (no query string).",
    )
    data: DataT

    @field_validator("type")
    @classmethod
    def _type_in_omgekeerde_domeinnotatie(cls, waarde: str) -> str:
        if not _TYPE.match(waarde):
            raise ValueError("type must be reverse-domain notation ending in one version (.vN)")
        return waarde

    @classmethod
    def maak(
        cls,
        data: DataT,
        *,
        bron: Bron,
        tijd: datetime,
        onderwerp: UUID,
        dataref: str | None = None,
        id: UUID | None = None,
    ) -> Self:
        """A new event of this type."""
        return cls(
            id=id or uuid4(),
            source=bron,
            type=cls.KANAAL.type,
            subject=str(onderwerp),
            time=tijd,
            dataref=dataref,
            data=data,
        )

    def nats_subject(self) -> str:
        """The subject this event is published on."""
        if isinstance(self.data, GeadresseerdeGegevens):
            return self.KANAAL.subject(self.data.gemeente, self.data.ontvanger)
        return self.KANAAL.subject(self.data.gemeente)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
