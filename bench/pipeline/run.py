"""bench/pipeline: N meldingen through intake → tafel (the besluit posted by the benchmark as
soon as a melding is on the agenda) → toewijzing → notificatie, on the system as
``./jbplein up`` runs it. Prints throughput and p50/p99 per hop and end to end, and, in the
same run on the same nats-server, the raw JetStream publish and durable-consume rates of
nats-py, with the ratio.

    ./jbplein run python -m bench.pipeline.run [--n 2000] [--backend sqlite|postgres]

A third of the meldingen each gets vrijwillig, drang and raadsonderzoek. PostgreSQL comes from
TEST_DATABASE_URL (fresh databases, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.common import machine
from bench.pipeline.pijplijn import Pijplijn, Spoor, start_systeem, systeem_env
from jbplein_contracts import subjects
from jbplein_runner.system import SERVICES
from tests.support import databases


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def hops(sporen: list[Spoor]) -> list[tuple[str, list[float]]]:
    """Per hop, the seconds each melding spent on it (from the events' own moments)."""
    klaar = [s for s in sporen if s.klaar]

    def tussen(a: str, b: str, welke: list[Spoor]) -> list[float]:
        return [s.momenten[b] - s.momenten[a] for s in welke if a in s.momenten and b in s.momenten]

    regie = [s for s in klaar if s.aanpak != "vrijwillig"]
    vrij = [s for s in klaar if s.aanpak == "vrijwillig"]
    brief_na_regisseur = tussen("regisseur", "brief", regie)
    brief_na_besluit = tussen("besluit", "brief", vrij)
    eind = [
        max(s.momenten["brief"], s.momenten["partner"]) - (s.verstuurd or 0.0)
        for s in klaar
        if s.verstuurd
    ]
    return [
        ("intake: POST /api/v1/meldingen (HTTP)", [s.post_latentie or 0.0 for s in klaar]),
        ("intake → tafel: on the agenda", tussen("ontvangen", "geagendeerd", klaar)),
        ("tafel: POST besluit (HTTP)", [s.besluit_latentie or 0.0 for s in klaar]),
        ("tafel → toewijzing: casusregisseur", tussen("besluit", "regisseur", regie)),
        ("→ notificatie: letter made (PDF)", brief_na_regisseur + brief_na_besluit),
        ("tafel → notificatie: partner event", tussen("besluit", "partner", klaar)),
        ("end to end: POST → letter and partner event", eind),
    ]


async def berichten_per_melding(url: str, n: int) -> float:
    """Messages the run put in the plein's streams (events, timers), per melding."""
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        totaal = 0
        for stream in subjects.STREAMS:
            totaal += (await js.stream_info(stream.name)).state.messages
        return totaal / n
    finally:
        await connection.close()


async def jetstream_baseline(url: str, n: int) -> tuple[float, float, float]:
    """nats-py on the same server: publish (awaiting each ack) and durable pull consume with an
    ack per message, in batches of 1 (as the services consume) and of 100."""
    connection = await nats.connect(url)
    js = connection.jetstream()
    await js.add_stream(
        StreamConfig(name="BENCH_RAW", subjects=["bench.raw.>"], storage=StorageType.FILE)
    )
    payload = b"x" * 600  # about the size of one of our events
    begin = time.perf_counter()
    for i in range(n):
        await js.publish("bench.raw.x", payload, headers={"Nats-Msg-Id": f"raw-{i}"})
    publish = n / (time.perf_counter() - begin)
    rates = []
    for batch in (1, 100):
        durable = f"raw-{batch}"
        sub = await js.pull_subscribe(
            "bench.raw.x",
            durable=durable,
            stream="BENCH_RAW",
            config=ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT),
        )
        seen = 0
        begin = time.perf_counter()
        while seen < n:
            for message in await sub.fetch(batch, timeout=5):
                await message.ack()
                seen += 1
        rates.append(n / (time.perf_counter() - begin))
    await js.delete_stream("BENCH_RAW")
    await connection.close()
    return publish, rates[0], rates[1]


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline.run")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--tempo",
        type=float,
        default=None,
        help="meldingen a second (paced); default: as fast as intake takes them",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--telemetry",
        choices=["file", "none"],
        default="file",
        help="file: spans to .jsonl as ./jbplein up does; none: spans made, not exported",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extra: dict[str, str] = {"JBPLEIN_TELEMETRY": args.telemetry}
        server_url = databases.postgres_server_url() if args.backend == "postgres" else None
        if args.backend == "postgres":
            if server_url is None:
                print("no PostgreSQL: set TEST_DATABASE_URL", file=sys.stderr)
                return 2
            for spec in SERVICES:
                url = await databases.create_postgres_database(server_url)
                extra[f"JBPLEIN_{spec.name.upper()}_DATABASE_URL"] = url
        # System.start runs its own event loop to declare the streams: start it in a thread.
        system = await asyncio.to_thread(
            start_systeem, folder / "data", systeem_env(extra, folder / "data")
        )
        try:

            def voortgang(klaar: int, n: int) -> None:
                print(f"  ... {klaar}/{n} through", file=sys.stderr, flush=True)

            uitkomst = await Pijplijn(
                system, args.n, args.concurrency, op_voortgang=voortgang, tempo=args.tempo
            ).run()
            per_melding = await berichten_per_melding(system.nats.url, args.n)
            raw = await jetstream_baseline(system.nats.url, max(args.n, 2000))
        finally:
            system.stop()
            if server_url:
                for naam, url in extra.items():
                    if naam.endswith("_DATABASE_URL"):
                        await databases.drop_postgres_database(server_url, url)

    klaar = sum(s.klaar for s in uitkomst.sporen)
    doorvoer = klaar / uitkomst.seconden
    print(
        f"bench/pipeline: {args.n} meldingen on {args.backend}, {args.concurrency} partners "
        f"submitting at once"
        + (f" at {args.tempo:g}/s" if args.tempo else " as fast as intake takes them")
        + f", telemetry {args.telemetry}"
    )
    print(f"machine: {machine()}")
    print(f"through: {klaar} of {args.n} in {uitkomst.seconden:.1f}s: {doorvoer:.1f} meldingen/s")
    print("| hop | meldingen | p50 | p99 |\n| --- | --- | --- | --- |")
    for naam, waarden in hops(uitkomst.sporen):
        print(
            f"| {naam} | {len(waarden)} | {pct(waarden, 50):.0f} ms | {pct(waarden, 99):.0f} ms |"
        )
    publish, consume_1, consume_100 = raw
    print("raw JetStream (nats-py, same server, 600-byte messages):")
    print(f"| publish, awaiting each ack | {publish:,.0f} msg/s |")
    print(f"| durable pull consume + ack, batch 1 | {consume_1:,.0f} msg/s |")
    print(f"| durable pull consume + ack, batch 100 | {consume_100:,.0f} msg/s |")
    print(
        f"ratio: the pipeline moves {doorvoer * per_melding:,.0f} bus messages/s "
        f"({per_melding:.1f} per melding, counted in the streams), "
        f"{doorvoer * per_melding / publish:.1%} of raw publish "
        f"and {doorvoer * per_melding / consume_1:.1%} of raw batch-1 consume"
    )
    for fout in uitkomst.fouten[:10]:
        print(f"error: {fout}", file=sys.stderr)
    return 0 if klaar == args.n and not uitkomst.fouten else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
