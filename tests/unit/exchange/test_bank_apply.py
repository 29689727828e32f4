"""The bulk path that applies a bank feed page: what it stores, merges, skips and refuses.

Publisher and subscriber are two organisations in one database; the "transport" calls the
publisher's ``read_page`` directly. Hashes are MD5s of benign strings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from childguard import orgkeys
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.exchange import feeds, pages, subscriptions
from childguard.exchange.errors import PageRefused
from childguard.exchange.transport import HttpResponse
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import (
    AuditRecord,
    Bank,
    BankEntry,
    IndexChange,
    Subscription,
    SubscriptionEntry,
)

FEED = "pubco-known"
URL = f"http://publisher.test/v1/feeds/{FEED}"


def md5(i: int) -> str:
    return hashlib.md5(f"benign-sample-{i}".encode()).hexdigest()


class InProcessClient:
    """Serves the publisher's key and pages from the shared database."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db, self.data_dir = db, data_dir

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> HttpResponse:
        with self.db.session(write=True) as s:
            pub = ensure_org(s, "pubco")
            if url.endswith("/key"):
                key = orgkeys.active_key(s, self.data_dir, pub.id)
                body = _dumps({"public_key": key.public_key, "publisher": "pubco", "kind": "bank"})
                return HttpResponse(200, body)
            assert params is not None
            feeds.refresh(s, FEED)
            body, signature, _ = feeds.read_page(
                s, self.data_dir, FEED, ensure_org(s, "subco"),
                cursor=int(params["cursor"]), nonce=str(params["nonce"]),
                limit=int(params["limit"]), actor=Actor(pub.id, None, "t"),
            )  # fmt: skip
        return HttpResponse(200, body, {pages.SIGNATURE_HEADER: signature})


def _pairs(rows: Any) -> dict[Any, Any]:
    return {a: b for a, b in rows}


def _dumps(data: object) -> bytes:
    return json.dumps(data).encode()


def publish(db: Database, data_dir: Path, values: list[str]) -> str:
    """Publish pubco's bank KNOWN holding ``values`` (class A1), granted to subco."""
    with db.session(write=True) as s:
        pub = ensure_org(s, "pubco")
        repo = BankRepository(s, pub)
        bank = repo.create("KNOWN")
        repo.add_entries(bank, [make_entry("md5", v, classification="A1") for v in values])
        actor = Actor(pub.id, None, "t")
        info = feeds.publish_bank(s, data_dir, pub, "KNOWN", name=FEED, actor=actor)
        feeds.grant(s, pub, FEED, ensure_org(s, "subco"), revoke=False, actor=actor)
        return info.fingerprint


def subscribe(db: Database, data_dir: Path, fingerprint: str) -> int:
    key = subscriptions.fetch_key(InProcessClient(db, data_dir), URL, fingerprint, "")
    with db.session(write=True) as s:
        sub = ensure_org(s, "subco")
        actor = Actor(sub.id, None, "t")
        return subscriptions.subscribe(s, key, sub, token="", actor=actor, bank_name="FROM").id


def local_entries(db: Database) -> dict[str, BankEntry]:
    with db.session() as s:
        bank_id = s.scalar(select(Bank.id).where(Bank.name == "FROM"))
        rows = s.scalars(select(BankEntry).where(BankEntry.bank_id == bank_id))
        return {e.value: e for e in rows}


def test_full_sync_stores_entries_links_and_one_index_change_per_page(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    values = [md5(i) for i in range(25)]
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, values))
    small = settings.model_copy(update={"feed_page_size": 10})
    result = subscriptions.sync(db, small, InProcessClient(db, tmp_path), sub_id)
    assert (result.status, result.pages, result.added) == ("ok", 3, 25)
    stored = local_entries(db)
    assert sorted(stored) == sorted(values)
    with db.session() as s:
        publisher_ids = _pairs(
            s.execute(select(BankEntry.value, BankEntry.id).join(Bank).where(Bank.name == "KNOWN"))
        )
        links = _pairs(
            s.execute(
                select(SubscriptionEntry.origin_id, SubscriptionEntry.local_id).where(
                    SubscriptionEntry.subscription_id == sub_id
                )
            )
        )
        local_bank = s.scalar(select(Bank.id).where(Bank.name == "FROM"))
        index_adds = s.scalar(
            select(func.count()).where(IndexChange.bank_id == local_bank, IndexChange.op == "add")
        )
    for value, entry in stored.items():
        origin = publisher_ids[value]
        assert entry.source == "feed:pubco"
        assert entry.external_id == f"pubco:{origin}"
        assert entry.classification == "A1"
        assert entry.enabled and entry.added_at.tzinfo is not None
        assert links[origin] == entry.id
    assert index_adds == 3


