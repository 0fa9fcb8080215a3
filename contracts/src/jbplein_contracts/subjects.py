"""The one registry of NATS subjects and JetStream streams.

No subject string is written anywhere outside this package: services, tests and tools ask this
module. Subjects carry the municipality (CBS code) as their last token so that a partner can be
allowed exactly its own slice; internal and partner events are separate trees:

* ``jbplein.intern.<domein>.<gebeurtenis>.v<N>.<gemeente>``: between the plein's own services;
* ``jbplein.partner.<domein>.<gebeurtenis>.v<N>.<gemeente>``: minimised events for the partners
  of a municipality;
* ``jbplein.partner.aan.<organisatie>.<domein>.<gebeurtenis>.v<N>.<gemeente>``: minimised
  events addressed to one organisation (the melder, the Raad); a partner's NATS user is allowed
  its own ``jbplein.partner.aan.<organisatie>.>`` and never another's;
* ``jbplein.timer.gepland.<dienst>.<sleutel>``: deadline timers (JetStream scheduled messages)
  that fire onto ``jbplein.timer.verlopen.<dienst>.<soort>``;
* ``jbplein.dlq.<consumer>``: messages a consumer gave up on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "jbplein"

_GEMEENTE = re.compile(r"^\d{4}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


def _token(waarde: str, wat: str) -> str:
    if not _TOKEN.match(waarde):
        raise ValueError(f"{wat} {waarde!r} is not a valid subject token ([A-Za-z0-9_-], 1-120)")
    return waarde


AAN = "aan"
_ORGANISATIE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _organisatie(code: str) -> str:
    if not _ORGANISATIE.match(code):
        raise ValueError(f"organisatie {code!r} is not an organisation code")
    return code


def gemeente_token(gemeente: str) -> str:
    """A municipality's CBS code as a subject token (four digits)."""
    if not _GEMEENTE.match(gemeente):
        raise ValueError(f"gemeente {gemeente!r} is not a four-digit CBS code")
    return gemeente


class Boom(StrEnum):
    """The subject trees."""

    INTERN = "intern"
    PARTNER = "partner"


@dataclass(frozen=True)
class Stream:
    """A JetStream stream: its name and the subjects it captures."""

    name: str
    subjects: tuple[str, ...]
    description: str
    allow_msg_schedules: bool = False


STREAM_INTERN = Stream(
    "JBPLEIN_INTERN",
    (f"{PREFIX}.{Boom.INTERN}.>",),
    "Events between the plein's own services. No personal data.",
)
STREAM_PARTNER = Stream(
    "JBPLEIN_PARTNER",
    (f"{PREFIX}.{Boom.PARTNER}.>",),
    "Minimised events for partner organisations, per municipality.",
)
STREAM_TIMER = Stream(
    "JBPLEIN_TIMER",
    (f"{PREFIX}.timer.>",),
    "Deadline timers: scheduled messages and the messages they fire.",
    allow_msg_schedules=True,
)
STREAM_DLQ = Stream(
    "JBPLEIN_DLQ",
    (f"{PREFIX}.dlq.>",),
    "Dead letters: messages a consumer could not process after its bounded redeliveries.",
)

STREAMS: tuple[Stream, ...] = (STREAM_INTERN, STREAM_PARTNER, STREAM_TIMER, STREAM_DLQ)


@dataclass(frozen=True)
class Kanaal:
    """One kind of event on one tree: the subjects it is published on, one per municipality."""

    boom: Boom
    domein: str
    gebeurtenis: str
    versie: int = 1
    geadresseerd: bool = False
    """Addressed to one organisation (partner tree only): its code is part of the subject."""

    def __post_init__(self) -> None:
        _token(self.domein, "domein")
        _token(self.gebeurtenis, "gebeurtenis")
        if self.geadresseerd and self.boom is not Boom.PARTNER:
            raise ValueError("only partner events are addressed to an organisation")

    @property
    def basis(self) -> str:
        """The subject up to the municipality (for an addressed channel: with ``{organisatie}``
        where the organisation's code goes)."""
        aan = f"{AAN}.{{organisatie}}." if self.geadresseerd else ""
        return f"{PREFIX}.{self.boom}.{aan}{self.domein}.{self.gebeurtenis}.v{self.versie}"

    def subject(self, gemeente: str, aan: str | None = None) -> str:
        """The subject for one municipality (and, for an addressed channel, one organisation)."""
        if self.geadresseerd != (aan is not None):
            raise ValueError("give the organisation exactly when the channel is addressed")
        basis = self.basis.replace("{organisatie}", _organisatie(aan)) if aan else self.basis
        return f"{basis}.{gemeente_token(gemeente)}"

    @property
    def alle_gemeenten(self) -> str:
        """A filter that matches this event for every municipality (and organisation)."""
        return f"{self.basis.replace('{organisatie}', '*')}.*"

    @property
    def stream(self) -> Stream:
        return STREAM_INTERN if self.boom is Boom.INTERN else STREAM_PARTNER

    @property
    def type(self) -> str:
        """The CloudEvents ``type`` of events on this channel (reverse-domain notation).
        An addressed channel has no organisation in its type."""
        boom = "" if self.boom is Boom.INTERN else f"{self.boom}."
        return f"nl.jbplein.{boom}{self.domein}.{self.gebeurtenis}.v{self.versie}"


