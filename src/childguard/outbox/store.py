"""Writing, claiming and settling outbox messages.

Claims are leases: a worker marks due messages as its own until ``lease_until`` and settles
them after the attempt, so a worker killed mid-delivery loses nothing (the lease runs out and
another worker, or the restarted one, claims the message again: at-least-once). On PostgreSQL
the claim also reads with ``FOR UPDATE SKIP LOCKED``, so concurrent workers of several servers
never wait for or take the same rows; on SQLite the claim runs under the database's write lock.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from childguard.outbox.backoff import Backoff
from childguard.outbox.messages import ClaimedMessage, DeliveryResult
from childguard.store.db import Database
from childguard.store.models import OutboxAttempt, OutboxMessage, utcnow

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
CANCELLED = "cancelled"
STATUSES = (PENDING, DELIVERED, DEAD, CANCELLED)


def enqueue(
    session: Session,
    *,
    kind: str,
    org_id: int | None,
    destination_ids: Iterable[int | None],
    message_id: str,
    topic: str,
    payload: str,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Add one message per destination in the caller's transaction, due at once.

    Nothing is sent unless the caller's transaction commits.
    """
    at = now or utcnow()
    rows = [
        OutboxMessage(
            kind=kind,
            org_id=org_id,
            destination_id=dest,
            message_id=message_id,
            topic=topic,
            payload=payload,
            status=PENDING,
            attempts=0,
            created_at=at,
            retry_from=at,
            next_attempt_at=at,
            last_error="",
        )
        for dest in destination_ids
    ]
    session.add_all(rows)
    return rows


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )


def has_due(db: Database, now: datetime) -> bool:
    """Whether any message is due (a cheap read that takes no write lock)."""
    with db.session() as session:
        return session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1)) is not None


def backlog(db: Database) -> dict[str, int]:
    """How many messages are ``pending`` and ``dead`` (delivered ones are not counted)."""
    counts = dict.fromkeys((PENDING, DEAD), 0)
    with db.session() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_(list(counts)))
            .group_by(OutboxMessage.status)
        )
        for status, count in rows:
            counts[status] = int(count)
    return counts


def claim(
    db: Database, owner: str, limit: int, *, now: datetime, lease: timedelta
) -> list[ClaimedMessage]:
    """Lease up to ``limit`` due messages (oldest due first) to ``owner`` until ``now + lease``.

    Each claim counts as the start of an attempt (``attempts`` goes up by one).
    """
    with db.session(write=True) as session:
        query = (
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(
                lease_owner=owner,
                lease_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.org_id,
                OutboxMessage.destination_id,
                OutboxMessage.message_id,
                OutboxMessage.topic,
                OutboxMessage.payload,
                OutboxMessage.attempts,
            )
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        ).all()
        return [ClaimedMessage(*row) for row in rows]


@dataclass(frozen=True)
class Outcome:
    """One finished attempt waiting to be recorded."""

    message: ClaimedMessage
    result: DeliveryResult
    started_at: datetime
    duration_ms: int


def settle(
    db: Database,
    owner: str,
    outcomes: Sequence[Outcome],
    *,
    now: datetime,
    retry_window: timedelta,
    backoff: Backoff,
    rng: random.Random | None = None,
) -> None:
    """Record ``outcomes`` in one transaction: the delivery log, then each message's new state.

    A delivered message is done; a failed one is due again after a backoff delay, or dead when
    its retry window (from ``retry_from``) has passed or the handler said not to retry. A
    message whose lease ``owner`` lost (it ran out and another worker claimed it) keeps the
    other worker's state, and one cancelled meanwhile stays cancelled; the attempt is logged.
    """
    if not outcomes:
        return
    messages = cast(Table, OutboxMessage.__table__)
    with db.session(write=True) as session:
        session.execute(
            insert(cast(Table, OutboxAttempt.__table__)),
            [
                {
                    "outbox_id": o.message.id,
                    "attempt": o.message.attempt,
                    "started_at": o.started_at,
                    "duration_ms": o.duration_ms,
                    "status_code": o.result.status_code,
                    "ok": o.result.ok,
                    "error": o.result.error[:300],
                    "worker": owner[:64],
                }
                for o in outcomes
            ],
        )
        ids = [o.message.id for o in outcomes]
        retry_from: dict[int, datetime] = {
            row[0]: row[1]
            for row in session.execute(
                select(OutboxMessage.id, OutboxMessage.retry_from).where(OutboxMessage.id.in_(ids))
            )
        }
        changes: list[dict[str, object]] = []
        for o in outcomes:
            status, delivered_at, next_at = PENDING, None, now
            if o.result.ok:
                status, delivered_at = DELIVERED, now
            else:
                started = retry_from.get(o.message.id) or now
                if not o.result.retry or now - started >= retry_window:
                    status = DEAD
                else:
                    next_at = now + backoff.delay(o.message.attempt, rng)
            changes.append(
                {
                    "b_id": o.message.id,
                    "b_owner": owner,
                    "status": status,
                    "delivered_at": delivered_at,
                    "next_attempt_at": next_at,
                    "last_status_code": o.result.status_code,
                    "last_error": o.result.error[:300],
                }
            )
        # One statement executed for every row (executemany): a round trip per batch, not per row.
        session.execute(
            update(messages)
            .where(
                messages.c.id == bindparam("b_id"),
                messages.c.lease_owner == bindparam("b_owner"),
                messages.c.status == PENDING,
            )
            .values(
                status=bindparam("status"),
                delivered_at=bindparam("delivered_at"),
                next_attempt_at=bindparam("next_attempt_at"),
                last_status_code=bindparam("last_status_code"),
                last_error=bindparam("last_error"),
                lease_owner=None,
                lease_until=None,
            ),
            changes,
        )


def redeliver(session: Session, message: OutboxMessage, now: datetime | None = None) -> None:
    """Make a dead, cancelled or delivered message due now, with a fresh retry window."""
    at = now or utcnow()
    message.status = PENDING
    message.next_attempt_at = at
    message.retry_from = at
    message.lease_owner = None
    message.lease_until = None
