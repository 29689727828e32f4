"""Exception handlers: every error becomes ``{"error": {"code", "message"}}`` with its status.

Validation errors are 400 with the offending field named; unknown routes 404; anything
unexpected is logged (type only, never the request body) and answered 500 without details.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from childguard.errors import ChildguardError, retry_after

log = logging.getLogger("childguard.api")


#: HMA-compatible routes: their errors also carry HMA's top-level ``message``.
HMA_PREFIXES = ("/status", "/h/", "/m/", "/c/")


def error_response(
    status: int,
    code: str,
    message: str,
    request: Request | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one error body shape (plus ``message`` on HMA-compatible routes)."""
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if request is not None and request.url.path.startswith(HMA_PREFIXES):
        body["message"] = message
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


#: The error code of each status Starlette or FastAPI raise by themselves.
HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media",
    429: "rate_limited",
}
#: FastAPI's message for a body it cannot parse (including JSON nested past Python's limits).
_UNPARSABLE = "There was an error parsing the body"


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


def allowed_methods(request: Request) -> str:
    """Every method the API documents at the request's path (Starlette names only the first)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            methods |= {m.upper() for m in operations if m != "parameters"}
    return ", ".join(sorted(methods))


@functools.lru_cache(maxsize=512)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ChildguardError)
    async def _childguard(request: Request, exc: ChildguardError) -> JSONResponse:
        wait = retry_after(exc)
        headers = {"Retry-After": str(wait)} if wait is not None else None
        return error_response(exc.http_status, exc.code, exc.message, request, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            400, "invalid_input", describe_validation_errors(exc.errors()), request
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        code = HTTP_CODES.get(status, "invalid_input" if status < 500 else "unavailable")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if status == 404 and message == "Not Found":
            message = "no such route; see /docs for the API"
        elif message == _UNPARSABLE:
            message = "the request body is not valid JSON (or is nested too deeply)"
        headers = dict(exc.headers or {})
        if status == 405:
            headers["Allow"] = allowed_methods(request)
            message = f"method {request.method} not allowed here; use {headers['Allow']}"
        return error_response(status, code, message, request, headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"error": type(exc).__name__})
        return error_response(
            500, "internal_error", "internal error; the event was logged", request
        )
