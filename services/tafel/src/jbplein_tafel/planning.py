"""Planning a melding onto a tafel session: pure domain code, no I/O."""

from __future__ import annotations

from datetime import date, datetime, time

from jbplein_contracts.werkdagen import AMSTERDAM, Kalender


def eerste_sessiedag(nu: datetime, kalender: Kalender, sluiting: time) -> date:
    """The first day whose session a melding arriving at ``nu`` can still be put on: today when
    it is a werkdag and the agenda has not closed yet, otherwise the next werkdag."""
    lokaal = nu.astimezone(AMSTERDAM)
    vandaag = lokaal.date()
    if kalender.is_werkdag(vandaag) and lokaal.time() < sluiting:
        return vandaag
    return next(kalender.werkdagen_na(vandaag))


def sessie_moment(dag: date, tijd: time) -> datetime:
    return datetime.combine(dag, tijd, tzinfo=AMSTERDAM)
