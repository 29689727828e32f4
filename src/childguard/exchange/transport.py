"""The HTTP client the exchange uses, apart from the adapters that speak each partner's API.

``HttpClient`` is the small interface the adapters need; ``HttpxClient`` implements it over
httpx2. Transport failures become ``PartnerUnavailable`` (the caller decides on retries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2

from childguard.exchange.errors import PartnerUnavailable


@dataclass(frozen=True)
class HttpResponse:
    """What came back: status, headers (lower-case names) and the raw body."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        """A header's value, or ``""``."""
        return self.headers.get(name.lower(), "")


class HttpClient(Protocol):
    """The requests an exchange makes."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> HttpResponse:
        """Send one request and return the response (any status); transport errors raise
        ``PartnerUnavailable``."""
        ...


class HttpxClient:
    """``HttpClient`` over one pooled ``httpx2.Client`` with a per-request timeout."""

    def __init__(self, timeout: float = 30.0, auth: tuple[str, str] | None = None) -> None:
        self._client = httpx2.Client(timeout=timeout, auth=auth, follow_redirects=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> HttpResponse:
        """Send one request; connection errors and timeouts raise ``PartnerUnavailable``."""
        try:
            response = self._client.request(
                method,
                url,
                params=dict(params or {}),
                headers=dict(headers or {}),
                json=json,
                content=content,
            )
        except httpx2.HTTPError as exc:
            raise PartnerUnavailable(
                f"{method} {_safe_url(url)} failed: {type(exc).__name__}"
            ) from None
        return HttpResponse(
            response.status_code,
            response.content,
            {k.lower(): v for k, v in response.headers.items()},
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()


def _safe_url(url: str) -> str:
    """The URL without query string (tokens never go into messages)."""
    return url.split("?", 1)[0][:200]