# Internal channels.
MELDING_ONTVANGEN = Kanaal(Boom.INTERN, "melding", "ontvangen")
MELDING_GEAGENDEERD = Kanaal(Boom.INTERN, "melding", "geagendeerd")
BESLUIT_GENOMEN = Kanaal(Boom.INTERN, "besluit", "genomen")
REGISSEUR_TOEGEWEZEN = Kanaal(Boom.INTERN, "regisseur", "toegewezen")
REGISSEUR_WACHTLIJST = Kanaal(Boom.INTERN, "regisseur", "wachtlijst")
CONTACT_GEREGISTREERD = Kanaal(Boom.INTERN, "contact", "geregistreerd")
RAADSONDERZOEK_GEVRAAGD = Kanaal(Boom.INTERN, "raadsonderzoek", "gevraagd")
RAADSONDERZOEK_GESTART = Kanaal(Boom.INTERN, "raadsonderzoek", "gestart")
TERMIJN_OVERSCHREDEN = Kanaal(Boom.INTERN, "termijn", "overschreden")
DRANG_EVALUATIE_NODIG = Kanaal(Boom.INTERN, "drang", "evaluatie_nodig")
ZAAK_AFGESLOTEN = Kanaal(Boom.INTERN, "zaak", "afgesloten")
BRIEF_GEREED = Kanaal(Boom.INTERN, "brief", "gereed")

LEVERING_MISLUKT = Kanaal(Boom.INTERN, "levering", "mislukt")

# Partner channels: only minimised events are ever published here.
PARTNER_BESLUIT_GENOMEN = Kanaal(Boom.PARTNER, "besluit", "genomen")
PARTNER_MELDING_BESLOTEN = Kanaal(Boom.PARTNER, "melding", "besloten", geadresseerd=True)
PARTNER_RAADSONDERZOEK_GEVRAAGD = Kanaal(
    Boom.PARTNER, "raadsonderzoek", "gevraagd", geadresseerd=True
)

KANALEN: tuple[Kanaal, ...] = (
    MELDING_ONTVANGEN,
    MELDING_GEAGENDEERD,
    BESLUIT_GENOMEN,
    REGISSEUR_TOEGEWEZEN,
    REGISSEUR_WACHTLIJST,
    CONTACT_GEREGISTREERD,
    RAADSONDERZOEK_GEVRAAGD,
    RAADSONDERZOEK_GESTART,
    TERMIJN_OVERSCHREDEN,
    DRANG_EVALUATIE_NODIG,
    ZAAK_AFGESLOTEN,
    BRIEF_GEREED,
    LEVERING_MISLUKT,
    PARTNER_BESLUIT_GENOMEN,
    PARTNER_MELDING_BESLOTEN,
    PARTNER_RAADSONDERZOEK_GEVRAAGD,
)


def partner_filter(gemeente: str | None = None) -> str:
    """What a partner subscribes to: every partner event, or the events for all partners of
    one municipality."""
    if gemeente is None:
        return f"{PREFIX}.{Boom.PARTNER}.>"
    return f"{PREFIX}.{Boom.PARTNER}.*.*.*.{gemeente_token(gemeente)}"


def partner_filter_aan(organisatie: str) -> str:
    """The events addressed to one organisation (every municipality)."""
    return f"{PREFIX}.{Boom.PARTNER}.{AAN}.{_organisatie(organisatie)}.>"


# Deadline timers.
def timer_gepland(dienst: str, sleutel: str) -> str:
    """The subject that holds one scheduled timer; publishing to it again replaces the timer."""
    return f"{PREFIX}.timer.gepland.{_token(dienst, 'dienst')}.{_token(sleutel, 'sleutel')}"


def timer_verlopen(dienst: str, soort: str) -> str:
    """The subject a service's timers of one kind fire onto."""
    return f"{PREFIX}.timer.verlopen.{_token(dienst, 'dienst')}.{_token(soort, 'soort')}"


def timer_verlopen_filter(dienst: str) -> str:
    """Every timer of a service when it fires."""
    return f"{PREFIX}.timer.verlopen.{_token(dienst, 'dienst')}.>"


# Dead letters.
def dlq(consumer: str) -> str:
    """Where a consumer's dead letters go."""
    return f"{PREFIX}.dlq.{_token(consumer, 'consumer')}"


def dlq_filter() -> str:
    return f"{PREFIX}.dlq.>"


def stream_voor(subject: str) -> Stream:
    """The stream that captures ``subject``."""
    for stream in STREAMS:
        for pattern in stream.subjects:
            if subject.startswith(pattern.removesuffix(">")):
                return stream
    raise ValueError(f"no stream captures {subject!r}")
