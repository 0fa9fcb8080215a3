"""The tafel's planning: known cases and properties."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from jbplein_contracts.werkdagen import AMSTERDAM, NATIONAAL, termijn
from jbplein_tafel.planning import (
    Melding,
    Regels,
    Sessie,
    kan_erbij,
    laatste_kans_nadert,
    moment,
    plan,
    sessiedagen,
    volgorde_op_sessie,
)

REGELS = Regels(sluiting=time(9, 0))


def sessies(vanaf: date, dagen: int, capaciteit: int) -> list[Sessie]:
    return [
        Sessie(uuid4(), d, moment(d, time(10)), moment(d, time(12)), capaciteit)
        for d in sessiedagen(vanaf, dagen, NATIONAAL, range(5))
    ]


def melding(ontvangen: datetime, spoed: bool = False, **kw: object) -> Melding:
    return Melding(uuid4(), ontvangen, termijn(ontvangen, 2), spoed, **kw)  # type: ignore[arg-type]


FRIDAY_3PM = datetime(2026, 11, 20, 15, 0, tzinfo=AMSTERDAM)


def datum(planning_sessies: list[Sessie], sessie_id: UUID | None) -> date | None:
    return next((s.datum for s in planning_sessies if s.id == sessie_id), None)


def test_a_melding_arriving_friday_afternoon_is_planned_on_monday() -> None:
    week = sessies(date(2026, 11, 20), 5, 10)
    m = melding(FRIDAY_3PM)
    result = plan(week, [m], FRIDAY_3PM, REGELS)
    assert datum(week, result.plaatsen[m.id].sessie_id) == date(2026, 11, 23)
    assert not result.plaatsen[m.id].in_gevaar
    assert m.uiterlijk == date(2026, 11, 24)


def test_the_agenda_closes_at_nine_but_spoed_may_join_until_the_session_begins() -> None:
    monday = sessies(date(2026, 11, 23), 3, 10)
    at_930 = datetime(2026, 11, 23, 9, 30, tzinfo=AMSTERDAM)
    regular, urgent = melding(at_930), melding(at_930, spoed=True)
    result = plan(monday, [regular, urgent], at_930, REGELS)
    assert datum(monday, result.plaatsen[regular.id].sessie_id) == date(2026, 11, 24)
    assert datum(monday, result.plaatsen[urgent.id].sessie_id) == date(2026, 11, 23)
    at_1001 = at_930.replace(hour=10, minute=1)
    late_urgent = melding(at_1001, spoed=True)
    result = plan(monday, [late_urgent], at_1001, REGELS)
    assert datum(monday, result.plaatsen[late_urgent.id].sessie_id) == date(2026, 11, 24)


def test_spoed_first_then_deadline_then_arrival_when_capacity_is_short() -> None:
    week = sessies(date(2026, 11, 23), 5, 1)
    sunday = datetime(2026, 11, 22, 12, tzinfo=AMSTERDAM)
    early = melding(sunday - timedelta(days=3))  # deadline Tuesday... earlier than the others
    regular = melding(sunday)
    urgent = melding(sunday + timedelta(hours=1), spoed=True)
    result = plan(week, [regular, early, urgent], sunday + timedelta(hours=2), REGELS)
    order = [datum(week, result.plaatsen[m.id].sessie_id) for m in (urgent, early, regular)]
    assert order == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]


def test_an_over_full_week_marks_the_excess_in_gevaar_never_silently_late() -> None:
    week = sessies(date(2026, 11, 23), 5, 2)
    arrivals = [melding(FRIDAY_3PM + timedelta(minutes=i)) for i in range(7)]
    result = plan(week, arrivals, FRIDAY_3PM + timedelta(hours=1), REGELS)
    days = [datum(week, result.plaatsen[m.id].sessie_id) for m in arrivals]
    assert days == [date(2026, 11, 23)] * 2 + [date(2026, 11, 24)] * 2 + [
        date(2026, 11, 25)
    ] * 2 + [date(2026, 11, 26)]
    assert [result.plaatsen[m.id].in_gevaar for m in arrivals] == [False] * 4 + [True] * 3


def test_no_session_with_room_means_unplanned_and_in_gevaar() -> None:
    one = sessies(date(2026, 11, 23), 1, 1)
    a, b = melding(FRIDAY_3PM), melding(FRIDAY_3PM + timedelta(minutes=1))
    result = plan(one, [a, b], FRIDAY_3PM, REGELS)
    assert result.plaatsen[b.id].sessie_id is None and result.plaatsen[b.id].in_gevaar


def test_a_closed_agenda_keeps_its_meldingen_and_a_cancelled_session_releases_them() -> None:
    week = sessies(date(2026, 11, 23), 5, 2)
    monday = week[0]
    on_monday = [melding(FRIDAY_3PM + timedelta(minutes=i), sessie_id=monday.id) for i in range(2)]
    urgent = melding(datetime(2026, 11, 23, 9, 15, tzinfo=AMSTERDAM), spoed=True)
    nine_thirty = datetime(2026, 11, 23, 9, 30, tzinfo=AMSTERDAM)
    result = plan(week, [*on_monday, urgent], nine_thirty, REGELS)
    assert {result.plaatsen[m.id].sessie_id for m in on_monday} == {monday.id}, "agenda stays"
    assert result.plaatsen[urgent.id].sessie_id == week[1].id, "Monday is full"
    cancelled = [
        Sessie(s.id, s.datum, s.begin, s.einde, s.capaciteit, s.id == monday.id) for s in week
    ]
    result = plan(cancelled, [*on_monday, urgent], nine_thirty, REGELS)
    assert [datum(week, result.plaatsen[m.id].sessie_id) for m in (urgent, *on_monday)] == [
        date(2026, 11, 24),
        date(2026, 11, 24),
        date(2026, 11, 25),
    ]


def test_a_session_that_ended_without_a_besluit_moves_its_meldingen_on() -> None:
    week = sessies(date(2026, 11, 23), 5, 5)
    m = melding(FRIDAY_3PM, sessie_id=week[0].id)
    after = datetime(2026, 11, 23, 12, 30, tzinfo=AMSTERDAM)
    result = plan(week, [m], after, REGELS)
    assert result.plaatsen[m.id].sessie_id == week[1].id


def test_a_deferred_melding_goes_to_a_later_session() -> None:
    week = sessies(date(2026, 11, 23), 5, 5)
    m = melding(FRIDAY_3PM, sessie_id=week[0].id, niet_voor=week[0].einde)
    during = datetime(2026, 11, 23, 11, 0, tzinfo=AMSTERDAM)
    result = plan(week, [m], during, REGELS)
    assert result.plaatsen[m.id].sessie_id == week[1].id


def test_sessions_are_on_configured_werkdagen_only() -> None:
    days = sessiedagen(date(2026, 12, 21), 8, NATIONAAL, (0, 2, 3, 4))
    assert date(2026, 12, 22) not in days, "Tuesday has no session in this configuration"
    assert date(2026, 12, 25) not in days and date(2026, 12, 26) not in days, "Kerst"
    assert days[0] == date(2026, 12, 21)


def test_last_chance_is_today_or_the_next_werkdag() -> None:
    week = sessies(date(2026, 11, 23), 5, 1)
    assert laatste_kans_nadert(date(2026, 11, 24), week, date(2026, 11, 23), NATIONAAL)
    assert not laatste_kans_nadert(date(2026, 11, 26), week, date(2026, 11, 23), NATIONAAL)
    assert laatste_kans_nadert(date(2026, 11, 20), week, date(2026, 11, 23), NATIONAAL), "none left"


def test_order_at_the_table() -> None:
    a = melding(FRIDAY_3PM)
    b = melding(FRIDAY_3PM - timedelta(days=2))
    c = melding(FRIDAY_3PM, spoed=True)
    assert volgorde_op_sessie([a, b, c]) == [c, b, a]


def test_kan_erbij_refuses_a_started_or_cancelled_session() -> None:
    s = sessies(date(2026, 11, 23), 1, 5)[0]
    m = melding(FRIDAY_3PM, spoed=True)
    assert kan_erbij(s, m, s.begin - timedelta(minutes=1), REGELS)
    assert not kan_erbij(s, m, s.begin, REGELS)


# --- properties ---------------------------------------------------------------------------

START = datetime(2026, 11, 16, 0, 0, tzinfo=AMSTERDAM)


@st.composite
def situaties(draw: st.DrawFn) -> tuple[list[Sessie], list[Melding], datetime]:
    capaciteit = draw(st.integers(1, 4))
    week = sessies(date(2026, 11, 16), draw(st.integers(1, 10)), capaciteit)
    week = [
        Sessie(s.id, s.datum, s.begin, s.einde, s.capaciteit, draw(st.booleans()) and i % 3 == 1)
        for i, s in enumerate(week)
    ]
    nu = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 5)))
    meldingen = []
    for _ in range(draw(st.integers(0, 25))):
        ontvangen = START - timedelta(minutes=draw(st.integers(0, 60 * 24 * 3)))
        ontvangen = min(ontvangen + timedelta(minutes=draw(st.integers(0, 60 * 24 * 5))), nu)
        sessie = draw(st.sampled_from([None, *week]))
        meldingen.append(
            Melding(
                uuid4(),
                ontvangen,
                termijn(ontvangen, 2),
                draw(st.booleans()),
                sessie.id if sessie else None,
            )
        )
    return week, meldingen, nu


@settings(max_examples=300, deadline=None)
@given(situaties())
def test_properties_of_every_plan(situatie: tuple[list[Sessie], list[Melding], datetime]) -> None:
    week, meldingen, nu = situatie
    result = plan(week, meldingen, nu, REGELS)
    per_id = {s.id: s for s in week}
    assert set(result.plaatsen) == {m.id for m in meldingen}, "every melding has a place"
    movable = []
    for m in meldingen:
        place = result.plaatsen[m.id]
        huidig = per_id.get(m.sessie_id) if m.sessie_id else None
        stays = (
            huidig is not None
            and not huidig.geannuleerd
            and huidig.sluiting(REGELS) <= nu < huidig.einde
        )
        if stays:
            assert place.sessie_id == m.sessie_id, "a closed agenda keeps its meldingen"
            continue
        movable.append(m)
        if place.sessie_id is not None:
            gekozen = per_id[place.sessie_id]
            assert kan_erbij(gekozen, m, nu, REGELS)
            assert place.in_gevaar == (gekozen.datum > m.uiterlijk)
        # Never past the deadline (or nowhere) while an earlier session it may join has room.
        if place.in_gevaar:
            for s in week:
                if s.datum <= m.uiterlijk and kan_erbij(s, m, nu, REGELS):
                    assert len(result.op(s.id)) >= s.capaciteit, "an earlier session had room"
    # The planner never fills a session over its capacity. (A closed agenda keeps what it has,
    # even when its capacity was lowered afterwards.)
    moved_to = {result.plaatsen[m.id].sessie_id for m in movable}
    for sessie in week:
        if sessie.id in moved_to:
            assert len(result.op(sessie.id)) <= sessie.capaciteit, "never over capacity"
    # Priority: no movable melding is planned strictly earlier than one that goes before it.
    for a in movable:
        for b in movable:
            pa, pb = result.plaatsen[a.id].sessie_id, result.plaatsen[b.id].sessie_id
            if a.volgorde() < b.volgorde() and (a.spoed or not b.spoed) and pb is not None:
                assert pa is not None, "a melding that goes first is not left without a session"
                assert per_id[pa].begin <= per_id[pb].begin or not kan_erbij(
                    per_id[pb], a, nu, REGELS
                )


@settings(max_examples=100, deadline=None)
@given(situaties(), st.randoms())
def test_replanning_is_deterministic(
    situatie: tuple[list[Sessie], list[Melding], datetime], rnd: random.Random
) -> None:
    week, meldingen, nu = situatie
    shuffled_w, shuffled_m = week[:], meldingen[:]
    rnd.shuffle(shuffled_w)
    rnd.shuffle(shuffled_m)
    assert (
        plan(week, meldingen, nu, REGELS).plaatsen
        == plan(shuffled_w, shuffled_m, nu, REGELS).plaatsen
    )
