"""The OpenAPI document: every operation documents the problem responses it can give, with the
``application/problem+json`` media type, instead of FastAPI's default 422 validation schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class InvalidParam(BaseModel):
    name: str = Field(description="The failing field, e.g. gezin.kinderen[0].bsn")
    code: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalidParams: list[InvalidParam] | None = None


PROBLEMS = {
    "400": "Invalid input; `invalidParams` names each failing field.",
    "401": "No valid credential.",
    "403": "The caller's role or organisation does not allow this.",
    "404": "Not found (or not visible to the caller's organisation).",
    "409": "Conflicts with the current state.",
    "413": "The body is too large.",
    "415": "The body is not JSON.",
    "422": "Understood but refused (e.g. an Idempotency-Key reused with another body).",
    "503": "The service cannot store or read durably now; nothing was stored. See Retry-After.",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(components["Problem"].pop("$defs", {}))
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        problem = {"$ref": "#/components/schemas/Problem"}
        for path, item in document.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for code, description in PROBLEMS.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/problem+json": {"schema": problem}},
                        },
                    )
                if "503" in responses:
                    responses["503"]["headers"] = {
                        "Retry-After": {
                            "schema": {"type": "string"},
                            "description": "Seconds to wait before trying again.",
                        }
                    }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
