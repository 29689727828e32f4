"""Feedback on feed entries: ``seen``, ``true_positive``, ``false_positive``.

The subscriber writes feedback into ``feedback_outbox`` in the same transaction as the decision
that caused it (a reviewer's verdict through ``record_decision_feedback``, or by hand), and
``deliver`` sends it with an event id per item, so a retry never counts twice at the publisher.
The publisher sees counts per entry and per subscriber and can disable an entry, which its feed
then carries to every subscriber as a removal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import InvalidInput, NotFound, PermissionDenied
from childguard.exchange import feeds
from childguard.exchange.errors import PartnerUnavailable
from childguard.exchange.transport import HttpClient
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import (
    Bank,
    FeedbackOutbox,
    FeedChange,
    FeedFeedback,
    FeedGrant,
    Org,
    Subscription,
    SubscriptionEntry,
    utcnow,
)

VERDICTS = ("seen", "true_positive", "false_positive")
MAX_ITEMS = 1000


def check_verdict(verdict: str) -> str:
    """A verdict name, or ``InvalidInput`` listing the valid ones."""
    if verdict not in VERDICTS:
        raise InvalidInput(f"unknown verdict {verdict[:30]!r}; verdicts: {', '.join(VERDICTS)}")
    return verdict


def _queue(session: Session, sub: Subscription, origin_id: int, verdict: str) -> FeedbackOutbox:
    row = FeedbackOutbox(
        subscription_id=sub.id,
        origin_id=origin_id,
        verdict=check_verdict(verdict),
        event_id=uuid.uuid4().hex,
    )
    session.add(row)
    session.flush()
    return row


def record_feedback(
    session: Session, org: Org, sub: Subscription, origin_id: int, verdict: str, actor: Actor
) -> FeedbackOutbox:
    """Queue feedback by hand on the publisher's entry ``origin_id`` of a subscription."""
    if sub.org_id != org.id:
        raise NotFound(f"no subscription {sub.id}")
    if session.get(SubscriptionEntry, (sub.id, origin_id)) is None:
        raise NotFound(f"subscription {sub.id} holds no entry {origin_id} of its publisher")
    row = _queue(session, sub, origin_id, verdict)
    audit.append(
        session,
        actor,
        "exchange.feedback.queue",
        f"subscription:{sub.id}",
        {"entry_id": origin_id, "verdict": verdict},
    )
    return row


def record_decision_feedback(session: Session, org_id: int, entry_id: int, verdict: str) -> int:
    """Queue feedback for a review decision on a local bank entry (``entry_id``).

    The cases service calls this in the decision's transaction: when the entry came from a feed
    the organisation subscribes to, one feedback item per such subscription is queued for its
    publisher. Returns how many were queued (0 for an entry of our own).
    """
    check_verdict(verdict)
    links = list(
        session.execute(
            select(Subscription, SubscriptionEntry.origin_id)
            .join(SubscriptionEntry, SubscriptionEntry.subscription_id == Subscription.id)
            .where(SubscriptionEntry.local_id == entry_id, Subscription.org_id == org_id)
        )
    )
    for sub, origin_id in links:
        _queue(session, sub, origin_id, verdict)
        audit.append(
            session,
            Actor(org_id, None, "review"),
            "exchange.feedback.queue",
            f"subscription:{sub.id}",
            {"entry_id": origin_id, "verdict": verdict, "local_entry_id": entry_id},
        )
    return len(links)


@dataclass
class DeliveryResult:
    """Feedback items sent and subscriptions that could not be reached."""

    sent: int = 0
    failed: int = 0


def deliver(db: Database, client: HttpClient, *, limit: int = MAX_ITEMS) -> DeliveryResult:
    """Send unsent feedback, per subscription, marking items sent once the publisher took them."""
    result = DeliveryResult()
    with db.session() as session:
        pending = list(
            session.execute(
                select(FeedbackOutbox, Subscription.url, Subscription.token)
                .join(Subscription, Subscription.id == FeedbackOutbox.subscription_id)
                .where(FeedbackOutbox.sent_at.is_(None))
                .order_by(FeedbackOutbox.id)
                .limit(limit)
            )
        )
    by_sub: dict[tuple[str, str], list[FeedbackOutbox]] = {}
    for row, url, token in pending:
        by_sub.setdefault((url, token), []).append(row)
    for (url, token), rows in by_sub.items():
        items = [
            {"event_id": r.event_id, "entry_id": r.origin_id, "verdict": r.verdict} for r in rows
        ]
        try:
            response = client.request(
                "POST",
                f"{url}/feedback",
                json={"items": items},
                headers={"Authorization": f"Bearer {token}"} if token else {},
            )
            ok = response.status == 200
        except PartnerUnavailable:
            ok = False
        with db.session(write=True) as session:
            for r in rows:
                stored = session.get(FeedbackOutbox, r.id)
                if stored is None:
                    continue
                stored.attempts += 1
                if ok:
                    stored.sent_at = utcnow()
        if ok:
            result.sent += len(rows)
        else:
            result.failed += len(rows)
    return result


