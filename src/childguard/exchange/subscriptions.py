"""The subscriber's side: subscribe with a pinned key, pull pages, apply each page whole.

A subscription's state machine: ``new`` -> ``ok`` after a page is applied; ``unavailable`` when
the publisher is down or answers an error (retried with exponential backoff); ``refused`` when a
page fails an integrity check (nothing applied, an audit record, ``pages_refused`` counted).
Applying a page and moving the checkpoint happen in one transaction, so a process killed while
applying leaves the page applied whole or not at all and the checkpoint matching it.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from childguard import audit, orgkeys
from childguard.audit import Actor
from childguard.config import Settings
from childguard.errors import ChildguardError, Conflict, InvalidInput, NotFound
from childguard.exchange import bank_apply, pages
from childguard.exchange.errors import PageRefused, PartnerUnavailable
from childguard.exchange.transport import HttpClient
from childguard.media.banks import BankRepository
from childguard.runtime import gc_paused
from childguard.store.db import Database
from childguard.store.models import (
    Bank,
    BankEntry,
    Org,
    Subscription,
    SubscriptionEntry,
    utcnow,
)

log = logging.getLogger("childguard.exchange")

#: Subscription kinds that are childguard feeds (the others are adapters' pull states).
FEED_KINDS = ("bank", "signals")
#: Called with a subscription and a page to apply a ``signals`` page (set by ``accounts``).
SignalsApplier = Callable[[Session, Subscription, pages.Page], tuple[int, int]]


@dataclass
class SyncResult:
    """What one sync of one subscription did."""

    subscription: int
    pages: int = 0
    added: int = 0
    removed: int = 0
    status: str = "ok"
    error: str = ""
    rotated_to: list[str] = field(default_factory=list)

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "subscription": self.subscription,
            "pages": self.pages,
            "added": self.added,
            "removed": self.removed,
            "status": self.status,
            "error": self.error,
            "rotated_to": self.rotated_to,
        }


def public(sub: Subscription, local_name: str) -> dict[str, object]:
    """A subscription as listed (never its token)."""
    return {
        "id": sub.id,
        "url": sub.url,
        "kind": sub.kind,
        "local": local_name,
        "publisher": sub.publisher,
        "fingerprint": sub.fingerprint,
        "cursor": sub.cursor,
        "status": sub.status,
        "last_error": sub.last_error,
        "failures": sub.failures,
        "next_attempt_at": sub.next_attempt_at.isoformat() if sub.next_attempt_at else None,
        "last_success_at": sub.last_success_at.isoformat() if sub.last_success_at else None,
        "pages_applied": sub.pages_applied,
        "pages_refused": sub.pages_refused,
        "received": sub.received,
    }


def feed_name_of(url: str) -> str:
    """The feed name at the end of a feed URL (``http(s)://host/v1/feeds/NAME``)."""
    parts = urlsplit(url)
    segments = parts.path.rstrip("/").split("/")
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(segments) < 3
        or segments[-2] != "feeds"
        or parts.query
    ):
        raise InvalidInput(
            f"{url[:100]!r} is not a feed URL: expected http(s)://HOST/v1/feeds/NAME as printed "
            "by the publisher's `childguard feed publish`"
        )
    return segments[-1]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass(frozen=True)
class PublisherKey:
    """A feed's publisher key, fetched and checked against the pinned fingerprint."""

    url: str
    public_key: str
    fingerprint: str
    publisher: str
    kind: str


def fetch_key(client: HttpClient, url: str, fingerprint: str, token: str) -> PublisherKey:
    """Fetch ``URL/key`` and check it against the fingerprint the human pinned.

    ``PageRefused`` when it does not match; call it before opening the transaction that stores
    the subscription (no database lock is held during the request).
    """
    pinned = orgkeys.normalise_fingerprint(fingerprint)
    url = url.rstrip("/")
    feed_name_of(url)
    response = client.request("GET", f"{url}/key", headers=_auth(token))
    if response.status != 200:
        raise PartnerUnavailable(_status_message(response.status, response.body))
    try:
        data = json.loads(response.body)
        public_hex = str(data["public_key"])
        publisher = str(data.get("publisher", ""))[:64]
        kind = str(data.get("kind", "bank"))
    except (ValueError, KeyError, TypeError):
        raise PartnerUnavailable("the publisher's key answer is malformed") from None
    orgkeys.public_key_from_hex(public_hex)
    actual = orgkeys.fingerprint(bytes.fromhex(public_hex))
    if actual != pinned:
        raise PageRefused(
            f"the publisher's key has fingerprint {actual}, not the pinned {pinned}: check the "
            "fingerprint with the publisher before subscribing"
        )
    return PublisherKey(url, public_hex, pinned, publisher, kind)


