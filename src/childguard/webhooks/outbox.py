"""The durable outbox that every event for another system goes through.

Interface placeholder: the outbox table, delivery worker and signing land with the webhooks
work; until then events are given an id and not stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session


def enqueue_event(
    session: Session, org_id: int, event_type: str, data: Mapping[str, object]
) -> str:
    """Queue ``event_type`` with ``data`` for ``org_id``'s webhooks in the caller's transaction.

    Returns the event's unique id (the ``id`` field of the delivered body). The event is
    delivered only if the caller's transaction commits.
    """
    del session, org_id, event_type, data
    return f"evt_{uuid.uuid4().hex}"