def receive(
    session: Session,
    feed_name: str,
    reader: Org,
    items: Sequence[Mapping[str, Any]],
    actor: Actor,
) -> int:
    """Store feedback a subscriber sent on a feed; repeated event ids are ignored. Returns how
    many items were new. A malformed item refuses the whole request, naming it."""
    feed = feeds.get_feed(session, feed_name)
    if feed.org_id != reader.id and session.get(FeedGrant, (feed.id, reader.id)) is None:
        raise PermissionDenied(f"your organisation has no access to feed {feed_name}")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} feedback items per request")
    parsed: list[tuple[str, int, str]] = []
    for i, item in enumerate(items):
        try:
            event_id = str(item["event_id"])
            entry_id = int(item["entry_id"])
            verdict = check_verdict(str(item["verdict"]))
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            detail = exc.message if isinstance(exc, InvalidInput) else "needs event_id, entry_id"
            raise InvalidInput(f"items[{i}]: {detail}") from None
        if not 8 <= len(event_id) <= 64:
            raise InvalidInput(f"items[{i}]: event_id must be 8 to 64 characters")
        parsed.append((event_id, entry_id, verdict))
    ids = {e for _, e, _ in parsed}
    known = set(
        session.scalars(
            select(FeedChange.entry_id).where(
                FeedChange.feed_id == feed.id, FeedChange.entry_id.in_(ids)
            )
        )
    )
    for i, (_, entry_id, _) in enumerate(parsed):
        if entry_id not in known:
            raise InvalidInput(f"items[{i}]: feed {feed_name} never carried entry {entry_id}")
    seen = set(
        session.scalars(
            select(FeedFeedback.event_id).where(
                FeedFeedback.event_id.in_([e for e, _, _ in parsed])
            )
        )
    )
    new = 0
    for event_id, entry_id, verdict in parsed:
        if event_id in seen:
            continue
        seen.add(event_id)
        session.add(
            FeedFeedback(
                feed_id=feed.id,
                org_id=reader.id,
                entry_id=entry_id,
                verdict=verdict,
                event_id=event_id,
            )
        )
        new += 1
    session.flush()
    audit.append(
        session,
        actor,
        "exchange.feedback.receive",
        f"feed:{feed.id}:{feed.name}",
        {"reader_org_id": reader.id, "items": len(parsed), "new": new},
    )
    return new


def counts(session: Session, org: Org, feed_name: str) -> list[dict[str, object]]:
    """Feedback on a feed per entry: totals by verdict and by subscriber (the publisher only)."""
    feed = feeds.own_feed(session, org, feed_name)
    names = {i: n for i, n in session.execute(select(Org.id, Org.name))}
    out: dict[int, dict[str, Any]] = {}
    for entry_id, org_id, verdict in session.execute(
        select(FeedFeedback.entry_id, FeedFeedback.org_id, FeedFeedback.verdict).where(
            FeedFeedback.feed_id == feed.id
        )
    ):
        row = out.setdefault(
            entry_id, {"entry_id": entry_id, **dict.fromkeys(VERDICTS, 0), "by_subscriber": {}}
        )
        row[verdict] += 1
        per = row["by_subscriber"].setdefault(names.get(org_id, "?"), dict.fromkeys(VERDICTS, 0))
        per[verdict] += 1
    return [out[k] for k in sorted(out)]


def disable_entry(session: Session, org: Org, feed_name: str, entry_id: int, actor: Actor) -> None:
    """Disable an entry of a published bank; its removal reaches every subscriber."""
    feed = feeds.own_feed(session, org, feed_name)
    bank = session.get(Bank, feed.bank_id) if feed.bank_id is not None else None
    if bank is None:
        raise InvalidInput(f"feed {feed_name} is not a bank feed; revoke signals instead")
    repo = BankRepository(session, org, actor)
    repo.set_entries_enabled(bank, [str(entry_id)], False)