def subscribe(
    session: Session,
    key: PublisherKey,
    org: Org,
    *,
    token: str,
    actor: Actor,
    bank_name: str | None = None,
    group_id: int | None = None,
) -> Subscription:
    """Store a subscription to the feed whose checked key is ``key`` (see ``fetch_key``).

    ``bank_name`` (a bank of ours, created if missing) receives a bank feed; ``group_id`` a
    signals feed.
    """
    url, public_hex, pinned, publisher, kind = (
        key.url,
        key.public_key,
        key.fingerprint,
        key.publisher,
        key.kind,
    )
    if session.scalar(
        select(Subscription.id).where(Subscription.org_id == org.id, Subscription.url == url)
    ):
        raise Conflict(f"already subscribed to {url}")
    bank_id = None
    if kind == "bank":
        if not bank_name:
            raise InvalidInput("this is a bank feed: give --bank LOCAL_BANK")
        repo = BankRepository(session, org, actor)
        try:
            bank = repo.get(bank_name, write=True)
        except NotFound:
            bank = repo.create(bank_name, description=f"subscribed from {url}")
        bank_id = bank.id
    elif kind == "signals":
        if group_id is None:
            raise InvalidInput("this is a signals feed: give --group GROUP")
    else:
        raise PartnerUnavailable(f"unknown feed kind {kind[:20]!r}")
    sub = Subscription(
        org_id=org.id,
        url=url,
        token=token,
        kind=kind,
        bank_id=bank_id,
        group_id=group_id if kind == "signals" else None,
        publisher=publisher,
        public_key=public_hex,
        fingerprint=pinned,
    )
    session.add(sub)
    session.flush()
    audit.append(
        session,
        actor,
        "exchange.subscription.create",
        f"subscription:{sub.id}",
        {"url": url, "fingerprint": pinned, "kind": kind},
    )
    return sub


def get_subscription(session: Session, org: Org, ref: str) -> Subscription:
    """One of the organisation's subscriptions by id or URL."""
    query = select(Subscription).where(Subscription.org_id == org.id)
    ref = ref.strip()
    if ref.isdigit():
        query = query.where(Subscription.id == int(ref))
    else:
        query = query.where(Subscription.url == ref.rstrip("/"))
    sub = session.scalar(query)
    if sub is None:
        raise NotFound(f"no subscription {ref[:100]!r} (see `childguard feed subscriptions`)")
    return sub


def _backoff(settings: Settings, failures: int) -> timedelta:
    base = max(settings.feed_poll_seconds, 1.0)
    return timedelta(
        seconds=min(base * (2 ** min(failures - 1, 16)), settings.feed_max_backoff_seconds)
    )


def _record_failure(
    db: Database, settings: Settings, sub_id: int, status: str, message: str
) -> None:
    with db.session(write=True) as session:
        sub = session.get(Subscription, sub_id)
        if sub is None:
            return
        sub.status = status
        sub.last_error = message[:500]
        sub.failures += 1
        sub.next_attempt_at = utcnow() + _backoff(settings, sub.failures)
        if status == "refused":
            sub.pages_refused += 1
        audit.append(
            session,
            Actor(sub.org_id, None, "feed-sync"),
            "exchange.feed.refused" if status == "refused" else "exchange.feed.unavailable",
            f"subscription:{sub.id}",
            {"reason": message[:300], "cursor": sub.cursor},
        )
    log.warning(
        "feed sync failed",
        extra={"subscription": sub_id, "status": status, "reason": message[:300]},
    )


@dataclass(frozen=True)
class _Source:
    """Where and how a subscription's next page is fetched (a snapshot of its row)."""

    url: str
    token: str
    public_key: str
    fingerprint: str


def _fetch_page(client: HttpClient, settings: Settings, source: _Source, cursor: int) -> pages.Page:
    """Request the page after ``cursor`` with a fresh nonce and verify it with the pinned key.

    ``PartnerUnavailable`` for an error answer, ``PageRefused`` for a page that fails a check.
    """
    nonce = secrets.token_hex(16)
    response = client.request(
        "GET",
        source.url,
        params={
            "cursor": cursor,
            "nonce": nonce,
            "limit": settings.feed_page_size,
            "key": source.fingerprint,
        },
        headers=_auth(source.token),
    )
    if response.status != 200:
        raise PartnerUnavailable(_status_message(response.status, response.body))
    with gc_paused():  # 50,000 changes parsed: see runtime.gc_paused
        return pages.verify(
            response.body,
            response.header(pages.SIGNATURE_HEADER),
            public_key_hex=source.public_key,
            feed=feed_name_of(source.url),
            nonce=nonce,
            cursor=cursor,
        )


