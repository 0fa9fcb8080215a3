"""``python -m jbplein_runner up`` (what ``./jbplein up`` runs)."""

import sys

from .up import main

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "up":
        sys.stderr.write("usage: python -m jbplein_runner up [options]\n")
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[2:]))
