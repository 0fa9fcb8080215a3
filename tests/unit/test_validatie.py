"""Intake's pure checks: the 11-proef on a BSN and the Dutch postcode (python-stdnum underneath)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from jbplein_intake.validatie import bsn_geldig, normaliseer_bsn, normaliseer_postcode


def _met_controlecijfer(eerste_acht: str) -> str | None:
    """The BSN that the 11-proef completes from eight digits, or None when no digit does."""
    som = sum(int(c) * w for c, w in zip(eerste_acht, range(9, 1, -1), strict=True))
    laatste = som % 11
    return None if laatste == 10 else eerste_acht + str(laatste)


geldige_bsns = (
    st.text(alphabet="0123456789", min_size=8, max_size=8)
    .map(_met_controlecijfer)
    .filter(lambda b: b is not None and b != "000000000")
    .map(str)
)


@pytest.mark.parametrize(
    ("bsn", "geldig"),
    [
        ("111222333", True),
        ("123456782", True),
        ("11222333", False),  # 011222333 fails the proef
        ("12345678", False),
        ("123456789", False),
        ("000000000", False),  # passes the sum, but is no number
        ("00000000", False),
        ("1234567", False),  # stdnum would zero-fill seven digits; the API takes 8 or 9
        ("1112223330", False),
        ("111.22.333", False),  # stdnum takes dots; the API does not
        ("111 222 333", False),
        ("111-222-333", False),
        ("", False),
        ("abcdefghi", False),
        ("١١١٢٢٢٣٣٣", False),  # Arabic-Indic digits: str.isdigit() said yes to these
        ("111222333\n", False),
    ],
)
def test_the_11_proef(bsn: str, geldig: bool) -> None:
    assert bsn_geldig(bsn) is geldig


def test_an_eight_digit_bsn_gets_a_leading_zero() -> None:
    acht = next(f"{n:08d}" for n in range(10_000_000, 99_999_999) if bsn_geldig(f"{n:08d}"))
    assert normaliseer_bsn(acht) == "0" + acht
    assert normaliseer_bsn("111222333") == "111222333"


@given(geldige_bsns)
def test_every_bsn_stdnum_accepts_is_accepted_and_kept(bsn: str) -> None:
    assert stdnum_bsn.is_valid(bsn)
    assert bsn_geldig(bsn)
    assert normaliseer_bsn(bsn) == bsn
    if bsn.startswith("0"):
        assert bsn_geldig(bsn[1:]), "the same BSN without its leading zero"
        assert normaliseer_bsn(bsn[1:]) == bsn


@given(geldige_bsns, st.integers(0, 8), st.integers(1, 9))
def test_one_digit_changed_fails_the_proef(bsn: str, plek: int, verschil: int) -> None:
    cijfer = (int(bsn[plek]) + verschil) % 10
    veranderd = bsn[:plek] + str(cijfer) + bsn[plek + 1 :]
    assert not bsn_geldig(veranderd)


@given(st.text(max_size=12))
def test_any_text_is_answered_without_raising(tekst: str) -> None:
    assert bsn_geldig(tekst) is (
        len(tekst) in (8, 9)
        and all(c in "0123456789" for c in tekst)
        and stdnum_bsn.is_valid(tekst)
    )


@pytest.mark.parametrize(
    ("invoer", "genormaliseerd"),
    [
        ("3072AB", "3072AB"),
        ("3072 AB", "3072AB"),
        ("3072 ab", "3072AB"),
        ("3072aB", "3072AB"),
        ("  3072 ab ", "3072AB"),
        ("1000AA", "1000AA"),
        ("9999ZZ", "9999ZZ"),
    ],
)
def test_a_postcode_is_normalised(invoer: str, genormaliseerd: str) -> None:
    assert normaliseer_postcode(invoer) == genormaliseerd


@pytest.mark.parametrize(
    "invoer",
    [
        "1234",
        "0123 AB",
        "1234 A",
        "12345 AB",
        "ABCD 12",
        "3072  AB",  # two spaces
        "3072-AB",  # stdnum takes a dash; the API does not
        "NL-3072 AB",  # nor a country prefix
        "NL3072AB",
        "3072 ÄB",
        "３０７２AB",  # full-width digits
        "",
        # Letter pairs PostNL never issues: the hand-written check took them, stdnum refuses.
        "3072 SA",
        "3072 sd",
        "3072SS",
    ],
)
def test_what_is_not_a_dutch_postcode_is_refused(invoer: str) -> None:
    with pytest.raises(ValueError, match="is not a Dutch postcode"):
        normaliseer_postcode(invoer)


letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@given(
    st.integers(1000, 9999),
    letters,
    letters,
    st.sampled_from(["", " "]),
    st.booleans(),
)
def test_every_postcode_with_or_without_space_in_any_case_normalises_alike(
    cijfers: int, a: str, b: str, spatie: str, klein: bool
) -> None:
    assume(a + b not in {"SA", "SD", "SS"})
    letterpaar = (a + b).lower() if klein else a + b
    assert normaliseer_postcode(f"{cijfers}{spatie}{letterpaar}") == f"{cijfers}{a}{b}"