def sync(
    db: Database,
    settings: Settings,
    client: HttpClient,
    sub_id: int,
    *,
    max_pages: int | None = None,
    apply_signals: SignalsApplier | None = None,
) -> SyncResult:
    """Pull and apply pages until the feed has no more (or ``max_pages``).

    While a verified page is applied, the next one (after its ``next_cursor``, signed by the
    same key) is fetched and verified in a helper thread, so the publisher, the network and the
    local database work at the same time. The prefetched page is used only if the checkpoint is
    then exactly where it starts and the pinned key has not changed; otherwise it is dropped and
    fetched again. Pages are still applied one at a time, in order, each in one transaction.

    Failures are recorded on the subscription (status, error, backoff) and returned, never
    raised: a down publisher or a refused page leaves the local bank as it was.
    """
    result = SyncResult(sub_id)
    mode = bank_apply.AddMode()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-prefetch") as prefetcher:
        ahead: tuple[int, _Source, Future[pages.Page]] | None = None
        while max_pages is None or result.pages < max_pages:
            with db.session() as session:
                sub = session.get(Subscription, sub_id)
                if sub is None:
                    raise NotFound(f"no subscription {sub_id}")
                cursor = sub.cursor
                source = _Source(sub.url, sub.token, sub.public_key, sub.fingerprint)
            try:
                if ahead is not None and ahead[:2] == (cursor, source):
                    page = ahead[2].result()
                else:
                    if ahead is not None:
                        ahead[2].cancel()
                    page = _fetch_page(client, settings, source, cursor)
                ahead = None
                if (
                    page.more
                    and (max_pages is None or result.pages + 1 < max_pages)
                    and not any(c.op == "rotate" for c in page.changes)
                ):
                    future = prefetcher.submit(
                        _fetch_page, client, settings, source, page.next_cursor
                    )
                    ahead = (page.next_cursor, source, future)
                with gc_paused(), db.session(write=True) as session:
                    applied = _apply(session, sub_id, page, apply_signals, mode)
            except PartnerUnavailable as exc:
                result.status, result.error = "unavailable", exc.message
                _record_failure(db, settings, sub_id, "unavailable", exc.message)
                return result
            except PageRefused as exc:
                result.status, result.error = "refused", exc.message
                _record_failure(db, settings, sub_id, "refused", exc.message)
                return result
            if applied is None:  # another process applied this position meanwhile
                continue
            result.pages += 1
            result.added += applied[0]
            result.removed += applied[1]
            rotated = next((c for c in page.changes if c.op == "rotate"), None)
            if rotated is not None:
                result.rotated_to.append(orgkeys.fingerprint(bytes.fromhex(rotated.value)))
            if not page.more:
                break
    return result


