"""``/v1/feeds``: publish banks as signed feeds, serve their pages, take feedback.

Serving a page needs a key of an organisation the publisher granted the feed to; the page is
signed by the publisher's Ed25519 key (``X-Childguard-Signature``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response, status

from childguard.api.constraints import FeedName, OrgName
from childguard.api.deps import CurrentFeedAdmin, CurrentFeedReader, StateDep
from childguard.api.params import IdPath
from childguard.api.schemas.exchange import FeedbackBatch, FeedCreate, FeedPublic, GrantCreate
from childguard.api.service import caller_org
from childguard.auth import ensure_org, get_org
from childguard.errors import InvalidInput, PermissionDenied
from childguard.exchange import accounts, feedback, feeds, pages
from childguard.orgkeys import active_key
from childguard.store.models import FeedGrant, Org

router = APIRouter(prefix="/v1/feeds", tags=["exchange"])


@router.post("", response_model=FeedPublic, status_code=status.HTTP_201_CREATED)
def publish(body: FeedCreate, state: StateDep, principal: CurrentFeedAdmin) -> FeedPublic:
    """Publish a bank (``bank``) or a sharing group's signals (``group``) as a feed."""
    data_dir = state.settings.data_dir
    with state.db.session(write=True) as session:
        org = caller_org(session, principal)
        if (body.bank is None) == (body.group is None):
            raise InvalidInput("give either bank or group")
        if body.bank is not None:
            info = feeds.publish_bank(
                session, data_dir, org, body.bank, name=body.name, actor=principal.actor
            )
        else:
            group = accounts.get_group(session, org, str(body.group))
            name = body.name or f"{org.name}-{group.name}-signals"
            info = feeds.create_signals_feed(
                session, data_dir, org, group.id, name, principal.actor
            )
    return FeedPublic(**info.to_public())


@router.get("", response_model=list[FeedPublic])
def list_feeds(state: StateDep, principal: CurrentFeedAdmin) -> list[FeedPublic]:
    """The feeds your organisation publishes."""
    with state.db.session(write=True) as session:
        infos = feeds.list_feeds(session, state.settings.data_dir, caller_org(session, principal))
    return [FeedPublic(**i.to_public()) for i in infos]


@router.post("/rotate-key")
def rotate_key(state: StateDep, principal: CurrentFeedAdmin) -> dict[str, str]:
    """Rotate your organisation's signing key; each feed announces it, signed by the old key."""
    with state.db.session(write=True) as session:
        rotation = feeds.announce_rotation(
            session, state.settings.data_dir, caller_org(session, principal), principal.actor
        )
    return {"old_fingerprint": rotation.old_fingerprint, "fingerprint": rotation.new_fingerprint}


@router.get("/{name}")
def read_page(
    name: FeedName,
    state: StateDep,
    principal: CurrentFeedReader,
    cursor: int = Query(default=0, ge=0, le=2**62, description="next_cursor of the last page."),
    nonce: str = Query(min_length=8, max_length=64, description="Fresh per request."),
    limit: int = Query(default=1000, ge=1, le=feeds.MAX_PAGE),
    key: str = Query(default="", max_length=64, description="The fingerprint you pinned."),
) -> Response:
    """The next page of changes after ``cursor``, signed (``X-Childguard-Signature``)."""
    data_dir = state.settings.data_dir
    with state.db.session(write=True) as session:
        feeds.refresh(session, name)
        body, signature, fingerprint = feeds.read_page(
            session,
            data_dir,
            name,
            caller_org(session, principal),
            cursor=cursor,
            nonce=nonce,
            limit=limit,
            actor=principal.actor,
            key_fingerprint=key,
        )
    state.metrics.feed_pages.labels("served").inc()
    return Response(
        content=body,
        media_type="application/json",
        headers={pages.SIGNATURE_HEADER: signature, pages.KEY_HEADER: fingerprint},
    )


@router.get("/{name}/key")
def feed_key(name: FeedName, state: StateDep, principal: CurrentFeedReader) -> dict[str, str]:
    """The publisher's current public key (check its fingerprint before pinning it)."""
    with state.db.session(write=True) as session:
        feed = feeds.get_feed(session, name)
        reader = caller_org(session, principal)
        if feed.org_id != reader.id and session.get(FeedGrant, (feed.id, reader.id)) is None:
            raise PermissionDenied(f"your organisation has no access to feed {name}")
        key = active_key(session, state.settings.data_dir, feed.org_id)
        publisher = session.get(Org, feed.org_id)
        return {
            "public_key": key.public_key,
            "fingerprint": key.fingerprint,
            "publisher": publisher.name if publisher else "",
            "kind": feed.kind,
        }


@router.post("/{name}/grants", status_code=204)
def grant(
    name: FeedName, body: GrantCreate, state: StateDep, principal: CurrentFeedAdmin
) -> Response:
    """Let an organisation read the feed (created here if new; give it a key of its own)."""
    with state.db.session(write=True) as session:
        subscriber = ensure_org(session, body.org, actor=principal.actor)
        feeds.grant(
            session,
            caller_org(session, principal),
            name,
            subscriber,
            revoke=False,
            actor=principal.actor,
        )
    return Response(status_code=204)


@router.delete("/{name}/grants/{org}", status_code=204)
def revoke(name: FeedName, org: OrgName, state: StateDep, principal: CurrentFeedAdmin) -> Response:
    """Stop an organisation reading the feed."""
    with state.db.session(write=True) as session:
        subscriber = get_org(session, org)
        feeds.grant(
            session,
            caller_org(session, principal),
            name,
            subscriber,
            revoke=True,
            actor=principal.actor,
        )
    return Response(status_code=204)


@router.post("/{name}/feedback")
def send_feedback(
    name: FeedName, body: FeedbackBatch, state: StateDep, principal: CurrentFeedReader
) -> dict[str, int]:
    """Feedback from a subscriber (repeated ``event_id`` values count once)."""
    with state.db.session(write=True) as session:
        new = feedback.receive(
            session,
            name,
            caller_org(session, principal),
            [i.model_dump() for i in body.items],
            principal.actor,
        )
    return {"received": len(body.items), "new": new}


@router.get("/{name}/feedback")
def feedback_counts(name: FeedName, state: StateDep, principal: CurrentFeedAdmin) -> list[Any]:
    """Counts of verdicts per entry and per subscriber."""
    with state.db.session() as session:
        return feedback.counts(session, caller_org(session, principal), name)


@router.post("/{name}/entries/{entry_id}/disable", status_code=204)
def disable_entry(
    name: FeedName, entry_id: IdPath, state: StateDep, principal: CurrentFeedAdmin
) -> Response:
    """Disable an entry of the published bank; every subscriber removes it at its next sync."""
    with state.db.session(write=True) as session:
        feedback.disable_entry(
            session, caller_org(session, principal), name, entry_id, principal.actor
        )
    state.apply_changes()
    return Response(status_code=204)
