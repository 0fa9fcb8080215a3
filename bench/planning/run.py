"""bench/planning: planning 5,000 meldingen over a month of sessions (pure domain code).

    ./jbplein run python -m bench.planning.run [--n 5000] [--capaciteit 250]

Meldingen arrive through a month, a tenth of them spoed; there is one session per werkdag. It
times one full re-plan of all of them at once (the worst case: every melding open and movable),
and the incremental way the tafel really plans (one re-plan per arriving melding, over the
meldingen still open), and prints the peak memory of the full re-plan.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from datetime import time as dtime
from uuid import UUID

from bench.common import machine
from jbplein_contracts.werkdagen import AMSTERDAM, NATIONAAL, termijn
from jbplein_tafel.planning import Melding, Regels, Sessie, moment, plan, sessiedagen


def maand(capaciteit: int) -> list[Sessie]:
    dagen = sessiedagen(date(2026, 11, 2), 22, NATIONAAL, range(5))
    return [
        Sessie(UUID(int=i + 1), d, moment(d, dtime(10)), moment(d, dtime(12)), capaciteit)
        for i, d in enumerate(dagen)
    ]


def meldingen(n: int, seed: int = 7) -> list[Melding]:
    rnd = random.Random(seed)
    start = datetime(2026, 10, 30, 8, 0, tzinfo=AMSTERDAM)
    result = []
    for i in range(n):
        ontvangen = start + timedelta(minutes=rnd.randrange(0, 60 * 24 * 30))
        result.append(
            Melding(UUID(int=10_000 + i), ontvangen, termijn(ontvangen, 2), rnd.random() < 0.1)
        )
    return sorted(result, key=lambda m: m.ontvangen_op)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.planning.run")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--capaciteit", type=int, default=250)
    parser.add_argument("--herhaal", type=int, default=5)
    args = parser.parse_args(argv)
    sessies = maand(args.capaciteit)
    alle = meldingen(args.n)
    regels = Regels()
    nu = datetime(2026, 10, 30, 7, 0, tzinfo=AMSTERDAM)

    tijden = []
    for _ in range(args.herhaal):
        started = time.perf_counter()
        uitkomst = plan(sessies, alle, nu, regels)
        tijden.append(time.perf_counter() - started)
    tracemalloc.start()
    plan(sessies, alle, nu, regels)
    _, piek = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gepland = sum(1 for p in uitkomst.plaatsen.values() if p.sessie_id is not None)
    in_gevaar = sum(1 for p in uitkomst.plaatsen.values() if p.in_gevaar)

    # Incremental: each melding arrives and the open ones are planned again; a session's
    # meldingen are decided when it ends (they leave the open set).
    started = time.perf_counter()
    open_: dict[UUID, Melding] = {}
    einde = {s.id: s.einde for s in sessies}
    stappen = 0
    omvang = 0
    for m in alle:
        # The tafel decided what was on the sessions that have ended: those leave the open set.
        for mid in [
            k for k, v in open_.items() if v.sessie_id and einde[v.sessie_id] <= m.ontvangen_op
        ]:
            del open_[mid]
        open_[m.id] = m
        uitkomst_nu = plan(sessies, list(open_.values()), m.ontvangen_op, regels)
        stappen += 1
        omvang += len(open_)
        for mid, plaats in uitkomst_nu.plaatsen.items():
            oud = open_[mid]
            open_[mid] = Melding(mid, oud.ontvangen_op, oud.uiterlijk, oud.spoed, plaats.sessie_id)
    incrementeel = time.perf_counter() - started

    print(
        f"bench/planning: {args.n} meldingen over {len(sessies)} sessions of capacity "
        f"{args.capaciteit} (a month of werkdagen)"
    )
    print(f"machine: {machine()}")
    print(
        f"full re-plan of all {args.n}: best {min(tijden) * 1000:.1f} ms, "
        f"worst {max(tijden) * 1000:.1f} ms over {args.herhaal} runs; peak memory "
        f"{piek / 1024 / 1024:.1f} MiB"
    )
    print(f"  planned {gepland}, in gevaar {in_gevaar}")
    print(
        f"incremental (one re-plan per arrival, {stappen} re-plans): {incrementeel:.1f} s in all, "
        f"{incrementeel / stappen * 1000:.2f} ms per arrival, {omvang / stappen:.0f} open "
        "meldingen on average"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