def _status_message(status: int, body: bytes) -> str:
    try:
        message = str(json.loads(body)["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        message = ""
    return f"the publisher answered HTTP {status}" + (f": {message}" if message else "")


def _apply(
    session: Session,
    sub_id: int,
    page: pages.Page,
    apply_signals: SignalsApplier | None,
    mode: bank_apply.AddMode | None = None,
) -> tuple[int, int] | None:
    """Apply a verified page and move the checkpoint, in the caller's transaction.

    None when the checkpoint moved since the page was requested (nothing done). A malformed
    change raises ``PageRefused`` and, the transaction being rolled back, applies nothing.
    ``mode`` carries what the sync's earlier pages learnt about the bank (``AddMode``).
    """
    sub = session.scalar(select(Subscription).where(Subscription.id == sub_id).with_for_update())
    if sub is None or sub.cursor != page.cursor:
        return None
    if sub.publisher and page.publisher != sub.publisher:
        raise PageRefused(f"the page is from {page.publisher[:64]!r}, not {sub.publisher!r}")
    if page.kind != sub.kind:
        raise PageRefused(f"the page is a {page.kind[:20]} feed, the subscription a {sub.kind}")
    rotate = [c for c in page.changes if c.op == "rotate"]
    if rotate and rotate[0] is not page.changes[-1]:
        raise PageRefused("a key rotation must be the last change of its page")
    body = [c for c in page.changes if c.op != "rotate"]
    if sub.kind == "bank":
        added, removed = _apply_bank(session, sub, body, mode)
    elif apply_signals is not None:
        added, removed = apply_signals(session, sub, page)
    else:
        raise PageRefused("signals feeds need the accounts module")
    details: dict[str, object] = {
        "cursor": page.cursor,
        "next_cursor": page.next_cursor,
        "added": added,
        "removed": removed,
        "publisher": sub.publisher,
    }
    if rotate:
        new_hex = rotate[0].value
        orgkeys.public_key_from_hex(new_hex)
        old_fp = sub.fingerprint
        sub.public_key = new_hex
        sub.fingerprint = orgkeys.fingerprint(bytes.fromhex(new_hex))
        details["rotated"] = {"old": old_fp, "new": sub.fingerprint}
    sub.cursor = page.next_cursor
    sub.status = "ok"
    sub.last_error = ""
    sub.failures = 0
    sub.next_attempt_at = None
    sub.last_success_at = utcnow()
    sub.pages_applied += 1
    sub.received += added
    audit.append(
        session,
        Actor(sub.org_id, None, f"feed-sync:{sub.id}"),
        "exchange.feed.apply",
        f"subscription:{sub.id}",
        details,
    )
    return added, removed


def _apply_bank(
    session: Session,
    sub: Subscription,
    changes: Sequence[pages.Change],
    mode: bank_apply.AddMode | None = None,
) -> tuple[int, int]:
    """Apply the adds (in bulk, each run of them between removes) and removes of a bank feed
    page to the subscription's bank. Every add is validated before anything is written."""
    owner = session.get(Org, sub.org_id)
    if owner is None or sub.bank_id is None:
        raise NotFound("the subscription's organisation or bank is gone")
    actor = Actor(owner.id, None, f"feed-sync:{sub.id}")
    repo = BankRepository(session, owner, actor)
    bank = session.get(Bank, sub.bank_id)
    if bank is None:
        raise NotFound("the subscription's bank is gone")
    if {c.op for c in changes} == {"add"}:  # the usual page: additions only, in one go
        valid = bank_apply.validate_adds(changes)
        added = bank_apply.apply_adds(
            session,
            subscription_id=sub.id,
            publisher=sub.publisher,
            bank=bank,
            actor=actor,
            adds=valid,
            mode=mode,
        )
        return added, 0
    positions = [i for i, c in enumerate(changes) if c.op == "add"]
    valid = bank_apply.validate_adds([changes[i] for i in positions], positions)
    added = removed = 0
    run: list[int] = []  # positions in ``valid`` of the adds since the last remove

    def flush_adds() -> int:
        if not run:
            return 0
        n = bank_apply.apply_adds(
            session,
            subscription_id=sub.id,
            publisher=sub.publisher,
            bank=bank,
            actor=actor,
            adds=valid.take(run),
            mode=mode,
        )
        run.clear()
        return n

    next_add = 0
    for change in changes:
        if change.op == "add":
            run.append(next_add)
            next_add += 1
        else:
            added += flush_adds()
            removed += _remove(session, repo, sub, change.id)
    added += flush_adds()
    return added, removed


def _remove(session: Session, repo: BankRepository, sub: Subscription, origin_id: int) -> int:
    link = session.get(SubscriptionEntry, (sub.id, origin_id))
    if link is None:
        return 0
    entry = session.get(BankEntry, link.local_id)
    session.execute(
        delete(SubscriptionEntry).where(
            SubscriptionEntry.subscription_id == sub.id, SubscriptionEntry.origin_id == origin_id
        )
    )
    # Only an entry this feed created goes; one that was already ours just loses the link.
    if entry is not None and entry.external_id == bank_apply.external_id_of(
        sub.publisher, origin_id
    ):
        repo.remove_entries(entry.bank, [str(entry.id)])
        return 1
    return 0


def due(db: Database, now: datetime | None = None) -> list[int]:
    """Feed subscriptions whose next attempt is due (never failed, or past their backoff).

    Pull states of adapters (``hma``, ``ncmec``, ``stopncii``) share the table and are skipped.
    """
    now = now or utcnow()
    with db.session() as session:
        return list(
            session.scalars(
                select(Subscription.id)
                .where(
                    Subscription.kind.in_(FEED_KINDS),
                    (Subscription.next_attempt_at.is_(None))
                    | (Subscription.next_attempt_at <= now),
                )
                .order_by(Subscription.id)
            )
        )


def sync_due(
    db: Database,
    settings: Settings,
    client: HttpClient,
    *,
    apply_signals: SignalsApplier | None = None,
) -> list[SyncResult]:
    """Sync every subscription that is due; one failing never stops the others."""
    results = []
    for sub_id in due(db):
        try:
            results.append(sync(db, settings, client, sub_id, apply_signals=apply_signals))
        except ChildguardError as exc:
            results.append(SyncResult(sub_id, status="error", error=exc.message))
    return results
