"""bench/intake: accepted meldingen per second and p50/p99 latency at a fixed concurrency, on
SQLite and PostgreSQL, next to a bare FastAPI endpoint measured in the same run.

    ./jbplein run python -m bench.intake.run [--n 2000] [--concurrency 16] [--backend both]

Each service runs as its own process (uvicorn, one worker) with a real nats-server; the load
comes from this process over loopback HTTP. PostgreSQL comes from TEST_DATABASE_URL (a fresh
database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import HEADER, Figures, load, machine, nats_server, service_process
from tests.support import databases
from tests.support.meldingen import bsn, melding


def body(i: int) -> dict[str, Any]:
    return melding(gezin__kinderen__0__bsn=bsn(i), gezin__adres__huisnummer=str(1 + i % 9999))


async def run_load(url: str, token: str, n: int, concurrency: int, name: str) -> Figures:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(20):  # warm up connections and code paths
            await client.post("/api/v1/meldingen", json=body(n + i), headers=headers)

        async def call(i: int) -> bool:
            response = await client.post("/api/v1/meldingen", json=body(i), headers=headers)
            return response.status_code == 201

        return await load(call, n, concurrency, name)


async def drained(url: str, within: float = 120.0) -> float:
    """Seconds until the outbox of the service is empty (every event on NATS)."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while time.perf_counter() - started < within:
            status = (await client.get("/readyz")).json()
            if status.get("outbox_pending") == 0:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
    raise TimeoutError("outbox not drained")


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake.run")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    server_url = databases.postgres_server_url() if "postgres" in backends else None
    if "postgres" in backends and server_url is None:
        print("no PostgreSQL (set TEST_DATABASE_URL): measuring SQLite only", file=sys.stderr)
        backends = ["sqlite"]

    rows: list[Figures] = []
    drain: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp)) as nats:
        with service_process("bench.intake.bare", Path(tmp) / "bare", nats.url) as (url, tokens):
            rows.append(
                await run_load(
                    url,
                    tokens["veilig-thuis-api"],
                    args.n,
                    args.concurrency,
                    "bare FastAPI endpoint",
                )
            )
        for backend in backends:
            folder = Path(tmp) / backend
            env = {}
            database_url = None
            if backend == "postgres":
                assert server_url is not None
                database_url = await databases.create_postgres_database(server_url)
                env["JBPLEIN_DATABASE_URL"] = database_url
            try:
                with service_process("jbplein_intake", folder, nats.url, env) as (url, tokens):
                    figures = await run_load(
                        url,
                        tokens["veilig-thuis-api"],
                        args.n,
                        args.concurrency,
                        f"intake on {backend}",
                    )
                    drain[backend] = await drained(url)
                    rows.append(figures)
            finally:
                if database_url and server_url:
                    await databases.drop_postgres_database(server_url, database_url)

    print(f"bench/intake: {args.n} POST /api/v1/meldingen at concurrency {args.concurrency}")
    print(f"machine: {machine()}")
    print(HEADER)
    for row in rows:
        print(row.row())
    bare = rows[0].rate
    for row in rows[1:]:
        print(f"{row.name}: {row.rate / bare:.0%} of the bare endpoint's throughput")
    for backend, seconds in drain.items():
        print(f"outbox on {backend} empty {seconds:.2f}s after the last response")
    return 0 if all(r.failures == 0 for r in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
