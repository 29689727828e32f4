"""One ASGI middleware for every request: request id, body-size limit, timeout and metrics.

Written as plain ASGI (not ``BaseHTTPMiddleware``) so uploads stream through untouched and the
per-request cost stays in microseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from childguard.api.metrics import Metrics
from childguard.logs import request_id_var

log = logging.getLogger("childguard.api")
_RID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when the body passes the limit (rendered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"request body over {limit} bytes; the upload limit is CHILDGUARD_MAX_UPLOAD_BYTES",
        )


class ServiceMiddleware:
    """Request ids, a body limit, a timeout and Prometheus metrics around the app."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int, timeout: float) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _RID_OK.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = [0]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                await _send_error(
                    send_wrapper, 413, "too_large", BodyTooLarge(self.max_body).detail
                )
                return
            # asyncio.timeout, not wait_for: no extra task per request
            async with asyncio.timeout(self.timeout):
                await self.app(scope, limited_receive, send_wrapper)
        except TimeoutError:
            if status[0] == 0:
                await _send_error(
                    send_wrapper,
                    503,
                    "timeout",
                    f"the request took longer than {self.timeout:g} s "
                    "(CHILDGUARD_REQUEST_TIMEOUT_SECONDS); try again or send a smaller file",
                )
        except BodyTooLarge as exc:
            if status[0] == 0:
                await _send_error(send_wrapper, 413, "too_large", str(exc.detail))
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(template, method, str(status[0] or 500)).inc()
            self.metrics.latency.labels(template, method).observe(elapsed)
            log.info(
                "request",
                extra={
                    "route": template,
                    "method": method,
                    "status": status[0] or 500,
                    "ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
