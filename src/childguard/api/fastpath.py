"""Lean ASGI handlers for the hot routes: scanning and lookups without FastAPI's machinery.

``POST /v1/scan``, ``POST /v1/lookup``, ``GET /m/lookup`` and ``POST /m/lookup`` are what a
platform calls for every upload. FastAPI spends about as long routing, solving dependencies,
validating and re-encoding such a request as the lookup itself takes, so ``FastRoutes`` answers
these four directly: same authentication, permissions, validation (the same pydantic models),
work functions, response shapes and errors as the FastAPI routes, which stay registered for the
OpenAPI document and serve everything when ``CHILDGUARD_FAST_ROUTES`` is off. Every other
request passes through to FastAPI untouched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import partial
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from childguard.api import hma
from childguard.api.errors import EMPTY_BODY, HMA_PREFIXES, describe_validation_errors
from childguard.api.middleware import BodyTooLarge
from childguard.api.params import check_query_names
from childguard.api.permissions import Permission, check_permission
from childguard.api.routes.scan import SCAN_RULES, case_request, lookup_hashes, scan_received
from childguard.api.schemas.scan import LookupRequest
from childguard.api.state import AppState
from childguard.api.uploads import read_upload
from childguard.auth import Principal
from childguard.errors import ChildguardError, InvalidInput, retry_after

log = logging.getLogger("childguard.api")

Headers = Mapping[bytes, bytes]
Handler = Callable[[AppState, Principal, Scope, Headers, Receive], Awaitable[Any]]

_BOOL = TypeAdapter(bool)
_JSON_HEADERS = [(b"content-type", b"application/json")]


class FastRoutes:
    """ASGI middleware serving the hot routes itself and passing everything else to ``app``.

    ``api`` is the FastAPI application, whose state (``api.state.cg``) the handlers use.
    """

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._routes: dict[tuple[str, str], tuple[Permission, Handler]] = {
            ("POST", "/v1/scan"): (Permission.SCAN, _scan),
            ("POST", "/v1/lookup"): (Permission.LOOKUP, _lookup),
            ("GET", "/m/lookup"): (Permission.LOOKUP, _hma_lookup_get),
            ("POST", "/m/lookup"): (Permission.SCAN, _hma_lookup_post),
        }
        # What names a route in metrics and logs (``scope["route"].path``, as Starlette sets it).
        self._names = {key: SimpleNamespace(path=key[1]) for key in self._routes}
        self._known: dict[tuple[str, str], frozenset[str]] = {}

    def _query_names(self, key: tuple[str, str]) -> frozenset[str]:
        """Query parameters the FastAPI route of ``key`` takes (from the OpenAPI document)."""
        known = self._known.get(key)
        if known is None:
            operation = self.api.openapi()["paths"][key[1]][key[0].lower()]
            known = frozenset(
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
            )
            self._known[key] = known
        return known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] == "http":
            key = (scope["method"], scope["path"])
            entry = self._routes.get(key)
            state: AppState | None = getattr(self.api.state, "cg", None)
            if entry is not None and state is not None and state.settings.fast_routes:
                scope["route"] = self._names[key]
                known = self._query_names(key)
                await _serve(state, entry[0], entry[1], scope, receive, send, known)
                return
        await self.app(scope, receive, send)


async def _serve(
    state: AppState,
    permission: Permission,
    handler: Handler,
    scope: Scope,
    receive: Receive,
    send: Send,
    known_query: frozenset[str],
) -> None:
    headers: dict[bytes, bytes] = dict(scope["headers"])
    extra: list[tuple[bytes, bytes]] = []
    try:
        # as the framework routes do (an app-wide dependency, solved before authentication)
        check_query_names(_query(scope).keys(), known_query)
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        client = scope.get("client") or ("", 0)
        principal = state.cached_principal(authorization, client[0])
        if principal is None:  # reading the key from the database must not block the loop
            principal = await _in_thread(state, state.authenticate, authorization, client[0])
        check_permission(principal, permission)
        result = await handler(state, principal, scope, headers, receive)
        body = (
            result.model_dump_json().encode() if isinstance(result, BaseModel) else _dumps(result)
        )
        status = 200
    except ChildguardError as exc:
        status, body = exc.http_status, _error_body(scope, exc.code, exc.message)
        wait = retry_after(exc)
        if wait is not None:
            extra.append((b"retry-after", str(wait).encode()))
    except ClientDisconnect:
        return  # nobody is left to answer
    except BodyTooLarge:
        raise  # answered 413 by the service middleware, which enforces the limit
    except Exception as exc:
        log.error("unhandled error", extra={"error": type(exc).__name__})
        status = 500
        body = _error_body(scope, "internal_error", "internal error; the event was logged")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _in_thread(state: AppState, fn: Callable[..., Any], *args: Any) -> Any:
    """Run blocking work on the app's worker threads (cheaper than anyio's thread hand-off)."""
    return await asyncio.get_running_loop().run_in_executor(state.workers, partial(fn, *args))


def _dumps(content: Any) -> bytes:
    # Starlette's JSONResponse encoding, so both ways in answer byte for byte alike.
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()


def _error_body(scope: Scope, code: str, message: str) -> bytes:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if str(scope["path"]).startswith(HMA_PREFIXES):
        body["message"] = message
    return _dumps(body)


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _whole_body(receive: Receive) -> bytes:
    return b"".join([c async for c in _body_chunks(receive)])


def _query(scope: Scope) -> dict[str, str]:
    """Query parameters, the last value winning as in Starlette."""
    raw = scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(raw, keep_blank_values=True))


async def _scan(
    state: AppState, principal: Principal, scope: Scope, headers: Headers, receive: Receive
) -> Any:
    filename = headers.get(b"x-filename")
    upload = await read_upload(
        _body_chunks(receive),
        headers.get(b"content-type", b"").decode("latin-1"),
        filename.decode("utf-8", "replace") if filename is not None else None,
        state.settings,
        SCAN_RULES,
    )
    with upload.buffer:
        key = headers.get(b"idempotency-key")
        request_case = case_request(
            _query(scope), upload.extra_fields, key.decode("latin-1") if key is not None else None
        )
        return await _in_thread(state, scan_received, state, principal, upload, request_case)


async def _lookup(
    state: AppState, principal: Principal, scope: Scope, headers: Headers, receive: Receive
) -> Any:
    raw = await _whole_body(receive)
    if not raw:
        raise InvalidInput(EMPTY_BODY)
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidInput("the request body is not valid JSON") from None
    except RecursionError:
        raise InvalidInput("the request body is nested too deeply") from None
    try:
        # Python-mode validation of the parsed body, as FastAPI does (same messages).
        body = LookupRequest.model_validate(parsed, from_attributes=True)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_errors(exc.errors())) from None
    return await _in_thread(state, lookup_hashes, state, principal, body)


async def _hma_lookup_get(
    state: AppState, principal: Principal, scope: Scope, headers: Headers, receive: Receive
) -> Any:
    q = _query(scope)
    if "bypass_coinflip" in q:
        try:
            _BOOL.validate_python(q["bypass_coinflip"])
        except ValidationError as exc:
            raise InvalidInput(
                describe_validation_errors(exc.errors(), prefix="bypass_coinflip")
            ) from None
    return await _in_thread(
        state,
        hma.lookup_signal,
        state,
        principal,
        q.get("signal_type"),
        q.get("signal"),
        q.get("banks"),
        q.get("url"),
    )


async def _hma_lookup_post(
    state: AppState, principal: Principal, scope: Scope, headers: Headers, receive: Receive
) -> Any:
    q = _query(scope)
    upload = await read_upload(
        _body_chunks(receive),
        headers.get(b"content-type", b"").decode("latin-1"),
        None,
        state.settings,
        hma.UPLOAD_RULES,
    )
    with upload.buffer:
        return await _in_thread(
            state, hma.lookup_received, state, principal, upload, q.get("banks"), q.get("types")
        )
