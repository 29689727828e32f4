"""The handlers a server's outbox worker runs, one per message kind (the manifest of kinds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from childguard.config import Settings
from childguard.outbox.messages import Handler
from childguard.outbox.store import Outcome
from childguard.outbox.worker import OutboxWorker
from childguard.store.db import Database


def handlers(db: Database, settings: Settings) -> dict[str, Handler]:
    """Every kind of message this deployment delivers and its handler."""
    from childguard.stats.delivery import SubmissionHandler
    from childguard.stats.submission import OUTBOX_KIND as STATS_SUBMISSION
    from childguard.webhooks.delivery import WebhookHandler
    from childguard.webhooks.outbox import KIND as WEBHOOK

    return {
        WEBHOOK: WebhookHandler(
            db,
            allow_private=settings.webhook_allow_private,
            timeout=settings.webhook_timeout_seconds,
        ),
        STATS_SUBMISSION: SubmissionHandler(settings.stats_ministry_key),
    }


def build_worker(
    db: Database, settings: Settings, on_outcome: Callable[[Outcome], None] | None = None
) -> OutboxWorker:
    """An outbox worker configured from ``settings`` (not started)."""
    return OutboxWorker(
        db,
        handlers(db, settings),
        concurrency=settings.outbox_concurrency,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        retry_window=timedelta(hours=settings.outbox_retry_hours),
        poll_seconds=settings.outbox_poll_seconds,
        on_outcome=on_outcome,
    )
