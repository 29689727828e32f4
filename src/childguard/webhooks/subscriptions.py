"""Managing an organisation's webhooks, their deliveries and redelivery (service functions).

Every function works within one organisation: another organisation's webhooks and deliveries
are ``NotFound``. Changes are audited without the secret; the audit names the URL's host only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.outbox import store
from childguard.store.models import OutboxAttempt, OutboxMessage, Webhook
from childguard.webhooks.addresses import Resolver, parse_url, resolve_target
from childguard.webhooks.events import check_event_types
from childguard.webhooks.outbox import KIND
from childguard.webhooks.signing import new_secret

#: Most webhooks one organisation may have.
MAX_WEBHOOKS_PER_ORG = 50


@dataclass(frozen=True)
class NewWebhook:
    """A webhook just added and its secret (shown this once)."""

    webhook: Webhook
    secret: str


def event_list(webhook: Webhook) -> list[str]:
    """The event types ``webhook`` subscribes to."""
    return [e for e in webhook.events.split(",") if e]


def create_webhook(
    session: Session,
    org_id: int,
    url: str,
    events: list[str],
    *,
    allow_private: bool,
    actor: Actor,
    description: str = "",
    resolver: Resolver | None = None,
) -> NewWebhook:
    """Add a webhook for ``org_id``; its URL is checked (``resolve_target``) before anything.

    Raises ``InvalidInput`` for a URL that is not http(s), does not resolve or resolves to an
    internal address (unless ``allow_private``), and for unknown event types.
    """
    url = url.strip()
    resolve_target(url, allow_private=allow_private, resolver=resolver)
    kinds = check_event_types(events)
    if len(description) > 200:
        raise InvalidInput("description is longer than 200 characters")
    count = len(list(session.scalars(select(Webhook.id).where(Webhook.org_id == org_id))))
    if count >= MAX_WEBHOOKS_PER_ORG:
        raise Conflict(f"an organisation may have at most {MAX_WEBHOOKS_PER_ORG} webhooks")
    secret = new_secret()
    hook = Webhook(
        org_id=org_id, url=url, events=",".join(kinds), secret=secret, description=description
    )
    session.add(hook)
    session.flush()
    audit.append(
        session,
        actor,
        "webhook.create",
        f"webhook:{hook.id}",
        {"host": parse_url(url)[1], "events": kinds},
    )
    return NewWebhook(hook, secret)


def list_webhooks(session: Session, org_id: int) -> list[Webhook]:
    """``org_id``'s webhooks, oldest first."""
    return list(
        session.scalars(select(Webhook).where(Webhook.org_id == org_id).order_by(Webhook.id))
    )


def get_webhook(session: Session, org_id: int, webhook_id: int) -> Webhook:
    """One of ``org_id``'s webhooks, or ``NotFound``."""
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.org_id != org_id:
        raise NotFound(f"no webhook {webhook_id}")
    return hook


def delete_webhook(session: Session, org_id: int, webhook_id: int, *, actor: Actor) -> Webhook:
    """Remove a webhook; its pending deliveries are cancelled (their log is kept)."""
    hook = get_webhook(session, org_id, webhook_id)
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == KIND,
            OutboxMessage.destination_id == hook.id,
            OutboxMessage.status == store.PENDING,
        )
        .values(status=store.CANCELLED, last_error="webhook deleted")
        .execution_options(synchronize_session=False)
    )
    session.delete(hook)
    session.flush()
    audit.append(session, actor, "webhook.delete", f"webhook:{webhook_id}", {})
    return hook


def list_deliveries(
    session: Session,
    org_id: int,
    webhook_id: int,
    *,
    status: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    """Deliveries of a webhook, newest first; ``status`` filters (``dead`` is the dead letters).

    ``before`` pages: pass the smallest id of the previous page.
    """
    get_webhook(session, org_id, webhook_id)
    if status is not None and status not in store.STATUSES:
        raise InvalidInput(f"unknown status {status[:30]!r}: use {', '.join(store.STATUSES)}")
    query = select(OutboxMessage).where(
        OutboxMessage.kind == KIND, OutboxMessage.destination_id == webhook_id
    )
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def get_delivery(
    session: Session, org_id: int, webhook_id: int, delivery_id: int
) -> tuple[OutboxMessage, list[OutboxAttempt]]:
    """One delivery of a webhook with its attempts (the delivery log), oldest attempt first."""
    get_webhook(session, org_id, webhook_id)
    message = session.get(OutboxMessage, delivery_id)
    if message is None or message.kind != KIND or message.destination_id != webhook_id:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
    attempts = list(
        session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.outbox_id == delivery_id)
            .order_by(OutboxAttempt.id)
        )
    )
    return message, attempts


def redeliver(
    session: Session,
    org_id: int,
    webhook_id: int,
    delivery_id: int,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> OutboxMessage:
    """Send a dead (or already delivered) delivery again now, with a fresh retry window.

    A delivery still pending is a ``Conflict`` (it is already being tried).
    """
    message, _ = get_delivery(session, org_id, webhook_id, delivery_id)
    if message.status == store.PENDING:
        raise Conflict(f"delivery {delivery_id} is still pending; it is retried automatically")
    store.redeliver(session, message, now)
    session.flush()
    audit.append(session, actor, "webhook.redeliver", f"delivery:{delivery_id}", {})
    return message


def redeliver_dead(
    session: Session, org_id: int, webhook_id: int, *, actor: Actor, now: datetime | None = None
) -> int:
    """Send every dead delivery of a webhook again; returns how many."""
    dead = list_deliveries(session, org_id, webhook_id, status=store.DEAD, limit=1_000_000)
    for message in dead:
        store.redeliver(session, message, now)
    session.flush()
    audit.append(
        session, actor, "webhook.redeliver", f"webhook:{webhook_id}", {"deliveries": len(dead)}
    )
    return len(dead)
