"""The publisher's side of childguard-to-childguard feeds.

Publishing a bank is an admin's choice: it snapshots the bank's enabled entries as ``add``
changes; later bank changes (the ``index_changes`` rows ``BankRepository`` writes in the same
transaction as each change) become ``add``/``remove`` changes when the feed is refreshed, which
happens before every page is served. A disabled or removed entry becomes a ``remove`` that every
subscriber applies. Pages are read by the organisations granted access, signed by the
publisher's key; a page ends at a key rotation so the announcement is signed by the old key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from childguard import audit, orgkeys
from childguard.audit import Actor
from childguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from childguard.exchange import pages
from childguard.media.banks import BankRepository
from childguard.runtime import gc_paused
from childguard.store.models import (
    Bank,
    BankEntry,
    Feed,
    FeedChange,
    FeedGrant,
    IndexChange,
    Org,
    OrgKey,
    UtcDateTime,
    utcnow,
)

FEED_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
#: Most changes per page (a 50,000-change page of MD5 entries is about 6 MB of JSON).
MAX_PAGE = 50_000


@dataclass(frozen=True)
class FeedInfo:
    """A published feed as shown to its publisher."""

    name: str
    path: str
    fingerprint: str
    kind: str
    source: str
    changes: int
    subscribers: tuple[str, ...]

    def to_public(self) -> dict[str, object]:
        """JSON form (``publish --json`` prints name, path and fingerprint)."""
        return {
            "name": self.name,
            "path": self.path,
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "source": self.source,
            "changes": self.changes,
            "subscribers": list(self.subscribers),
        }


def feed_path(name: str) -> str:
    """The API path a feed is served at."""
    return f"/v1/feeds/{name}"


def validate_feed_name(name: str) -> str:
    """Feed names are lowercase slugs, as they appear in URLs."""
    if not FEED_NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"feed name {name[:70]!r} is invalid: use lowercase letters, digits, '-' and '_', "
            "starting with a letter (e.g. acme-known-hashes)"
        )
    return name


def get_feed(session: Session, name: str, *, for_update: bool = False) -> Feed:
    """The feed called ``name`` or ``NotFound``."""
    query = select(Feed).where(Feed.name == validate_feed_name(name))
    if for_update:
        query = query.with_for_update()
    feed = session.scalar(query)
    if feed is None:
        raise NotFound(f"no feed named {name}")
    return feed


def own_feed(session: Session, org: Org, name: str) -> Feed:
    """A feed the organisation publishes (``NotFound`` for anybody else's)."""
    feed = get_feed(session, name)
    if feed.org_id != org.id:
        raise NotFound(f"no feed named {name}")
    return feed


def publish_bank(
    session: Session,
    data_dir: Path,
    org: Org,
    bank_name: str,
    *,
    name: str | None = None,
    actor: Actor,
) -> FeedInfo:
    """Publish one of the organisation's banks as a feed (a snapshot, then its changes)."""
    bank = BankRepository(session, org, actor).get(bank_name, write=True)
    feed_name = validate_feed_name(name or f"{org.name}-{bank.name.lower().replace('_', '-')}")
    if session.scalar(select(Feed.id).where(Feed.name == feed_name)) is not None:
        raise Conflict(f"a feed named {feed_name} already exists")
    key = orgkeys.active_key(session, data_dir, org.id)
    last_index = session.scalar(select(func.max(IndexChange.seq))) or 0
    feed = Feed(org_id=org.id, name=feed_name, kind="bank", bank_id=bank.id, index_seq=last_index)
    session.add(feed)
    session.flush()
    if bank.enabled:
        _emit_adds(session, feed, bank.id, None)
    audit.append(
        session,
        actor,
        "exchange.feed.publish",
        f"feed:{feed.id}:{feed.name}",
        {"bank": bank.name, "fingerprint": key.fingerprint},
    )
    return info(session, data_dir, feed)


def create_signals_feed(
    session: Session, data_dir: Path, org: Org, group_id: int, name: str, actor: Actor
) -> FeedInfo:
    """A feed of the account signals this organisation shares in a group (see ``accounts``)."""
    validate_feed_name(name)
    if session.scalar(select(Feed.id).where(Feed.name == name)) is not None:
        raise Conflict(f"a feed named {name} already exists")
    key = orgkeys.active_key(session, data_dir, org.id)
    feed = Feed(org_id=org.id, name=name, kind="signals", group_id=group_id)
    session.add(feed)
    session.flush()
    audit.append(
        session,
        actor,
        "exchange.feed.publish",
        f"feed:{feed.id}:{feed.name}",
        {"group_id": group_id, "fingerprint": key.fingerprint},
    )
    return info(session, data_dir, feed)


def info(session: Session, data_dir: Path, feed: Feed) -> FeedInfo:
    """A feed's public description."""
    key = orgkeys.active_key(session, data_dir, feed.org_id)
    source = ""
    if feed.bank_id is not None:
        bank = session.get(Bank, feed.bank_id)
        source = bank.name if bank else ""
    elif feed.group_id is not None:
        source = f"group:{feed.group_id}"
    n = session.scalar(select(func.count()).where(FeedChange.feed_id == feed.id)) or 0
    subs = session.scalars(
        select(Org.name)
        .join(FeedGrant, FeedGrant.org_id == Org.id)
        .where(FeedGrant.feed_id == feed.id)
    )
    return FeedInfo(
        name=feed.name,
        path=feed_path(feed.name),
        fingerprint=key.fingerprint,
        kind=feed.kind,
        source=source,
        changes=int(n),
        subscribers=tuple(sorted(subs)),
    )


def list_feeds(session: Session, data_dir: Path, org: Org) -> list[FeedInfo]:
    """The organisation's feeds by name."""
    feeds = session.scalars(select(Feed).where(Feed.org_id == org.id).order_by(Feed.name))
    return [info(session, data_dir, f) for f in feeds]


def grant(
    session: Session, org: Org, feed_name: str, subscriber: Org, *, revoke: bool, actor: Actor
) -> None:
    """Let ``subscriber`` (any of its API keys) read a feed, or stop letting it."""
    feed = own_feed(session, org, feed_name)
    existing = session.get(FeedGrant, (feed.id, subscriber.id))
    if revoke and existing is not None:
        session.delete(existing)
    elif not revoke and existing is None:
        session.add(FeedGrant(feed_id=feed.id, org_id=subscriber.id))
    session.flush()
    audit.append(
        session,
        actor,
        "exchange.feed.revoke" if revoke else "exchange.feed.grant",
        f"feed:{feed.id}:{feed.name}",
        {"org_id": subscriber.id},
    )


def _emit_adds(session: Session, feed: Feed, bank_id: int, ids: tuple[int, int] | None) -> None:
    """Append an ``add`` per enabled entry of the bank (within an id range), in id order."""
    query = select(
        literal(feed.id),
        literal("add"),
        BankEntry.id,
        BankEntry.signal_type,
        BankEntry.value,
        BankEntry.classification,
        literal(utcnow(), UtcDateTime()),
    ).where(BankEntry.bank_id == bank_id, BankEntry.enabled.is_(True))
    if ids is not None:
        query = query.where(BankEntry.id.between(ids[0], ids[1]))
    session.execute(
        insert(FeedChange).from_select(
            ["feed_id", "op", "entry_id", "signal_type", "value", "classification", "at"],
            query.order_by(BankEntry.id),
        )
    )


def _emit_removes(session: Session, feed: Feed, entry_ids: list[int]) -> None:
    now = utcnow()
    if entry_ids:
        session.execute(
            insert(FeedChange),
            [{"feed_id": feed.id, "op": "remove", "entry_id": i, "at": now} for i in entry_ids],
        )


def _live_entries(session: Session, feed: Feed) -> list[int]:
    """Entries whose latest change in the feed is an ``add``."""
    latest = (
        select(FeedChange.entry_id, func.max(FeedChange.seq).label("seq"))
        .where(FeedChange.feed_id == feed.id, FeedChange.op.in_(("add", "remove")))
        .group_by(FeedChange.entry_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(FeedChange.entry_id)
            .join(latest, latest.c.seq == FeedChange.seq)
            .where(FeedChange.op == "add")
        )
    )


def refresh(session: Session, feed_name: str) -> int:
    """Turn bank changes since the feed's last refresh into feed changes; returns how many rows
    of ``index_changes`` were read. Runs under the feed row's lock (call in a write session)."""
    feed = get_feed(session, feed_name, for_update=True)
    if feed.kind != "bank" or feed.bank_id is None:
        return 0
    rows = list(
        session.execute(
            select(IndexChange.seq, IndexChange.op, IndexChange.entry_id, IndexChange.entry_id_end)
            .where(IndexChange.seq > feed.index_seq, IndexChange.bank_id == feed.bank_id)
            .order_by(IndexChange.seq)
        )
    )
    if not rows:
        newest = session.scalar(select(func.max(IndexChange.seq))) or 0
        if newest > feed.index_seq:
            feed.index_seq = newest
        return 0
    bank = session.get(Bank, feed.bank_id)
    pending_removes: list[int] = []
    for _seq, op, first, last in rows:
        if op == "add" and first is not None:
            _emit_removes(session, feed, pending_removes)
            pending_removes = []
            if bank is not None and bank.enabled:
                _emit_adds(session, feed, feed.bank_id, (first, last or first))
        elif op == "remove" and first is not None:
            pending_removes.append(first)
        elif op == "reload":
            _emit_removes(session, feed, pending_removes)
            pending_removes = []
            live = set(_live_entries(session, feed))
            if bank is not None and bank.enabled:
                enabled = set(
                    session.scalars(
                        select(BankEntry.id).where(
                            BankEntry.bank_id == bank.id, BankEntry.enabled.is_(True)
                        )
                    )
                )
                _emit_removes(session, feed, sorted(live - enabled))
                if not live:  # the whole bank comes back: one statement
                    _emit_adds(session, feed, bank.id, None)
                else:
                    for entry_id in sorted(enabled - live):
                        _emit_adds(session, feed, bank.id, (entry_id, entry_id))
            else:
                _emit_removes(session, feed, sorted(live))
    _emit_removes(session, feed, pending_removes)
    feed.index_seq = rows[-1][0]
    session.flush()
    return len(rows)


def announce_rotation(session: Session, data_dir: Path, org: Org, actor: Actor) -> orgkeys.Rotation:
    """Rotate the organisation's signing key and announce the new key in each of its feeds.

    The announcement is the last change signed by the old key; what follows is signed by the new.
    """
    feeds = list(session.scalars(select(Feed).where(Feed.org_id == org.id).with_for_update()))
    old = orgkeys.active_key(session, data_dir, org.id)
    announced: list[FeedChange] = []
    for feed in feeds:
        change = FeedChange(feed_id=feed.id, op="rotate", entry_id=0, at=utcnow())
        session.add(change)
        announced.append(change)
    session.flush()
    since = max((c.seq for c in announced), default=0)
    if not announced:
        since = session.scalar(select(func.max(FeedChange.seq))) or 0
    new = orgkeys.rotate(session, data_dir, org.id, since, actor)
    for change in announced:
        change.value = new.public_key
        change.signal_type = "ed25519"
    session.flush()
    return orgkeys.Rotation(old.fingerprint, new.fingerprint)


def read_page(
    session: Session,
    data_dir: Path,
    feed_name: str,
    reader: Org,
    *,
    cursor: int,
    nonce: str,
    limit: int,
    actor: Actor,
    key_fingerprint: str = "",
) -> tuple[bytes, str, str]:
    """The signed page after ``cursor`` for ``reader``: (body, signature hex, key fingerprint).

    ``PermissionDenied`` unless the reader publishes the feed or was granted it. The page stops
    after a ``rotate`` change. It is signed by the key the reader pinned (``key_fingerprint``,
    default the current key); a retired key signs only up to the announcement of its successor.
    Serving is audited (feed, reader, positions, count).
    """
    if cursor < 0:
        raise InvalidInput("cursor must be 0 or a next_cursor from a previous page")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if not 8 <= len(nonce) <= 64 or not nonce.isalnum():
        raise InvalidInput("nonce must be 8 to 64 letters or digits, new for every request")
    feed = get_feed(session, feed_name)
    if feed.org_id != reader.id and session.get(FeedGrant, (feed.id, reader.id)) is None:
        raise PermissionDenied(f"your organisation has no access to feed {feed_name}")
    publisher = session.get(Org, feed.org_id)
    with gc_paused():  # up to MAX_PAGE rows as tuples, see runtime.gc_paused
        rows = _change_rows(session, feed.id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    for i, row in enumerate(rows):
        if row[1] == "rotate":
            more = more or i + 1 < len(rows)
            rows = rows[: i + 1]
            break
    next_cursor = rows[-1][0] if rows else max(cursor, 0)
    page = pages.Page(
        feed=feed.name,
        kind=feed.kind,
        publisher=publisher.name if publisher else "",
        subscriber=reader.name,
        nonce=nonce,
        cursor=cursor,
        next_cursor=next_cursor,
        more=more,
        changes=(),
    )
    body = pages.encode_rows(page, rows)
    key = _signing_key(session, data_dir, feed, cursor, key_fingerprint)
    signature = orgkeys.sign(data_dir, key, body)
    if rows:
        audit.append(
            session,
            actor,
            "exchange.feed.serve",
            f"feed:{feed.id}:{feed.name}",
            {
                "reader_org_id": reader.id,
                "cursor": cursor,
                "next_cursor": next_cursor,
                "changes": len(rows),
            },
        )
    return body, signature.hex(), key.fingerprint


def _change_rows(session: Session, feed_id: int, cursor: int, limit: int) -> list[pages.ChangeRow]:
    """Up to ``limit`` changes of the feed after ``cursor``, as plain rows for
    ``pages.encode_rows``: one statement through the driver (no ORM or Core row per change; a
    page holds up to ``MAX_PAGE``), timestamps converted only where there is one."""
    conn = session.connection()
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    raw = conn.exec_driver_sql(
        "SELECT seq, op, entry_id, signal_type, value, classification, expires_at "
        f"FROM feed_changes WHERE feed_id = {mark} AND seq > {mark} ORDER BY seq LIMIT {mark}",
        (feed_id, cursor, limit),
    ).fetchall()
    if all(row[6] is None for row in raw):
        return [(*row[:6], None) for row in raw]
    column_type = FeedChange.__table__.c.expires_at.type
    stamp = column_type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    rows: list[pages.ChangeRow] = []
    for *head, expires in raw:
        when = stamp(expires) if stamp is not None and expires is not None else expires
        rows.append((*head, pages.iso(when)))
    return rows


def _signing_key(
    session: Session, data_dir: Path, feed: Feed, cursor: int, fingerprint: str
) -> OrgKey:
    current = orgkeys.active_key(session, data_dir, feed.org_id)
    if not fingerprint or orgkeys.normalise_fingerprint(fingerprint) == current.fingerprint:
        return current
    key = orgkeys.get_key(session, feed.org_id, orgkeys.normalise_fingerprint(fingerprint))
    successor = session.scalar(
        select(OrgKey)
        .where(OrgKey.org_id == feed.org_id, OrgKey.id > key.id)
        .order_by(OrgKey.id)
        .limit(1)
    )
    announcement = session.scalar(
        select(FeedChange)
        .where(FeedChange.feed_id == feed.id, FeedChange.seq > cursor, FeedChange.op == "rotate")
        .order_by(FeedChange.seq)
        .limit(1)
    )
    if successor is None or announcement is None or announcement.value != successor.public_key:
        raise PermissionDenied(
            f"key {key.fingerprint} was retired; pin the publisher's current key "
            f"{current.fingerprint} (after checking it with the publisher)"
        )
    return key
