"""Sending submissions to the ministry through the durable outbox, now or on a schedule."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx2
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.config import Settings
from childguard.errors import ConfigurationError, InvalidInput
from childguard.outbox import store as outbox
from childguard.outbox.messages import ClaimedMessage, DeliveryResult
from childguard.periodic import Periodic
from childguard.stats.collect import collect
from childguard.stats.counts import check_month
from childguard.stats.submission import OUTBOX_KIND, build
from childguard.store.db import Database
from childguard.store.models import Org, OutboxMessage, utcnow

log = logging.getLogger(__name__)
ROUTE = "/v1/national/submissions"


def previous_month(today: date) -> str:
    """``YYYY-MM`` of the month before ``today``."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def queue(
    session: Session,
    settings: Settings,
    org: Org,
    kind: str,
    period: str,
    body: dict[str, Any],
    url: str | None = None,
) -> OutboxMessage:
    """Sign ``body`` and queue it for the ministry at ``url`` (default the configured one)."""
    target = (url or settings.stats_ministry_url).rstrip("/")
    if not target.startswith(("http://", "https://")):
        raise InvalidInput(
            "no ministry URL: pass --to https://ministry.example or set "
            "CHILDGUARD_STATS_MINISTRY_URL"
        )
    signed = build(session, settings.data_dir, org, kind, period, body)
    payload = json.dumps({"url": target + ROUTE, "submission": signed}, ensure_ascii=False)
    (row,) = outbox.enqueue(
        session,
        kind=OUTBOX_KIND,
        org_id=org.id,
        destination_ids=[None],
        message_id=f"{kind}:{org.name}:{period}:{signed['signature'][:16]}",
        topic=f"{kind}.{period}",
        payload=payload,
    )
    session.flush()
    return row


def queue_statistics(
    session: Session, settings: Settings, org: Org, period: str, url: str | None = None
) -> OutboxMessage:
    """Queue ``org``'s counts of ``period`` for the ministry."""
    counts = collect(session, org.id)
    body = {check_month(period): counts.get(period, {})}
    return queue(session, settings, org, "stats", period, body, url)


@dataclass
class SubmissionHandler:
    """Outbox handler: POST the signed submission with this organisation's ministry key."""

    api_key: str
    timeout: float = 30.0

    def __call__(self, message: ClaimedMessage) -> DeliveryResult:
        """Deliver one submission; 2xx is success, 4xx (refused) is not retried."""
        data = json.loads(message.payload)
        try:
            response = httpx2.post(
                data["url"],
                json=data["submission"],
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout,
            )
        except httpx2.HTTPError as exc:
            return DeliveryResult.failed(type(exc).__name__)
        if 200 <= response.status_code < 300:
            return DeliveryResult(ok=True, status_code=response.status_code)
        reason = ""
        try:
            reason = str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            reason = f"HTTP {response.status_code}"
        retry = response.status_code >= 500 or response.status_code in (401, 408, 429)
        return DeliveryResult.failed(reason, status_code=response.status_code, retry=retry)


def require_ministry_key(settings: Settings) -> str:
    """The API key the ministry issued to this organisation, or ``ConfigurationError``."""
    if not settings.stats_ministry_key:
        raise ConfigurationError(
            "set CHILDGUARD_STATS_MINISTRY_KEY to the API key the ministry issued to this "
            "organisation"
        )
    return settings.stats_ministry_key


def deliver_now(db: Database, settings: Settings, message_id: int) -> DeliveryResult:
    """Deliver a queued submission at once (the CLI); settles the outbox row either way."""
    require_ministry_key(settings)
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        claimed = ClaimedMessage(
            row.id,
            row.kind,
            row.org_id,
            row.destination_id,
            row.message_id,
            row.topic,
            row.payload,
            row.attempts + 1,
        )
    result = SubmissionHandler(settings.stats_ministry_key)(claimed)
    with db.session(write=True) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        row.attempts += 1
        row.last_status_code = result.status_code
        if result.ok:
            row.status, row.delivered_at, row.last_error = outbox.DELIVERED, utcnow(), ""
        else:
            row.last_error = result.error
            if not result.retry:
                row.status = outbox.DEAD
    return result


class SubmitSchedule:
    """A daemon thread that queues last month's statistics once, on ``stats_submit_day``."""

    def __init__(self, db: Database, settings: Settings, interval: float = 3600.0) -> None:
        self.db = db
        self.settings = settings
        self.interval = interval
        self._periodic = Periodic(
            self.run_once, interval, name="childguard-stats-submit", first_now=True
        )

    def run_once(self, now: datetime | None = None) -> int:
        """Queue last month's statistics of the server's organisation once; returns how many."""
        today = (now or datetime.now(UTC)).date()
        if self.settings.stats_submit_day == 0 or today.day < self.settings.stats_submit_day:
            return 0
        period = previous_month(today)
        queued = 0
        with self.db.session(write=True) as session:
            org = session.scalar(select(Org).where(Org.name == self.settings.org))
            if org is None:
                return 0
            already = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.kind == OUTBOX_KIND,
                    OutboxMessage.org_id == org.id,
                    OutboxMessage.topic == f"stats.{period}",
                )
            )
            if already is None:
                queue_statistics(session, self.settings, org, period)
                queued += 1
        return queued

    def start(self) -> bool:
        """Start when a ministry URL and key are configured; returns whether it started."""
        if not (self.settings.stats_ministry_url and self.settings.stats_ministry_key):
            return False
        if self.settings.stats_submit_day == 0:
            return False
        return self._periodic.start()

    def stop(self) -> None:
        """Stop the thread."""
        self._periodic.stop()
