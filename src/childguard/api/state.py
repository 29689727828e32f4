"""Per-app runtime state: database, matcher, change poller and small caches."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from childguard import audit_checkpoints
from childguard.api.metrics import Metrics
from childguard.auth import Principal, authenticate
from childguard.config import Settings
from childguard.errors import RateLimited, Unauthenticated
from childguard.exchange import accounts, feedback, subscriptions
from childguard.exchange.transport import HttpClient, HttpxClient
from childguard.media.banks import visible_bank_ids
from childguard.media.matcher import Matcher
from childguard.outbox.worker import OutboxWorker
from childguard.ratelimit import RateLimiter
from childguard.store.db import Database

log = logging.getLogger("childguard.api")
_TOO_MANY_FAILURES = (
    "too many failed authentications from your address (CHILDGUARD_AUTH_FAILURE_LIMIT); "
    "retry in {} s"
)


class AuthCache:
    """Authenticated keys for a couple of seconds, so a burst of requests costs one lookup.

    Keyed by the SHA-256 of the presented key; a revoked key stops working within ``ttl``.
    """

    def __init__(self, ttl: float = 2.0, max_size: int = 10000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._items: dict[str, tuple[float, Principal]] = {}

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def get(self, token: str) -> Principal | None:
        """The cached principal for ``token`` if still fresh."""
        hit = self._items.get(self._key(token))
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, principal: Principal) -> None:
        """Remember ``principal`` for ``token``."""
        if len(self._items) >= self.max_size:
            self._items.clear()
        self._items[self._key(token)] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        """Forget everything (after a key is revoked in this process)."""
        self._items.clear()


@dataclass
class AppState:
    """Everything a request needs besides its own input; one per app (per worker process)."""

    settings: Settings
    db: Database
    matcher: Matcher
    metrics: Metrics
    text_engine: Any = None
    #: The hotline report worker (``childguard.reports.worker.ReportWorker``) once started.
    report_worker: Any = None
    started_at: float = field(default_factory=time.time)
    auth_cache: AuthCache = field(default_factory=AuthCache)
    #: Threads for blocking work of the lean route handlers (hashing, index and database reads).
    workers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(thread_name_prefix="childguard-work")
    )
    _visible: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _poller: threading.Thread | None = None
    _feed_poller: threading.Thread | None = None
    _client: HttpClient | None = None
    #: One feed sync at a time in this process: the poller and an on-demand sync of the same
    #: subscription would otherwise both fetch and verify every page (only one can apply it).
    _feed_sync_lock: threading.Lock = field(default_factory=threading.Lock)
    #: Delivers the durable outbox (webhooks) on its own threads; None when turned off.
    outbox: OutboxWorker | None = None
    last_poll_error: str | None = None
    last_feed_poll_error: str | None = None
    _last_checkpoint: float = field(default_factory=time.monotonic)
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.db)

    def visible_banks(self, org_id: int) -> frozenset[int]:
        """Bank ids ``org_id`` may match against, cached until the next index change."""
        cached = self._visible.get(org_id)
        if cached is not None and cached[0] == self.matcher.last_seq:
            return cached[1]
        with self.db.session() as session:
            ids = frozenset(visible_bank_ids(session, org_id))
        self._visible[org_id] = (self.matcher.last_seq, ids)
        return ids

    def authenticate(self, header: str, client: str = "") -> Principal:
        """The caller named by an ``Authorization: Bearer <key>`` header value.

        Raises ``Unauthenticated`` when it is missing, malformed, unknown, revoked or expired,
        and ``RateLimited`` once ``client`` (the caller's address) failed too often in the
        window, or the key made too many requests. Keys are cached for a couple of seconds.
        """
        self.check_address(client)
        try:
            principal = self._authenticate(header)
        except Unauthenticated:
            self.count_failure(client)
            raise
        self.admit(principal)
        return principal

    def check_address(self, client: str) -> None:
        """Refuse an address that failed authentication too often (``RateLimited``)."""
        if self.settings.auth_failure_limit:
            wait = self.limiter.blocked_for(f"auth:{client}")
            if wait:
                raise RateLimited(_TOO_MANY_FAILURES.format(int(wait) + 1), wait)

    def count_failure(self, client: str) -> None:
        """Count a failed authentication of ``client``; ``RateLimited`` past the limit."""
        limit = self.settings.auth_failure_limit
        if limit:
            wait = self.limiter.hit(
                f"auth:{client}", limit, self.settings.rate_limit_window_seconds
            )
            if wait:
                raise RateLimited(_TOO_MANY_FAILURES.format(int(wait) + 1), wait)

    def admit(self, principal: Principal) -> None:
        """Count a request of ``principal``'s key; ``RateLimited`` past ``key_request_limit``."""
        limit = self.settings.key_request_limit
        if limit and principal.key_id is not None:
            wait = self.limiter.hit(
                f"key:{principal.key_id}",
                limit,
                self.settings.rate_limit_window_seconds,
                self.settings.rate_limit_sync_seconds,
            )
            if wait:
                raise RateLimited(
                    f"this key made over {limit} requests in "
                    f"{self.settings.rate_limit_window_seconds:g} s "
                    f"(CHILDGUARD_KEY_REQUEST_LIMIT); retry in {int(wait) + 1} s",
                    wait,
                )

    def _authenticate(self, header: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if not header:
            raise Unauthenticated("missing API key: send 'Authorization: Bearer <key>'")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("malformed Authorization header: use 'Bearer <key>'")
        principal = self.auth_cache.get(token)
        if principal is None:
            with self.db.session() as session:
                principal = authenticate(session, token)
            self.auth_cache.put(token, principal)
        return principal

    def cached_principal(self, header: str, client: str = "") -> Principal | None:
        """The caller of a well-formed bearer header when its key is cached, else None.

        Never reads the database (except a per-key rate-limit sync, at most once per
        ``rate_limit_sync_seconds``); on None, call ``authenticate``.
        """
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        principal = self.auth_cache.get(token)
        if principal is not None:
            self.check_address(client)
            self.admit(principal)
        return principal

    def apply_changes(self) -> None:
        """Apply pending bank changes now (called after a change made by this process)."""
        if self.matcher.poll():
            self._visible.clear()

    def maybe_checkpoint(self) -> None:
        """Sign an audit checkpoint when ``audit_checkpoint_seconds`` passed since the last."""
        every = self.settings.audit_checkpoint_seconds
        now = time.monotonic()
        if every <= 0 or now - self._last_checkpoint < every:
            return
        self._last_checkpoint = now
        with self.db.session() as session:
            audit_checkpoints.make_checkpoint(session, self.settings)

    def start_poller(self) -> None:
        """Follow the change feed in a daemon thread every ``index_poll_seconds``."""

        def run() -> None:
            while not self._stop.wait(self.settings.index_poll_seconds):
                try:
                    self.apply_changes()
                    self.matcher.maybe_compact()
                    self.matcher.maybe_save()
                    self.maybe_checkpoint()
                    self.last_poll_error = None
                except Exception as exc:  # keep serving; readiness reports the failure
                    self.last_poll_error = type(exc).__name__
                    log.warning("index poll failed", extra={"error": type(exc).__name__})

        self._poller = threading.Thread(target=run, name="childguard-index-poll", daemon=True)
        self._poller.start()

    def exchange_client(self) -> HttpClient:
        """The HTTP client for publishers and partner APIs, made on first use."""
        if self._client is None:
            self._client = HttpxClient(timeout=self.settings.feed_timeout_seconds)
        return self._client

    def sync_subscription(self, sub_id: int) -> subscriptions.SyncResult:
        """Sync one subscription now (after a poll in progress), count the outcome and apply
        its bank changes."""
        with self._feed_sync_lock:
            result = subscriptions.sync(
                self.db,
                self.settings,
                self.exchange_client(),
                sub_id,
                apply_signals=accounts.apply_signals_page,
            )
        self._count(result)
        self.apply_changes()
        return result

    def _count(self, result: subscriptions.SyncResult) -> None:
        if result.pages:
            self.metrics.feed_pages.labels("applied").inc(result.pages)
        if result.status in ("refused", "unavailable"):
            self.metrics.feed_pages.labels(result.status).inc()

    def poll_feeds(self) -> None:
        """Sync every subscription that is due and send pending feedback (one poll)."""
        client = self.exchange_client()
        with self._feed_sync_lock:
            results = subscriptions.sync_due(
                self.db, self.settings, client, apply_signals=accounts.apply_signals_page
            )
        for result in results:
            self._count(result)
        feedback.deliver(self.db, client)
        self.apply_changes()

    def start_feed_poller(self) -> None:
        """Poll subscribed feeds every ``feed_poll_seconds`` in a daemon thread (0: never)."""
        interval = self.settings.feed_poll_seconds
        if interval <= 0:
            return

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self.poll_feeds()
                    self.last_feed_poll_error = None
                except Exception as exc:  # keep serving; the subscriptions show the failure
                    self.last_feed_poll_error = type(exc).__name__
                    log.warning("feed poll failed", extra={"error": type(exc).__name__})

        self._feed_poller = threading.Thread(target=run, name="childguard-feed-poll", daemon=True)
        self._feed_poller.start()

    def stop(self) -> None:
        """Stop the pollers and the outbox worker and close database connections."""
        self._stop.set()
        if self.outbox is not None:
            self.outbox.stop()
        self.workers.shutdown(wait=False, cancel_futures=True)
        if self._poller is not None:
            self._poller.join(timeout=5)
        if self._feed_poller is not None:
            self._feed_poller.join(timeout=5)
        if isinstance(self._client, HttpxClient):
            self._client.close()
        try:
            self.matcher.maybe_save(min_changes_age=0)
        except Exception as exc:  # shutting down: the next start catches up from the feed
            log.warning("index snapshot not saved at shutdown", extra={"error": type(exc).__name__})
        self.db.dispose()
