"""Sync fetches the next page while applying one: what it reuses, drops and still refuses.

Publisher and subscriber are two organisations in one database (see ``test_bank_apply``);
hashes are MD5s of benign strings.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.exchange import subscriptions
from childguard.exchange.transport import HttpResponse
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import Feed, FeedChange, Subscription, SubscriptionEntry
from tests.unit.exchange.test_bank_apply import (
    FEED,
    InProcessClient,
    local_entries,
    md5,
    publish,
    subscribe,
)


class RecordingClient(InProcessClient):
    """Counts page requests by cursor; flips a byte of the body of the page after ``tamper``."""

    def __init__(self, db: Database, data_dir: Path, tamper: int | None = None) -> None:
        super().__init__(db, data_dir)
        self.tamper = tamper
        self.cursors: list[int] = []
        self.threads: set[str] = set()

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
        response = super().request(method, url, params=params, headers=headers)
        if url.endswith("/key") or params is None:
            return response
        cursor = int(params["cursor"])
        self.cursors.append(cursor)
        self.threads.add(threading.current_thread().name)
        if cursor == self.tamper:
            body = response.body.replace(b'"more":', b'"more" :', 1)
            return HttpResponse(response.status, body, response.headers)
        return response


def _state(db: Database, sub_id: int) -> tuple[int, int, int]:
    with db.session() as s:
        sub = s.get(Subscription, sub_id)
        assert sub is not None
        links = s.scalar(
            select(func.count())
            .select_from(SubscriptionEntry)
            .where(SubscriptionEntry.subscription_id == sub_id)
        )
        return sub.cursor, sub.pages_refused, int(links or 0)


def test_each_page_is_fetched_once_and_the_next_ahead_of_its_apply(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    values = [md5(i) for i in range(25)]
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, values))
    client = RecordingClient(db, tmp_path)
    small = settings.model_copy(update={"feed_page_size": 10})
    result = subscriptions.sync(db, small, client, sub_id)
    assert (result.status, result.pages, result.added) == ("ok", 3, 25)
    assert len(client.cursors) == 3 == len(set(client.cursors))
    assert any(name.startswith("feed-prefetch") for name in client.threads)
    assert sorted(local_entries(db)) == sorted(values)


def test_a_prefetched_page_that_fails_its_check_is_refused_after_the_good_one(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, [md5(i) for i in range(25)]))
    small = settings.model_copy(update={"feed_page_size": 10})
    first = subscriptions.sync(db, small, RecordingClient(db, tmp_path), sub_id, max_pages=1)
    assert first.pages == 1
    cursor_after_one = _state(db, sub_id)[0]
    # the second page (fetched ahead while the first is applied) has one byte changed
    client = RecordingClient(db, tmp_path, tamper=cursor_after_one)
    with db.session(write=True) as s:  # start again from scratch: the links stay, re-adds skip
        sub = s.get(Subscription, sub_id)
        assert sub is not None
        sub.cursor = 0
    result = subscriptions.sync(db, small, client, sub_id)
    assert result.status == "refused" and "signature" in result.error
    assert result.pages == 1
    cursor, refused, links = _state(db, sub_id)
    assert (cursor, refused, links) == (cursor_after_one, 1, 10)


def test_max_pages_fetches_nothing_ahead(db: Database, settings: Settings, tmp_path: Path) -> None:
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, [md5(i) for i in range(25)]))
    client = RecordingClient(db, tmp_path)
    small = settings.model_copy(update={"feed_page_size": 10})
    result = subscriptions.sync(db, small, client, sub_id, max_pages=2)
    assert result.pages == 2 and len(client.cursors) == 2


def test_a_refused_page_applies_nothing_though_the_next_was_fetched(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    sub_id = subscribe(db, tmp_path, publish(db, tmp_path, []))
    with db.session(write=True) as s:
        # a publisher that signs a malformed entry first: it verifies, and is refused on apply
        feed_id = s.scalar(select(Feed.id).where(Feed.name == FEED))
        s.add(FeedChange(feed_id=feed_id, op="add", entry_id=999, signal_type="md5", value="x"))
        pub = ensure_org(s, "pubco")
        repo = BankRepository(s, pub)
        repo.add_entries(repo.get("KNOWN"), [make_entry("md5", md5(i)) for i in range(25)])
    client = RecordingClient(db, tmp_path)
    small = settings.model_copy(update={"feed_page_size": 10})
    result = subscriptions.sync(db, small, client, sub_id)
    assert result.status == "refused" and "change 1 (seq" in result.error
    assert result.pages == 0
    assert _state(db, sub_id) == (0, 1, 0)
    assert local_entries(db) == {}
    assert client.cursors[0] == 0 and len(client.cursors) == 2  # the next one, fetched ahead
