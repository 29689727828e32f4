"""Webhooks of the caller's organisation, their deliveries and redelivery (admin role)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from childguard.api.deps import CurrentWebhookAdmin, SessionDep, StateDep
from childguard.api.params import IdPath
from childguard.api.schemas.webhooks import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPublic,
    RedeliverAllPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from childguard.outbox.store import PENDING
from childguard.store.models import OutboxAttempt, OutboxMessage, Webhook
from childguard.webhooks import subscriptions

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _public(hook: Webhook) -> WebhookPublic:
    return WebhookPublic(
        id=hook.id,
        url=hook.url,
        events=subscriptions.event_list(hook),
        description=hook.description,
        created_at=hook.created_at,
    )


def _delivery(m: OutboxMessage) -> DeliveryPublic:
    return DeliveryPublic(
        id=m.id,
        event_id=m.message_id,
        event_type=m.topic,
        status=m.status,
        attempts=m.attempts,
        created_at=m.created_at,
        next_attempt_at=m.next_attempt_at if m.status == PENDING else None,
        delivered_at=m.delivered_at,
        last_status_code=m.last_status_code,
        last_error=m.last_error,
    )


def _attempt(a: OutboxAttempt) -> AttemptPublic:
    return AttemptPublic(
        attempt=a.attempt,
        started_at=a.started_at,
        duration_ms=a.duration_ms,
        status_code=a.status_code,
        ok=a.ok,
        error=a.error,
    )


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def add_webhook(
    body: WebhookCreate, session: SessionDep, state: StateDep, principal: CurrentWebhookAdmin
) -> WebhookCreated:
    """Add a webhook; the response holds its signing secret, shown this once."""
    new = subscriptions.create_webhook(
        session,
        principal.org_id,
        body.url,
        body.events,
        allow_private=state.settings.webhook_allow_private,
        actor=principal.actor,
        description=body.description,
    )
    return WebhookCreated(**_public(new.webhook).model_dump(), secret=new.secret)


@router.get("", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, principal: CurrentWebhookAdmin) -> list[WebhookPublic]:
    """Your organisation's webhooks."""
    return [_public(h) for h in subscriptions.list_webhooks(session, principal.org_id)]


@router.get("/{webhook_id}", response_model=WebhookPublic)
def show_webhook(
    webhook_id: IdPath, session: SessionDep, principal: CurrentWebhookAdmin
) -> WebhookPublic:
    """One webhook."""
    return _public(subscriptions.get_webhook(session, principal.org_id, webhook_id))


@router.delete("/{webhook_id}", response_model=WebhookPublic)
def delete_webhook(
    webhook_id: IdPath, session: SessionDep, principal: CurrentWebhookAdmin
) -> WebhookPublic:
    """Remove a webhook; its pending deliveries are cancelled."""
    hook = subscriptions.delete_webhook(
        session, principal.org_id, webhook_id, actor=principal.actor
    )
    return _public(hook)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(
    webhook_id: IdPath,
    session: SessionDep,
    principal: CurrentWebhookAdmin,
    delivery_status: str | None = Query(
        default=None, alias="status", description="pending, delivered, dead or cancelled."
    ),
    before: int | None = Query(default=None, ge=1, description="Page: deliveries below this id."),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[DeliveryPublic]:
    """A webhook's deliveries, newest first; ``status=dead`` lists the dead letters."""
    rows = subscriptions.list_deliveries(
        session, principal.org_id, webhook_id, status=delivery_status, before=before, limit=limit
    )
    return [_delivery(m) for m in rows]


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
def show_delivery(
    webhook_id: IdPath, delivery_id: IdPath, session: SessionDep, principal: CurrentWebhookAdmin
) -> DeliveryDetail:
    """One delivery with its log of attempts."""
    message, attempts = subscriptions.get_delivery(
        session, principal.org_id, webhook_id, delivery_id
    )
    return DeliveryDetail(**_delivery(message).model_dump(), log=[_attempt(a) for a in attempts])


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic)
def redeliver(
    webhook_id: IdPath, delivery_id: IdPath, session: SessionDep, principal: CurrentWebhookAdmin
) -> DeliveryPublic:
    """Send a dead (or delivered) delivery again now; 409 while it is still pending."""
    message = subscriptions.redeliver(
        session, principal.org_id, webhook_id, delivery_id, actor=principal.actor
    )
    return _delivery(message)


@router.post("/{webhook_id}/redeliver", response_model=RedeliverAllPublic)
def redeliver_dead(
    webhook_id: IdPath, session: SessionDep, principal: CurrentWebhookAdmin
) -> RedeliverAllPublic:
    """Send every dead delivery of a webhook again."""
    count = subscriptions.redeliver_dead(
        session, principal.org_id, webhook_id, actor=principal.actor
    )
    return RedeliverAllPublic(redelivered=count)
