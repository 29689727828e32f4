"""``/v1/signals``: Lantern-like account signals (keyed hashes), and exchange counts.

The regulator reads ``/v1/exchange/stats``: counts of signals shared and received, never the
signals.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response, status
from sqlalchemy import func, select

from childguard.api.constraints import GroupName, SignalCategory
from childguard.api.deps import (
    CurrentDeploymentStatsReader,
    CurrentFeedAdmin,
    CurrentSignalMatcher,
    CurrentSignalWriter,
    StateDep,
)
from childguard.api.params import IdPath
from childguard.api.schemas.exchange import EntitiesMatch, GroupCreate, SignalCreate
from childguard.api.service import caller_org
from childguard.exchange import accounts
from childguard.store.models import FeedChange, Subscription

router = APIRouter(tags=["exchange"])


@router.post("/v1/signals/groups", status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, state: StateDep, principal: CurrentFeedAdmin) -> dict[str, str]:
    """Create a sharing group (its key is returned: give it to the other members) or join one."""
    with state.db.session(write=True) as session:
        group, key = accounts.create_group(
            session, caller_org(session, principal), body.name, body.key, principal.actor
        )
        return {"name": group.name, "key": key}


@router.put("/v1/signals/groups/{name}/categories/{category}", status_code=204)
def allow_category(
    name: GroupName, category: SignalCategory, state: StateDep, principal: CurrentFeedAdmin
) -> Response:
    """Share signals of this category with the group (an admin's choice)."""
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        group = accounts.get_group(session, org, name)
        accounts.set_category(session, org, group, category, allow=True, actor=principal.actor)
    return Response(status_code=204)


@router.delete("/v1/signals/groups/{name}/categories/{category}", status_code=204)
def deny_category(
    name: GroupName, category: SignalCategory, state: StateDep, principal: CurrentFeedAdmin
) -> Response:
    """Stop sharing signals of this category with the group."""
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        group = accounts.get_group(session, org, name)
        accounts.set_category(session, org, group, category, allow=False, actor=principal.actor)
    return Response(status_code=204)


@router.post("/v1/signals", status_code=status.HTTP_201_CREATED)
def share(body: SignalCreate, state: StateDep, principal: CurrentSignalWriter) -> dict[str, object]:
    """Share an identifier of a confirmed offender as a keyed hash (never stored in clear)."""
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        group = accounts.get_group(session, org, body.group)
        signal = accounts.share(
            session,
            org,
            group,
            body.kind,
            body.value,
            body.category,
            expires_in=timedelta(days=body.expires_days),
            actor=principal.actor,
            platform=body.platform,
        )
        return {"id": signal.id, "category": signal.category, "expires_at": signal.expires_at}


@router.delete("/v1/signals/{signal_id}", status_code=204)
def revoke(signal_id: IdPath, state: StateDep, principal: CurrentSignalWriter) -> Response:
    """Withdraw a signal your organisation shared."""
    with state.db.session(write=True) as session:
        accounts.revoke(session, caller_org(session, principal), signal_id, principal.actor)
    return Response(status_code=204)


@router.post("/v1/signals/match")
def match(
    body: EntitiesMatch, state: StateDep, principal: CurrentSignalMatcher
) -> dict[str, list[dict[str, object]]]:
    """Which of these entities (phones, handles, emails, URLs) match shared signals."""
    with state.db.session() as session:
        hits = accounts.match_entities(session, principal.org_id, body.entities)
    return {"hits": [h.to_public() for h in hits]}


@router.get("/v1/exchange/stats")
def exchange_stats(state: StateDep, principal: CurrentDeploymentStatsReader) -> dict[str, int]:
    """Deployment-wide counts of what was shared and received; no signal, hash or name."""
    with state.db.session() as session:
        sent = session.scalar(
            select(func.count()).select_from(FeedChange).where(FeedChange.op == "add")
        )
        received = session.scalar(select(func.coalesce(func.sum(Subscription.received), 0)))
        return {
            "feed_entries_published": int(sent or 0),
            "feed_entries_received": int(received or 0),
            **accounts.counts(session),
        }
