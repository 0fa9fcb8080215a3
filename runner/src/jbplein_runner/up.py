"""``./jbplein up``: the whole system on its embedded defaults, in the foreground."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from jbplein_kit.bestanden import prive_proces

from .system import DEFAULT_NATS_PORT, SERVICES, System


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("JBPLEIN_UP_DATA_DIR", ".jbplein/data")),
        help="where the databases, the NATS store, logs and traces live",
    )
    parser.add_argument("--host", default=os.environ.get("JBPLEIN_UP_HOST", "127.0.0.1"))
    parser.add_argument(
        "--nats-port", type=int, default=_env_int("JBPLEIN_NATS_PORT", DEFAULT_NATS_PORT)
    )
    for spec in SERVICES:
        parser.add_argument(
            f"--{spec.name}-port",
            type=int,
            default=_env_int(f"JBPLEIN_{spec.name.upper()}_PORT", spec.default_port),
        )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./jbplein up", description=__doc__)
    add_arguments(parser)
    return parser.parse_args(argv)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    return run(parse(sys.argv[1:] if argv is None else argv))


def run(args: argparse.Namespace) -> int:
    prive_proces()  # the runner's own files too (its children get the same umask)
    system = System(
        data_dir=args.data_dir,
        host=args.host,
        nats_port=args.nats_port,
        ports={spec.name: getattr(args, f"{spec.name}_port") for spec in SERVICES},
    )
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    started = time.monotonic()
    try:
        print(f"jbplein: starting nats-server on {system.nats.url} ...", flush=True)
        system.start()
        print(_banner(system, time.monotonic() - started), flush=True)
        while True:
            exited = system.exited()
            if exited:
                for name, code in exited.items():
                    print(
                        f"jbplein: {name} stopped unexpectedly (exit {code}); see "
                        f"{system.data_dir}/logs/{name}.log",
                        file=sys.stderr,
                        flush=True,
                    )
                return 1
            time.sleep(0.5)
    except _Stop as stop:
        print(f"\njbplein: {stop} received, stopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"jbplein: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        system.stop()
        print("jbplein: every process stopped.", flush=True)


def _banner(system: System, seconds: float) -> str:
    d = system.data_dir
    lines = [
        f"jbplein: up in {seconds:.1f}s. Ctrl-C stops everything.",
        "",
        f"  intake       {system.url('intake')}/meldingen/nieuw   (screens)",
        f"               {system.url('intake')}/api/v1/docs   (partner API)",
        f"  tafel        {system.url('tafel')}/agenda   (screens: agenda, /termijnen)",
        f"               {system.url('tafel')}/api/v1/docs   (API)",
        f"  toewijzing   {system.url('toewijzing')}/api/v1/docs   (cases, waiting list, beheer)",
        f"  notificatie  {system.url('notificatie')}/brieven   (screens: letters, /leveringen)",
        f"               {system.url('notificatie')}/api/v1/docs   (API, webhooks)",
        f"  nats         {system.nats.url} (JetStream, store {d / 'nats'})",
        "",
        f"  credentials  {system.credentials_file}",
        f"  traces       {d / 'telemetry'}/<service>.jsonl",
        f"  logs         {d / 'logs'}/<service>.log",
        f"  databases    {d}/<service>.db (SQLite)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
