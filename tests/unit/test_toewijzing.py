"""Choosing a casusregisseur (pure domain code): continuity, area, taakaccent, room; the waiting
list; and the properties every choice keeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from jbplein_contracts.waarden import Aanpak, Taakaccent, WachtlijstReden
from jbplein_toewijzing.toewijzing import (
    Kandidaat,
    Team,
    Zaak,
    dekkende_teams,
    kies_regisseur,
    verdeel_wachtlijst,
    zwaarste_aanpak,
)

CIVIEL, STRAF = Taakaccent.CIVIEL, Taakaccent.STRAF
T0 = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)

TEAMS = [
    Team("noord", frozenset({"0599"}), frozenset({"noord", "overschie"})),
    Team("zuid", frozenset({"0599"}), frozenset({"feijenoord", "charlois"})),
    Team("waterweg", frozenset({"0606", "0622", "0556"})),
]


def gezin(n: int) -> UUID:
    return UUID(int=n)


def zaak(n: int, *, wijk: str | None = "Feijenoord", gemeente: str = "0599", **kw: object) -> Zaak:
    values: dict[str, object] = {
        "taakaccent": CIVIEL,
        "besluit_op": T0 + timedelta(minutes=n),
    }
    values.update(kw)
    return Zaak(UUID(int=1000 + n), gezin(n), gemeente, wijk, **values)  # type: ignore[arg-type]


def test_the_team_of_the_wijk_covers_the_gezin_else_every_team_of_the_municipality() -> None:
    assert dekkende_teams(TEAMS, "0599", "Feijenoord") == {"zuid"}
    assert dekkende_teams(TEAMS, "0599", " OVERSCHIE ") == {"noord"}
    assert dekkende_teams(TEAMS, "0599", "Kralingen") == {"noord", "zuid"}
    assert dekkende_teams(TEAMS, "0599", None) == {"noord", "zuid"}
    assert dekkende_teams(TEAMS, "0622", "Holy") == {"waterweg"}
    assert dekkende_teams(TEAMS, "1621", None) == set()


def test_the_covering_team_then_a_fitting_taakaccent_then_the_lowest_relative_caseload() -> None:
    kandidaten = [
        Kandidaat("noord-1", "noord", CIVIEL, 10),
        Kandidaat("zuid-straf", "zuid", STRAF, 10),
        Kandidaat("zuid-vol", "zuid", CIVIEL, 10, frozenset(gezin(100 + i) for i in range(6))),
        Kandidaat("zuid-rustig", "zuid", CIVIEL, 20, frozenset(gezin(200 + i) for i in range(6))),
    ]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1))
    assert (keuze.jeugdbeschermer, keuze.gebiedsteam) == ("zuid-rustig", "zuid"), "6/20 < 6/10"
    assert keuze.taakaccent_passend
    assert not keuze.continuiteit
    straf = kies_regisseur(kandidaten, TEAMS, zaak(2, taakaccent=STRAF))
    assert straf.jeugdbeschermer == "zuid-straf"


def test_another_taakaccent_when_no_fitting_one_has_room() -> None:
    kandidaten = [
        Kandidaat("zuid-straf", "zuid", STRAF, 1, frozenset({gezin(99)})),
        Kandidaat("zuid-civiel", "zuid", CIVIEL, 5),
    ]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1, taakaccent=STRAF))
    assert keuze.jeugdbeschermer == "zuid-civiel"
    assert not keuze.taakaccent_passend


def test_continuity_keeps_the_gezins_casusregisseur_even_at_a_full_caseload() -> None:
    vol = frozenset({gezin(1), gezin(2)})
    kandidaten = [
        Kandidaat("noord-vol", "noord", STRAF, 2, vol),
        Kandidaat("zuid-leeg", "zuid", CIVIEL, 10),
    ]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1))  # gezin 1, living in Zuid now
    assert (keuze.jeugdbeschermer, keuze.continuiteit) == ("noord-vol", True)


def test_continuity_gives_way_when_the_casusregisseur_is_absent() -> None:
    kandidaten = [
        Kandidaat("zuid-1", "zuid", CIVIEL, 5, frozenset({gezin(1)}), beschikbaar=False),
        Kandidaat("zuid-2", "zuid", CIVIEL, 5),
    ]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1))
    assert (keuze.jeugdbeschermer, keuze.continuiteit) == ("zuid-2", False)


def test_absent_and_full_jeugdbeschermers_get_nothing_and_the_case_waits() -> None:
    kandidaten = [
        Kandidaat("zuid-1", "zuid", CIVIEL, 1, frozenset({gezin(50)})),
        Kandidaat("zuid-2", "zuid", CIVIEL, 5, beschikbaar=False),
        Kandidaat("noord-1", "noord", CIVIEL, 5),
    ]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1))
    assert keuze.jeugdbeschermer is None
    assert keuze.wachtlijst is WachtlijstReden.GEEN_RUIMTE
    nergens = kies_regisseur(kandidaten, TEAMS, zaak(2, gemeente="1621", wijk=None))
    assert nergens.wachtlijst is WachtlijstReden.GEEN_GEBIEDSTEAM


def test_a_maximum_of_zero_takes_no_new_gezin() -> None:
    keuze = kies_regisseur([Kandidaat("zuid-1", "zuid", CIVIEL, 0)], TEAMS, zaak(1))
    assert keuze.wachtlijst is WachtlijstReden.GEEN_RUIMTE


def test_the_waiting_list_hands_out_room_spoed_first_then_by_besluit() -> None:
    kandidaten = [Kandidaat("zuid-1", "zuid", CIVIEL, 2)]
    wachtend = [zaak(1), zaak(2), zaak(3, spoed=True)]
    verdeling = verdeel_wachtlijst(kandidaten, TEAMS, wachtend)
    toegewezen = {z.id for z in wachtend if verdeling.keuzes[z.id].jeugdbeschermer}
    assert toegewezen == {zaak(3).id, zaak(1).id}
    assert verdeling.keuzes[zaak(2).id].wachtlijst is WachtlijstReden.GEEN_RUIMTE


def test_a_gezin_waiting_with_two_cases_gets_one_casusregisseur_for_both() -> None:
    kandidaten = [Kandidaat("zuid-1", "zuid", CIVIEL, 1), Kandidaat("zuid-2", "zuid", CIVIEL, 1)]
    eerste = zaak(1)
    tweede = Zaak(UUID(int=5000), gezin(1), "0599", "Feijenoord", CIVIEL, besluit_op=T0)
    verdeling = verdeel_wachtlijst(kandidaten, TEAMS, [eerste, tweede])
    assert (
        verdeling.keuzes[tweede.id].jeugdbeschermer == verdeling.keuzes[eerste.id].jeugdbeschermer
    )
    assert verdeling.keuzes[eerste.id].continuiteit


def test_an_excluded_jeugdbeschermer_is_never_chosen() -> None:
    kandidaten = [Kandidaat("zuid-1", "zuid", CIVIEL, 5, frozenset({gezin(1)}))]
    keuze = kies_regisseur(kandidaten, TEAMS, zaak(1, uitgesloten=frozenset({"zuid-1"})))
    assert keuze.jeugdbeschermer is None


# --- properties --------------------------------------------------------------------------

codes = st.sampled_from([f"jb-{i}" for i in range(8)])


@st.composite
def situaties(draw: st.DrawFn) -> tuple[list[Kandidaat], list[Zaak]]:
    kandidaten = []
    for code in sorted(set(draw(st.lists(codes, min_size=1, max_size=8)))):
        maximum = draw(st.integers(min_value=0, max_value=4))
        gezinnen = frozenset(gezin(n) for n in draw(st.sets(st.integers(1, 30), max_size=maximum)))
        kandidaten.append(
            Kandidaat(
                code,
                draw(st.sampled_from(["noord", "zuid", "waterweg"])),
                draw(st.sampled_from([CIVIEL, STRAF])),
                maximum,
                gezinnen,
                draw(st.booleans()) or draw(st.booleans()),
            )
        )
    zaken = [
        Zaak(
            UUID(int=10_000 + i),
            gezin(draw(st.integers(1, 40))),
            draw(st.sampled_from(["0599", "0606", "1621"])),
            draw(st.sampled_from([None, "Feijenoord", "Noord", "Kralingen"])),
            draw(st.sampled_from([CIVIEL, STRAF])),
            draw(st.booleans()),
            T0 + timedelta(minutes=draw(st.integers(0, 100))),
        )
        for i in range(draw(st.integers(0, 25)))
    ]
    return kandidaten, zaken


@settings(max_examples=300, deadline=None)
@given(situaties())
def test_properties_of_every_distribution(situatie: tuple[list[Kandidaat], list[Zaak]]) -> None:
    kandidaten, zaken = situatie
    verdeling = verdeel_wachtlijst(kandidaten, TEAMS, zaken)
    voor = {k.code: k for k in kandidaten}
    na = {k.code: k for k in verdeling.kandidaten}
    houders: dict[UUID, set[str]] = {}
    for k in kandidaten:
        for g in k.gezinnen:
            houders.setdefault(g, set()).add(k.code)
    for code, k in na.items():
        # Never over a maximum: nobody gets a new gezin beyond it.
        nieuw = k.gezinnen - voor[code].gezinnen
        if nieuw:
            assert k.caseload <= k.max_caseload
            assert voor[code].beschikbaar
    for z in zaken:
        keuze = verdeling.keuzes[z.id]
        if keuze.jeugdbeschermer is None:
            assert keuze.wachtlijst is not None
            continue
        gekozen = voor[keuze.jeugdbeschermer]
        assert gekozen.beschikbaar
        # Continuity honoured: an available casusregisseur of the gezin keeps it.
        beschikbare_houders = {c for c in houders.get(z.gezin_ref, set()) if voor[c].beschikbaar}
        if beschikbare_houders:
            assert keuze.continuiteit
            assert keuze.jeugdbeschermer in beschikbare_houders
        elif not keuze.continuiteit:
            assert gekozen.gebiedsteam in dekkende_teams(TEAMS, z.gemeente, z.wijk)


@settings(max_examples=200, deadline=None)
@given(situaties(), st.randoms(use_true_random=False))
def test_the_same_input_gives_the_same_result_whatever_its_order(
    situatie: tuple[list[Kandidaat], list[Zaak]], rnd: random.Random
) -> None:
    kandidaten, zaken = situatie
    eerst = verdeel_wachtlijst(kandidaten, TEAMS, zaken)
    k2, z2 = list(kandidaten), list(zaken)
    rnd.shuffle(k2)
    rnd.shuffle(z2)
    daarna = verdeel_wachtlijst(k2, list(reversed(TEAMS)), z2)
    assert eerst.keuzes == daarna.keuzes
    assert eerst.kandidaten == daarna.kandidaten


def test_a_gezins_one_case_follows_the_strongest_besluit_of_its_meldingen() -> None:
    drang, onderzoek = Aanpak.DRANG, Aanpak.RAADSONDERZOEK
    assert zwaarste_aanpak([drang, onderzoek]) is onderzoek
    assert zwaarste_aanpak([onderzoek, drang]) is onderzoek  # a later drang takes nothing back
    assert zwaarste_aanpak([Aanpak.VRIJWILLIG, drang]) is drang
    assert zwaarste_aanpak([Aanpak.VRIJWILLIG]) is Aanpak.VRIJWILLIG
    assert zwaarste_aanpak([]) is Aanpak.VRIJWILLIG
