"""Webhook events into the durable outbox (the entry point the services call).

Fan-out happens here, at enqueue time: one outbox message per webhook of the organisation
subscribed to the event type, each with its own retries, delivery log and dead-letter state;
all carry the same body, whose ``id`` lets a receiver drop repeats. An event no webhook
subscribes to is not stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.errors import InvalidInput
from childguard.outbox import store
from childguard.store.models import Webhook, utcnow
from childguard.webhooks.events import EVENT_TYPES

#: The outbox ``kind`` of webhook deliveries.
KIND = "webhook"


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def event_body(
    event_id: str, event_type: str, created_at: datetime, data: Mapping[str, object]
) -> str:
    """The JSON body delivered: ``{"id", "type", "created_at", "data"}``."""
    return json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "data": dict(data),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
    )


def subscribers(session: Session, org_id: int, event_type: str) -> list[int]:
    """Ids of ``org_id``'s webhooks subscribed to ``event_type``."""
    with session.no_autoflush:  # the caller's pending rows need not be written for this read
        rows = session.execute(
            select(Webhook.id, Webhook.events).where(Webhook.org_id == org_id).order_by(Webhook.id)
        ).all()
    return [hook_id for hook_id, events in rows if event_type in events.split(",")]


def enqueue_event(
    session: Session,
    org_id: int,
    event_type: str,
    data: Mapping[str, object],
    *,
    webhooks: Sequence[tuple[int, str]] | None = None,
) -> str:
    """Queue ``event_type`` with ``data`` for ``org_id``'s webhooks in the caller's transaction.

    Returns the event's unique id (the ``id`` field of the delivered body). The event is
    delivered only if the caller's transaction commits. An unknown event type or data that is
    not JSON raises ``InvalidInput``. ``webhooks`` (id, comma-separated events) are the
    organisation's webhooks when the caller has just read them in its transaction; otherwise
    they are read here.
    """
    if event_type not in EVENT_TYPES:
        raise InvalidInput(
            f"unknown event type {event_type[:60]!r}: use one of {', '.join(EVENT_TYPES)}"
        )
    event_id = f"evt_{uuid.uuid4().hex}"
    created = utcnow()
    try:
        body = event_body(event_id, event_type, created, data)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"event data of {event_type} is not JSON: {exc}") from None
    if webhooks is None:
        targets = subscribers(session, org_id, event_type)
    else:
        targets = [hook_id for hook_id, events in webhooks if event_type in events.split(",")]
    if targets:
        store.enqueue(
            session,
            kind=KIND,
            org_id=org_id,
            destination_ids=targets,
            message_id=event_id,
            topic=event_type,
            payload=body,
            now=created,
        )
    return event_id
