"""The outbox handler of kind ``webhook``: check the URL again, sign, POST."""

from __future__ import annotations

import http.client
import ssl
import threading
import time
from dataclasses import dataclass

from childguard import __version__
from childguard.outbox.messages import ClaimedMessage, DeliveryResult
from childguard.store.db import Database
from childguard.store.models import Webhook
from childguard.webhooks.addresses import Resolver, UnsafeUrl, resolve_target
from childguard.webhooks.signing import SIGNATURE_HEADER, signature_header
from childguard.webhooks.transport import post


@dataclass(frozen=True)
class _Hook:
    url: str
    secret: str


class WebhookHandler:
    """Delivers webhook messages: one signed POST each, 2xx is success, anything else a retry.

    The webhook's URL and secret are cached for ``cache_seconds`` (a changed or deleted webhook
    is seen within that time). The URL's host is resolved and checked at every delivery.
    ``tls`` replaces the system's trusted authorities for HTTPS (tests, private CAs).
    """

    def __init__(
        self,
        db: Database,
        *,
        allow_private: bool,
        timeout: float,
        resolver: Resolver | None = None,
        cache_seconds: float = 5.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.db = db
        self.allow_private = allow_private
        self.timeout = timeout
        self.resolver = resolver
        self.cache_seconds = cache_seconds
        self.tls = tls
        self._cache: dict[int, tuple[float, _Hook | None]] = {}
        self._lock = threading.Lock()

    def _hook(self, webhook_id: int) -> _Hook | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(webhook_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.db.session() as session:
            row = session.get(Webhook, webhook_id)
            hook = None if row is None else _Hook(row.url, row.secret)
        with self._lock:
            self._cache[webhook_id] = (now + self.cache_seconds, hook)
        return hook

    def __call__(self, message: ClaimedMessage) -> DeliveryResult:
        """Deliver ``message`` to its webhook; network faults become failed results."""
        hook = None if message.destination_id is None else self._hook(message.destination_id)
        if hook is None:
            return DeliveryResult.failed("webhook deleted", retry=False)
        try:
            target = resolve_target(
                hook.url, allow_private=self.allow_private, resolver=self.resolver
            )
        except UnsafeUrl as exc:
            return DeliveryResult.failed(f"refused: {exc.message}")
        body = message.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"childguard-webhooks/{__version__}",
            "X-Childguard-Event-Id": message.message_id,
            "X-Childguard-Event-Type": message.topic,
            "X-Childguard-Delivery": str(message.id),
            "X-Childguard-Attempt": str(message.attempt),
            SIGNATURE_HEADER: signature_header(hook.secret, body),
        }
        try:
            status = post(target, body, headers, self.timeout, self.tls)
        except TimeoutError:
            return DeliveryResult.failed(f"timed out after {self.timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            return DeliveryResult.failed(f"connection failed: {reason}")
        if 200 <= status < 300:
            return DeliveryResult(ok=True, status_code=status)
        return DeliveryResult.failed(f"HTTP {status}", status_code=status)
