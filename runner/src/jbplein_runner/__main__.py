"""``python -m jbplein_runner up`` (what ``./jbplein up`` runs)."""

import argparse

from . import up

parser = argparse.ArgumentParser(
    prog="python -m jbplein_runner", description="Run the JB-plein on this machine."
)
commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
up.add_arguments(commands.add_parser("up", help=up.__doc__, description=up.__doc__))

if __name__ == "__main__":
    args = parser.parse_args()
    raise SystemExit(up.run(args))
