"""``/v1/subscriptions``: feeds of other deployments this organisation pulls, and feedback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import select

from childguard.api.deps import CurrentFeedAdmin, CurrentFeedbackWriter, StateDep
from childguard.api.params import IdPath
from childguard.api.schemas.exchange import FeedbackCreate, SubscriptionCreate
from childguard.api.service import caller_org
from childguard.errors import InvalidInput
from childguard.exchange import accounts, feedback, subscriptions
from childguard.store.models import Bank, SharingGroup, Subscription

router = APIRouter(prefix="/v1/subscriptions", tags=["exchange"])


def _local_name(session: Any, sub: Subscription) -> str:
    if sub.bank_id is not None:
        bank = session.get(Bank, sub.bank_id)
        return bank.name if bank else ""
    group = session.get(SharingGroup, sub.group_id) if sub.group_id else None
    return f"group:{group.name}" if group else ""


@router.get("")
def list_subscriptions(state: StateDep, principal: CurrentFeedAdmin) -> list[dict[str, object]]:
    """Your subscriptions with their checkpoint and health (never their tokens)."""
    with state.db.session() as session:
        subs = session.scalars(
            select(Subscription)
            .where(Subscription.org_id == principal.org_id)
            .order_by(Subscription.id)
        )
        return [subscriptions.public(s, _local_name(session, s)) for s in subs]


@router.post("", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionCreate, state: StateDep, principal: CurrentFeedAdmin
) -> dict[str, object]:
    """Subscribe to a feed, pinning the publisher's key by its fingerprint."""
    if (body.bank is None) == (body.group is None):
        raise InvalidInput("give either bank (for a bank feed) or group (for a signals feed)")
    if body.group is not None:
        # a group the caller is not in is refused before the publisher is contacted
        with state.db.session() as session:
            accounts.get_group(session, caller_org(session, principal), body.group)
    key = subscriptions.fetch_key(state.exchange_client(), body.url, body.fingerprint, body.token)
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        group_id = accounts.get_group(session, org, body.group).id if body.group else None
        sub = subscriptions.subscribe(
            session,
            key,
            org,
            token=body.token,
            actor=principal.actor,
            bank_name=body.bank,
            group_id=group_id,
        )
        out = subscriptions.public(sub, _local_name(session, sub))
    state.apply_changes()
    return out


@router.post("/{sub_id}/sync")
def sync(sub_id: IdPath, state: StateDep, principal: CurrentFeedAdmin) -> dict[str, object]:
    """Pull and apply the feed now (whatever the backoff)."""
    with state.db.session() as session:
        subscriptions.get_subscription(session, caller_org(session, principal), str(sub_id))
    result = state.sync_subscription(sub_id)
    return result.to_public()


@router.post("/{sub_id}/feedback", status_code=status.HTTP_202_ACCEPTED)
def give_feedback(
    sub_id: IdPath, body: FeedbackCreate, state: StateDep, principal: CurrentFeedbackWriter
) -> dict[str, object]:
    """Queue a verdict on one of the publisher's entries; it is sent at the next poll."""
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        sub = subscriptions.get_subscription(session, org, str(sub_id))
        row = feedback.record_feedback(
            session, org, sub, body.entry_id, body.verdict, principal.actor
        )
        return {"event_id": row.event_id, "queued": True}
