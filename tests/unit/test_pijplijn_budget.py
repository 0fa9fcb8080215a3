"""The budget of a run through the whole system (``bench.pipeline``, used by the crash test):
on a busy machine a run takes as long as it takes; it fails only when no melding has moved a
step on for the allowed time. Driven by a clock of the test's own, so nothing here waits for
it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.pipeline import pijplijn as module
from bench.pipeline.pijplijn import Pijplijn


class Klok:
    def __init__(self) -> None:
        self.nu = 1000.0

    def monotonic(self) -> float:
        return self.nu

    def __getattr__(self, name: str) -> Any:  # everything else as the real ``time`` module
        import time

        return getattr(time, name)


class Systeem:
    tokens: dict[str, str] = {}  # noqa: RUF012
    environment: dict[str, str] = {}  # noqa: RUF012  (no clock file: the wall clock)


@pytest.fixture
def klok(monkeypatch: pytest.MonkeyPatch) -> Klok:
    klok = Klok()
    monkeypatch.setattr(module, "time", klok)
    return klok


async def test_a_run_that_keeps_moving_is_never_cut_off_however_long_it_takes(klok: Klok) -> None:
    pijplijn = Pijplijn(Systeem(), 3)  # type: ignore[arg-type]
    melders: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    melders.set_result([])
    wacht = asyncio.create_task(pijplijn._wacht(melders, binnen=None, stilstand=300, tik=0.001))
    for _ in range(40):  # 40 steps of 100 s: far beyond any fixed total the test once had
        klok.nu += 100
        pijplijn._vooruit()
        await asyncio.sleep(0.01)
        assert not wacht.done()
    pijplijn._klaar.set()
    assert await wacht is None


async def test_a_run_where_nothing_moves_on_fails_saying_so(klok: Klok) -> None:
    pijplijn = Pijplijn(Systeem(), 3)  # type: ignore[arg-type]
    melders: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    wacht = asyncio.create_task(pijplijn._wacht(melders, binnen=None, stilstand=300, tik=0.001))
    await asyncio.sleep(0.01)
    assert not wacht.done()
    klok.nu += 299
    await asyncio.sleep(0.01)
    assert not wacht.done(), "within the allowed time without progress"
    klok.nu += 2
    assert await asyncio.wait_for(wacht, 30) == "no melding moved on for 300 s"


def test_every_melding_of_a_run_is_about_its_own_child() -> None:
    """The runs count one case per melding: two meldingen about one child would be one gezin
    with one case (issue 11), and the old generator gave 121 of 300 meldingen a BSN of another."""
    from jbplein_intake.validatie import bsn_geldig

    from ..support.meldingen import bsn

    nummers = [bsn(i) for i in range(5_000)]
    assert len(set(nummers)) == len(nummers)
    assert all(bsn_geldig(n) for n in nummers)


def test_every_melding_of_a_run_has_a_postcode_intake_takes() -> None:
    """The runs stalled when intake began refusing SA, SD and SS (python-stdnum, issue 12)."""
    from jbplein_intake.validatie import normaliseer_postcode

    from ..support.meldingen import postcode

    assert all(normaliseer_postcode(postcode(i)) for i in range(20_000))
