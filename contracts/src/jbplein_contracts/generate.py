"""Generate the artefacts for partners who do not use Python.

* ``schemas/v1/<type>.json``: a JSON Schema (2020-12) per event, the whole CloudEvent;
* ``schemas/asyncapi.json``: an AsyncAPI 3.0 document of every channel.

Run ``python -m jbplein_contracts.generate`` after changing an event; a test fails while the
checked-in files differ from what this module produces.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .envelope import CONTENT_TYPE
from .subjects import Boom
from .v1 import EVENTS

SCHEMAS = Path(__file__).parent / "schemas"


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def json_schemas() -> dict[str, str]:
    """File name (relative to ``schemas/``) → content, one per event."""
    result: dict[str, str] = {}
    for event in EVENTS:
        schema = event.model_json_schema(mode="serialization")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://jbplein.nl/schemas/v1/{event.KANAAL.type}.json",
            **schema,
        }
        result[f"v1/{event.KANAAL.type}.json"] = _dump(schema)
    return result


def asyncapi() -> str:
    """The AsyncAPI 3.0 document of every channel."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for event in EVENTS:
        kanaal = event.KANAAL
        name = event.__name__
        schema = event.model_json_schema(
            mode="serialization", ref_template="#/components/schemas/{model}"
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {
            "name": name,
            "title": kanaal.type,
            "summary": (event.__doc__ or "").strip().splitlines()[0],
            "contentType": CONTENT_TYPE,
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "description": "The event id; the server de-duplicates on it.",
                    },
                    "traceparent": {
                        "type": "string",
                        "description": "W3C trace context of the melding's trace.",
                    },
                },
            },
        }
        channel_id = f"{kanaal.boom}.{kanaal.domein}.{kanaal.gebeurtenis}.v{kanaal.versie}"
        parameters = {"gemeente": {"description": "CBS code of the municipality."}}
        if kanaal.geadresseerd:
            parameters["organisatie"] = {"description": "Code of the organisation addressed."}
        channels[channel_id] = {
            "address": f"{kanaal.basis}.{{gemeente}}",
            "description": (
                "Minimised event addressed to one partner organisation."
                if kanaal.geadresseerd
                else "Minimised event for the partners of a municipality."
                if kanaal.boom is Boom.PARTNER
                else "Internal event between the plein's services."
            ),
            "parameters": parameters,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"send{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
        }
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Jeugdbeschermingsplein Rotterdam-Rijnmond events",
            "version": __version__,
            "description": (
                "CloudEvents 1.0 (NL GOV profile) on NATS JetStream. Subjects end in the "
                "municipality's CBS code; partner subjects carry minimised events only."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "embedded": {
                "host": "127.0.0.1:4250",
                "protocol": "nats",
                "description": "The nats-server that ./jbplein up starts.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }
    return _dump(document)


def artefacts() -> dict[str, str]:
    """Every generated file, relative to ``schemas/``."""
    return {**json_schemas(), "asyncapi.json": asyncapi()}


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m jbplein_contracts.generate",
        description=(
            f"Write the JSON Schema of every event and the AsyncAPI document under {SCHEMAS} "
            "(checked in; a test fails when they are stale)."
        ),
    ).parse_args(argv)
    for naam, inhoud in artefacts().items():
        pad = SCHEMAS / naam
        pad.parent.mkdir(parents=True, exist_ok=True)
        pad.write_text(inhoud, encoding="utf-8")
    for oud in SCHEMAS.glob("v1/*.json"):
        if f"v1/{oud.name}" not in artefacts():
            oud.unlink()
    sys.stdout.write(f"wrote {len(artefacts())} files under {SCHEMAS}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
