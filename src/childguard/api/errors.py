"""Exception handlers: every error becomes ``{"error": {"code", "message"}}`` with its status.

Validation errors are 400 with the offending field named; unknown routes 404; anything
unexpected is logged (type only, never the request body) and answered 500 without details.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from childguard.errors import ChildguardError

log = logging.getLogger("childguard.api")


#: HMA-compatible routes: their errors also carry HMA's top-level ``message``.
HMA_PREFIXES = ("/status", "/h/", "/m/", "/c/")


def error_response(
    status: int, code: str, message: str, request: Request | None = None
) -> JSONResponse:
    """The one error body shape (plus ``message`` on HMA-compatible routes)."""
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if request is not None and request.url.path.startswith(HMA_PREFIXES):
        body["message"] = message
    return JSONResponse(body, status_code=status)


EMPTY_BODY = "the request body is empty: send a JSON object"


def describe_validation_errors(
    errors: Sequence[Mapping[str, Any]], prefix: str | None = None
) -> str:
    """One message naming each invalid field (at most five), from pydantic's error list.

    ``prefix`` names the value when the errors carry no location (a single parameter).
    """
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            return "the request body is not valid JSON"
        if err.get("type") == "missing" and tuple(err.get("loc", ())) == ("body",):
            return EMPTY_BODY
        parts.append(f"{loc or prefix or 'request'}: {msg}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ChildguardError)
    async def _childguard(request: Request, exc: ChildguardError) -> JSONResponse:
        return error_response(exc.http_status, exc.code, exc.message, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            400, "invalid_input", describe_validation_errors(exc.errors()), request
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route; see /docs for the API"
        return error_response(exc.status_code, code, message, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"error": type(exc).__name__})
        return error_response(
            500, "internal_error", "internal error; the event was logged", request
        )
