"""Working days (werkdagen) and deadlines (termijnen), counted the same way by every service.

The rules are those of DOMAIN.md:

* A werkdag is Monday-Friday that is not a holiday of the plein's calendar. The default calendar
  is the Dutch national one as the ``holidays`` package gives it; a deployment may add closed
  days (``gesloten``) or open days the package calls holidays (``open``).
* "Within N werkdagen after moment t": day 1 is the first werkdag *after* the calendar day of t
  in Europe/Amsterdam (also when t itself is a weekend day or a holiday); the deadline is the end
  of day N.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# A deadline further away than this is a bug in the caller, not a plan: stop instead of looping.
_MAX_WERKDAGEN = 400


@dataclass(frozen=True)
class Kalender:
    """The plein's working-day calendar.

    ``gesloten``: extra closed days (e.g. between Christmas and New Year).
    ``open``: days that are working days although the national calendar has a holiday.
    """

    gesloten: frozenset[date] = field(default_factory=frozenset)
    open: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _feestdagen(self) -> holidays.HolidayBase:
        # Years are filled in lazily by the package when a date is looked up.
        return holidays.country_holidays("NL", language="nl")

    def is_werkdag(self, dag: date) -> bool:
        if dag in self.open:
            return True
        if dag in self.gesloten or dag.weekday() >= 5:
            return False
        return dag not in self._feestdagen

    def feestdag(self, dag: date) -> str | None:
        """The name of the holiday or closed day on ``dag``, if any (for screens)."""
        if dag in self.open:
            return None
        if dag in self.gesloten:
            return "gesloten"
        naam = self._feestdagen.get(dag)
        return str(naam) if naam is not None else None

    def werkdagen_na(self, dag: date) -> Iterator[date]:
        """The werkdagen strictly after ``dag``, in order."""
        volgende = dag
        while True:
            volgende += timedelta(days=1)
            if self.is_werkdag(volgende):
                yield volgende

    def werkdagen_vanaf(self, dag: date) -> Iterator[date]:
        """The werkdagen from ``dag`` on (``dag`` itself included when it is one)."""
        if self.is_werkdag(dag):
            yield dag
        yield from self.werkdagen_na(dag)

    def aantal_werkdagen(self, van: date, tot_en_met: date) -> int:
        """How many werkdagen lie after ``van`` up to and including ``tot_en_met``."""
        if tot_en_met <= van:
            return 0
        return sum(
            1 for i in range(1, (tot_en_met - van).days + 1) if self.is_werkdag(van + timedelta(i))
        )


NATIONAAL = Kalender()


def kalender(gesloten: Iterable[date] = (), open: Iterable[date] = ()) -> Kalender:
    """A calendar with a deployment's own closed and open days."""
    return Kalender(gesloten=frozenset(gesloten), open=frozenset(open))


def lokale_dag(moment: datetime) -> date:
    """The calendar day of ``moment`` in Europe/Amsterdam. A naive datetime is refused."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("a naive datetime has no place in time; give a timezone-aware datetime")
    return moment.astimezone(AMSTERDAM).date()


def termijn(vanaf: datetime, werkdagen: int, kalender: Kalender = NATIONAAL) -> date:
    """The last day of a period of ``werkdagen`` working days after the moment ``vanaf``.

    Day 1 is the first werkdag after the calendar day of ``vanaf`` (Europe/Amsterdam); the result
    is day N: the step must be done by the end of that day.
    """
    if isinstance(werkdagen, bool) or not isinstance(werkdagen, int):
        raise TypeError("werkdagen must be an int")
    if not 1 <= werkdagen <= _MAX_WERKDAGEN:
        raise ValueError(f"werkdagen must be between 1 and {_MAX_WERKDAGEN}, not {werkdagen}")
    dagen = kalender.werkdagen_na(lokale_dag(vanaf))
    for _ in range(werkdagen - 1):
        next(dagen)
    return next(dagen)


def na_maanden(vanaf: datetime, maanden: int) -> date:
    """The calendar day ``maanden`` months after the day of ``vanaf`` (Europe/Amsterdam); a day
    the target month lacks becomes its last day (31 August + 3 months = 30 November).

    For the drang periods of seed 003 (evaluation at 3 months, at most 6 months), which are
    counted in calendar months, not werkdagen: the period ends at the end of this day.
    """
    if isinstance(maanden, bool) or not isinstance(maanden, int):
        raise TypeError("maanden must be an int")
    if not 1 <= maanden <= 120:
        raise ValueError(f"maanden must be between 1 and 120, not {maanden}")
    dag = lokale_dag(vanaf)
    index = dag.month - 1 + maanden
    jaar, maand = dag.year + index // 12, index % 12 + 1
    return date(jaar, maand, min(dag.day, calendar.monthrange(jaar, maand)[1]))


def einde_van_dag(dag: date) -> datetime:
    """The moment a day ends in Europe/Amsterdam (midnight at the start of the next day)."""
    return datetime.combine(dag + timedelta(days=1), time(0), tzinfo=AMSTERDAM)


def termijn_einde(vanaf: datetime, werkdagen: int, kalender: Kalender = NATIONAAL) -> datetime:
    """The moment the deadline of :func:`termijn` passes: the end of its last day."""
    return einde_van_dag(termijn(vanaf, werkdagen, kalender))
