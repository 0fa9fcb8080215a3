"""Working days and deadlines, by the counting rules of DOMAIN.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jbplein_contracts.werkdagen import (
    AMSTERDAM,
    NATIONAAL,
    einde_van_dag,
    kalender,
    lokale_dag,
    na_maanden,
    termijn,
    termijn_einde,
)


def ams(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("vanaf", "werkdagen", "uiterlijk", "waarom"),
    [
        (
            ams(2026, 11, 20, 15),
            2,
            date(2026, 11, 24),
            "Friday 15:00: Monday is day 1, Tuesday day 2",
        ),
        (ams(2026, 11, 21, 10), 2, date(2026, 11, 24), "Saturday counts like Friday"),
        (ams(2026, 11, 22, 23, 59), 2, date(2026, 11, 24), "Sunday late: still Tuesday"),
        (ams(2026, 11, 23, 8), 2, date(2026, 11, 25), "Monday 08:00: by Wednesday"),
        (ams(2026, 11, 19, 11), 5, date(2026, 11, 26), "besluit Thursday, 5 days: next Thursday"),
        (ams(2026, 4, 24, 14), 2, date(2026, 4, 29), "Koningsdag (Mon 27 April) is skipped"),
        (ams(2025, 4, 25, 14), 2, date(2025, 4, 29), "Koningsdag 2025 fell on a Saturday"),
        (ams(2026, 5, 13, 9), 2, date(2026, 5, 18), "Hemelvaart (Thu 14 May) is skipped"),
        (ams(2026, 5, 22, 16), 2, date(2026, 5, 27), "Tweede Pinksterdag (Mon 25 May)"),
        (ams(2026, 4, 2, 10), 2, date(2026, 4, 8), "Goede Vrijdag and Tweede Paasdag"),
        (ams(2026, 12, 24, 10), 2, date(2026, 12, 29), "Kerst on Friday and Saturday"),
        (ams(2026, 12, 30, 10), 2, date(2027, 1, 4), "Nieuwjaarsdag (Fri 1 January 2027)"),
        (ams(2026, 12, 28, 11), 5, date(2027, 1, 5), "five days across the turn of the year"),
        (ams(2025, 5, 2, 10), 2, date(2025, 5, 7), "Bevrijdingsdag 2025 (lustrum year) is skipped"),
    ],
)
def test_termijn_by_known_dates(
    vanaf: datetime, werkdagen: int, uiterlijk: date, waarom: str
) -> None:
    assert termijn(vanaf, werkdagen) == uiterlijk, waarom


def test_the_day_of_the_moment_is_taken_in_amsterdam_not_utc() -> None:
    # Thursday 23:30 UTC is Friday 00:30 in Amsterdam: day 1 is Monday, not Friday.
    assert termijn(datetime(2026, 11, 19, 23, 30, tzinfo=UTC), 2) == date(2026, 11, 24)
    # Friday 22:30 UTC is still Friday 23:30 in Amsterdam (winter time).
    assert termijn(datetime(2026, 11, 20, 22, 30, tzinfo=UTC), 2) == date(2026, 11, 24)
    # Summer time: 21:59 UTC on Friday 3 July is 23:59 on Friday in Amsterdam.
    assert lokale_dag(datetime(2026, 7, 3, 21, 59, tzinfo=UTC)) == date(2026, 7, 3)
    assert lokale_dag(datetime(2026, 7, 3, 22, 1, tzinfo=UTC)) == date(2026, 7, 4)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        termijn(datetime(2026, 11, 20, 15, 0), 2)


@pytest.mark.parametrize("werkdagen", [0, -1, 401])
def test_a_period_out_of_range_is_refused(werkdagen: int) -> None:
    with pytest.raises(ValueError, match="werkdagen"):
        termijn(ams(2026, 11, 20), werkdagen)


def test_a_bool_is_not_a_number_of_days() -> None:
    with pytest.raises(TypeError):
        termijn(ams(2026, 11, 20), True)


def test_configured_closed_days_are_skipped() -> None:
    kerstsluiting = kalender(gesloten=[date(2026, 12, d) for d in (28, 29, 30, 31)])
    assert termijn(ams(2026, 12, 24), 2, kerstsluiting) == date(2027, 1, 5)
    assert not kerstsluiting.is_werkdag(date(2026, 12, 29))
    assert kerstsluiting.feestdag(date(2026, 12, 29)) == "gesloten"


def test_configured_open_days_count_although_the_national_calendar_has_a_holiday() -> None:
    open_op_tweede_paasdag = kalender(open=[date(2026, 4, 6)])
    assert termijn(ams(2026, 4, 2), 2, open_op_tweede_paasdag) == date(2026, 4, 7)
    assert NATIONAAL.feestdag(date(2026, 4, 27)) == "Koningsdag"


def test_the_deadline_passes_at_the_end_of_its_last_day_in_amsterdam() -> None:
    einde = termijn_einde(ams(2026, 11, 20, 15), 2)
    assert einde == datetime(2026, 11, 25, 0, 0, tzinfo=AMSTERDAM)
    assert einde.utcoffset() == timedelta(hours=1)
    # Across the switch to summer time the day still ends at local midnight.
    assert einde_van_dag(date(2026, 3, 28)).astimezone(UTC) == datetime(
        2026, 3, 28, 23, 0, tzinfo=UTC
    )
    assert einde_van_dag(date(2026, 3, 29)).astimezone(UTC) == datetime(
        2026, 3, 29, 22, 0, tzinfo=UTC
    )


# --- properties ---------------------------------------------------------------------------

momenten = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(AMSTERDAM)
)
perioden = st.integers(min_value=1, max_value=30)
gesloten_dagen = st.sets(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 3, 1)), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(momenten, perioden)
def test_the_deadline_is_a_werkdag_exactly_n_werkdagen_after_the_day(
    vanaf: datetime, n: int
) -> None:
    uiterlijk = termijn(vanaf, n)
    dag = lokale_dag(vanaf)
    assert NATIONAAL.is_werkdag(uiterlijk)
    assert uiterlijk > dag
    assert NATIONAAL.aantal_werkdagen(dag, uiterlijk) == n


@settings(max_examples=200, deadline=None)
@given(momenten, perioden)
def test_one_more_day_is_one_werkdag_later(vanaf: datetime, n: int) -> None:
    korter, langer = termijn(vanaf, n), termijn(vanaf, n + 1)
    assert langer > korter
    assert NATIONAAL.aantal_werkdagen(korter, langer) == 1


@settings(max_examples=200, deadline=None)
@given(momenten, perioden, st.times())
def test_the_time_of_day_does_not_matter(vanaf: datetime, n: int, tijd: time) -> None:
    zelfde_dag = datetime.combine(vanaf.date(), tijd, tzinfo=AMSTERDAM)
    assert termijn(zelfde_dag, n) == termijn(vanaf, n)


@settings(max_examples=200, deadline=None)
@given(momenten, perioden)
def test_a_day_off_counts_like_the_werkdag_before_it(vanaf: datetime, n: int) -> None:
    dag = lokale_dag(vanaf)
    assume(not NATIONAAL.is_werkdag(dag))  # only days off say something here
    vorige = dag - timedelta(days=1)
    while not NATIONAAL.is_werkdag(vorige):
        vorige -= timedelta(days=1)
    assert termijn(vanaf, n) == termijn(datetime.combine(vorige, time(12), tzinfo=AMSTERDAM), n)


@settings(max_examples=200, deadline=None)
@given(momenten, perioden, gesloten_dagen)
def test_closing_days_never_brings_a_deadline_forward(
    vanaf: datetime, n: int, dicht: set[date]
) -> None:
    eigen = kalender(gesloten=dicht)
    uiterlijk = termijn(vanaf, n, eigen)
    assert uiterlijk >= termijn(vanaf, n)
    assert uiterlijk not in dicht
    assert eigen.is_werkdag(uiterlijk)


# --- drang periods in calendar months ----------------------------------------------------


@pytest.mark.parametrize(
    ("vanaf", "maanden", "dag", "waarom"),
    [
        (ams(2026, 11, 19, 11), 3, date(2027, 2, 19), "across the turn of the year"),
        (ams(2026, 8, 31, 10), 3, date(2026, 11, 30), "November has no 31st"),
        (ams(2026, 11, 30, 10), 3, date(2027, 2, 28), "February 2027 has 28 days"),
        (ams(2027, 11, 30, 10), 3, date(2028, 2, 29), "a leap year"),
        (ams(2026, 5, 14, 10), 6, date(2026, 11, 14), "six months; a holiday start is fine"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), 3, date(2026, 10, 1), "the day in Amsterdam"),
    ],
)
def test_na_maanden_by_known_dates(vanaf: datetime, maanden: int, dag: date, waarom: str) -> None:
    assert na_maanden(vanaf, maanden) == dag, waarom


def test_na_maanden_refuses_naive_datetimes_and_odd_periods() -> None:
    with pytest.raises(ValueError):
        na_maanden(datetime(2026, 1, 1, 12), 3)
    with pytest.raises(ValueError):
        na_maanden(ams(2026, 1, 1), 0)
    with pytest.raises(TypeError):
        na_maanden(ams(2026, 1, 1), True)


@settings(max_examples=300, deadline=None)
@given(momenten, st.integers(min_value=1, max_value=24))
def test_na_maanden_lands_in_the_right_month_never_past_its_day(vanaf: datetime, n: int) -> None:
    dag = lokale_dag(vanaf)
    uitkomst = na_maanden(vanaf, n)
    assert (uitkomst.year - dag.year) * 12 + uitkomst.month - dag.month == n
    assert uitkomst.day <= dag.day
    assert uitkomst.day == dag.day or (uitkomst + timedelta(days=1)).month != uitkomst.month
    assert na_maanden(vanaf, 3) < na_maanden(vanaf, 6)