def test_a_value_already_in_the_bank_is_linked_and_merged_not_duplicated(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    values = [md5(i) for i in range(5)]
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, values))
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "subco"))
        ours = repo.add_entries(repo.get("FROM", write=True), [make_entry("md5", values[2])])
    result = subscriptions.sync(db, settings, InProcessClient(db, tmp_path), sub_id)
    assert result.added == 5
    stored = local_entries(db)
    assert len(stored) == 5
    mine = stored[values[2]]
    assert mine.id == ours.entry_ids[0]
    assert mine.classification == "A1" and mine.source == "feed:pubco"
    with db.session() as s:
        linked = s.scalar(
            select(func.count()).where(
                SubscriptionEntry.subscription_id == sub_id,
                SubscriptionEntry.local_id == mine.id,
            )
        )
        details = [
            json.loads(r.details)
            for r in s.scalars(select(AuditRecord).where(AuditRecord.action == "bank.entries.add"))
        ]
    assert linked == 1
    assert any(d.get("merged") == 1 for d in details)


def _page(cursor: int, changes: list[pages.Change]) -> pages.Page:
    return pages.Page(
        feed=FEED, kind="bank", publisher="pubco", subscriber="subco", nonce="n" * 16,
        cursor=cursor, next_cursor=changes[-1].seq, more=False, changes=tuple(changes),
    )  # fmt: skip


def test_a_malformed_add_refuses_the_whole_page(db: Database, tmp_path: Path) -> None:
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, []))
    changes = [pages.Change(i + 1, "add", 100 + i, "md5", md5(i), "A1") for i in range(4)]
    changes[2] = pages.Change(3, "add", 102, "md5", "not-a-hash", "A1")
    with pytest.raises(PageRefused, match=r"change 3 \(seq 3\)"), db.session(write=True) as s:
        subscriptions._apply(s, sub_id, _page(0, changes), None)
    assert local_entries(db) == {}
    with db.session() as s:
        sub = s.get(Subscription, sub_id)
        assert sub is not None and sub.cursor == 0 and sub.received == 0
        assert s.scalar(select(func.count()).select_from(SubscriptionEntry)) == 0


def test_a_resent_add_is_skipped_and_a_removal_takes_only_what_the_feed_added(
    db: Database, tmp_path: Path
) -> None:
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, []))
    first = [pages.Change(i + 1, "add", 100 + i, "md5", md5(i), "") for i in range(3)]
    with db.session(write=True) as s:
        assert subscriptions._apply(s, sub_id, _page(0, first), None) == (3, 0)
    again = [
        pages.Change(4, "add", 101, "md5", md5(1), ""),  # already linked: skipped
        pages.Change(5, "remove", 100),
        pages.Change(6, "add", 100, "md5", md5(0), ""),  # back after its removal
        pages.Change(7, "add", 200, "md5", md5(1), ""),  # another origin, same value
    ]
    with db.session(write=True) as s:
        assert subscriptions._apply(s, sub_id, _page(3, again), None) == (2, 1)
    stored = local_entries(db)
    assert sorted(stored) == sorted(md5(i) for i in range(3))
    assert stored[md5(0)].external_id == "pubco:100"
    with db.session() as s:
        links = _pairs(
            s.execute(
                select(SubscriptionEntry.origin_id, SubscriptionEntry.local_id).where(
                    SubscriptionEntry.subscription_id == sub_id
                )
            )
        )
    assert links[200] == links[101] == stored[md5(1)].id
    assert links[100] == stored[md5(0)].id


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"seq": True, "op": "add", "id": 1}, "non-integer"),
        ({"seq": 1, "op": "add"}, "lacks seq, op or id"),
        ({"seq": 1, "op": ["add"], "id": 1}, "unknown op"),
        ({"seq": 1, "op": "drop", "id": 1}, "unknown op"),
        ("add", "is not an object"),
    ],
)
def test_malformed_changes_are_named(raw: object, message: str) -> None:
    with pytest.raises(PageRefused, match=message):
        pages._change(1, raw)


def test_change_fields_default_to_empty_text() -> None:
    change = pages._change(0, {"seq": 2, "op": "remove", "id": 7, "type": None})
    assert change == pages.Change(2, "remove", 7, "", "", "", None)
