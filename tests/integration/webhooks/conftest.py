"""Fixtures for webhook tests: an organisation, webhooks on a local receiver, a worker clock."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import datetime, timedelta

from childguard.audit import Actor
from childguard.outbox.worker import OutboxWorker
from childguard.store.db import Database
from childguard.store.models import utcnow
from childguard.webhooks.addresses import Resolver
from childguard.webhooks.delivery import WebhookHandler
from childguard.webhooks.outbox import KIND
from childguard.webhooks.subscriptions import create_webhook

ACTOR = Actor(None, None, "test")


class Clock:
    """A settable clock for the worker: frozen once first read, a little after the real now.

    It starts on first read, not when made, so that events a test queues before the worker
    first looks are due however slowly a loaded machine gets there; the lead covers events
    queued just after.
    """

    def __init__(self) -> None:
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        """The clock's time, fixed on first read until set or advanced."""
        if self._now is None:
            self._now = utcnow() + timedelta(seconds=2)
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = value

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now = self.now + timedelta(**delta)


def add_hook(
    db: Database,
    org_id: int,
    url: str,
    events: list[str] | None = None,
    resolver: Resolver | None = None,
) -> tuple[int, str]:
    """A webhook (private addresses allowed) and its secret."""
    with db.session(write=True) as s:
        new = create_webhook(
            s,
            org_id,
            url,
            events or ["case.opened", "case.decided"],
            allow_private=True,
            actor=ACTOR,
            resolver=resolver,
        )
        return new.webhook.id, new.secret


def make_worker(
    db: Database,
    clock: Callable[[], datetime],
    *,
    allow_private: bool = True,
    resolver: Resolver | None = None,
    timeout: float = 5.0,
    tls: ssl.SSLContext | None = None,
    **kwargs: object,
) -> OutboxWorker:
    """A worker delivering webhooks with a short timeout and no handler cache."""
    handler = WebhookHandler(
        db,
        allow_private=allow_private,
        timeout=timeout,
        resolver=resolver,
        cache_seconds=0,
        tls=tls,
    )
    return OutboxWorker(db, {KIND: handler}, clock=clock, **kwargs)  # type: ignore[arg-type]
