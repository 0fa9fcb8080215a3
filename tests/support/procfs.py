"""What Linux's /proc says about a process: the CPU it used so far."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process so far, in seconds (``/proc/<pid>/stat``)."""
    # The command name (field 2) may hold spaces; the fields after its closing parenthesis don't.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS
