"""Errors on console pages: an HTML page with the message (never a stack trace) or a redirect.

The API's JSON handlers stay for every other path; ``install_console_errors`` wraps them so a
console path gets ``error.html`` (or JSON when the page's script asked for JSON), and a missing
session becomes a redirect to ``/login``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from childguard.api.errors import describe_validation_errors
from childguard.errors import ChildguardError
from childguard.web.context import SignInRequired, anonymous_page, sign_in_redirect

log = logging.getLogger("childguard.web")

#: Paths served by the console (everything else keeps the API's JSON errors).
CONSOLE_PREFIXES = (
    "/login",
    "/logout",
    "/queue",
    "/cases",
    "/reports",
    "/wellness",
    "/account",
    "/admin",
    "/statistics",
    "/console/",
)

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_console_path(path: str) -> bool:
    """Whether ``path`` is one of the console's."""
    return path == "/" or path.startswith(CONSOLE_PREFIXES)


def _status_and_message(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, ChildguardError):
        return exc.http_status, exc.code, exc.message
    if isinstance(exc, RequestValidationError):
        return 400, "invalid_input", describe_validation_errors(exc.errors())
    if isinstance(exc, StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404:
            message = "there is no such page"
        return exc.status_code, "http_error", message
    log.error("unhandled console error", extra={"error": type(exc).__name__})
    return 500, "internal_error", "something went wrong on our side; the event was logged"


def console_error(request: Request, exc: Exception) -> Response:
    """The console's answer to ``exc``."""
    if isinstance(exc, SignInRequired):
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, 401)
        return sign_in_redirect(request)
    status, code, message = _status_and_message(exc)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": {"code": code, "message": message}}, status)
    try:
        page = anonymous_page(request)
        return page.render(
            "error.html", status_code=status, status=status, message=message, code=code
        )
    except Exception:  # the error page itself failed: a plain answer, still no trace
        log.error("console error page failed", extra={"error": type(exc).__name__})
        return Response("error", status_code=status, media_type="text/plain")


def install_console_errors(app: FastAPI) -> None:
    """Wrap the app's handlers so console paths get HTML pages."""
    for exc_type in (ChildguardError, RequestValidationError, StarletteHTTPException, Exception):
        previous = app.exception_handlers.get(exc_type)

        def make(previous: Handler | None) -> Handler:
            async def handle(request: Request, exc: Exception) -> Response:
                if is_console_path(request.url.path) or previous is None:
                    return console_error(request, exc)
                return await previous(request, exc)

            return handle

        app.add_exception_handler(exc_type, make(previous))  # type: ignore[arg-type]
