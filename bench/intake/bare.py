"""The baseline: a bare FastAPI endpoint on the same path, served the same way. It decodes the
JSON body and answers 201, and does nothing else (no model, no database, no NATS)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/meldingen", status_code=201)
async def meldingen(body: dict[str, Any]) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "ontvangen", "gemeente": str(body.get("gemeente"))}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.intake.bare", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("JBPLEIN_PORT", "8199")),
        help="port on 127.0.0.1 (default: $JBPLEIN_PORT, else 8199)",
    )
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
