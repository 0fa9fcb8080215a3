"""The probe as a process of its own, consuming until it is stopped.

With ``PROBE_KILL_AFTER_COMMIT=1`` it kills itself with SIGKILL right after the first database
commit that recorded an inbox row: the handler's effect is committed, the ack never sent.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from jbplein_kit.inbox import InboxEntry
from jbplein_kit.settings import ServiceSettings

from .service import create_probe


def arm_kill_after_commit() -> None:
    @event.listens_for(Session, "after_flush")
    def _saw_inbox(session: Session, _context: Any) -> None:
        if any(isinstance(obj, InboxEntry) for obj in session.new):
            session.info["inbox_written"] = True

    @event.listens_for(Session, "after_commit")
    def _die(session: Session) -> None:
        if session.info.pop("inbox_written", False):
            os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    if os.environ.get("PROBE_KILL_AFTER_COMMIT") == "1":
        arm_kill_after_commit()
    service = create_probe(ServiceSettings())
    await service.start()
    try:
        await asyncio.Event().wait()
    finally:
        await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
