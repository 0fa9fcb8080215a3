"""Errors as ``application/problem+json`` (RFC 9457), in the form of the Dutch API design rules.

Bad input names the failing field (``invalidParams``); a database that cannot store durably is a
503 with Retry-After, never a 201 and never a 500.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .headers import apply as security_headers

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("jbplein.problems")

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        invalid_params: Sequence[dict[str, str]] = (),
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or _TITLES.get(status, "Error"))
        self.status = status
        self.title = title or _TITLES.get(status, "Error")
        self.detail = detail
        self.invalid_params = list(invalid_params)
        self.headers = headers or {}
        self.extra = extra or {}


def invalid_param(name: str, reason: str, code: str = "invalid") -> dict[str, str]:
    return {"name": name, "code": code, "reason": reason}


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://jbplein.nl/problemen/{problem.status}",
        "title": problem.title,
        "status": problem.status,
        "instance": request.url.path,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.invalid_params:
        body["invalidParams"] = problem.invalid_params
    body.update(problem.extra)
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] if len(parts) > 1 else parts
    name = ""
    for part in parts:
        if part.isdigit():
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name or "body"


_REASONS = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "json_invalid": "is not valid JSON",
    "model_attributes_type": "must be a JSON object",
}


def validation_problem(errors: Sequence[Any]) -> Problem:
    params = []
    for error in errors:
        kind = str(error.get("type", "invalid"))
        # The message of a validation error may quote the input; only our own reasons are shown.
        reason = _REASONS.get(kind) or str(error.get("msg", "is invalid"))
        params.append(invalid_param(_field_name(error.get("loc", ())), reason, kind))
    return Problem(400, "The request has invalid fields.", invalid_params=params)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, validation_problem(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, Problem(exc.status_code, detail, headers=headers))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else "unknown")
        return problem_response(request, unavailable())

    @app.exception_handler(PoolTimeoutError)
    async def _pool(request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.error("database pool exhausted")
        return problem_response(request, unavailable())

    @app.exception_handler(OSError)
    async def _os(request: Request, exc: OSError) -> JSONResponse:
        log.error("storage unavailable: %s", type(exc).__name__)
        return problem_response(request, unavailable())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The stack, not the message: a message may quote personal data.
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unexpected error (%s)\n%s", type(exc).__name__, stack)
        response = problem_response(request, Problem(500, "An unexpected error occurred."))
        # answered outside the middleware (Starlette's ServerErrorMiddleware): set them here
        security_headers(response.headers, request.url.path)
        return response


def unavailable(retry_after: int = 5) -> Problem:
    return Problem(
        503,
        "The service cannot store or read durably right now; nothing was stored. Try again.",
        headers={"Retry-After": str(retry_after)},
    )
