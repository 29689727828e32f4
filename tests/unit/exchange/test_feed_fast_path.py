"""The from-scratch fast path of a bank feed sync: no look-ups, ids reserved, counts in bulk.

It must store exactly what the look-up path stores (entries, provenance, links, counts), fall
back to look-ups when the bank already holds a value, and leave a page whole or absent when the
process is killed in the middle of it. Publisher and subscribers are organisations of one
database (see ``test_bank_apply``); hashes are MD5s of benign strings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.exchange import bank_apply, feeds, pages, subscriptions
from childguard.exchange.errors import PageRefused
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.media.entry_bank_map import EntryBankMap
from childguard.media.index.exact import ExactIndex
from childguard.store.db import Database
from childguard.store.models import Bank, BankEntry, IndexChange, Subscription, SubscriptionEntry
from tests.unit.exchange.test_bank_apply import FEED, URL, InProcessClient, md5, publish

#: Above ``bank_apply.BULK_COUNT_MIN``: the page's insert is counted in bulk.
BIG = bank_apply.BULK_COUNT_MIN + 200


def subscriber(db: Database, data_dir: Path, fingerprint: str, org: str, bank: str) -> int:
    """Subscribe ``org`` (granted the feed) into its bank ``bank``."""
    key = subscriptions.fetch_key(InProcessClient(db, data_dir), URL, fingerprint, "")
    with db.session(write=True) as s:
        pub = ensure_org(s, "pubco")
        feeds.grant(s, pub, FEED, ensure_org(s, org), revoke=False, actor=Actor(pub.id, None, "t"))
        own = ensure_org(s, org)
        actor = Actor(own.id, None, "t")
        return subscriptions.subscribe(s, key, own, token="", actor=actor, bank_name=bank).id


def page_of(cursor: int, changes: list[pages.Change]) -> pages.Page:
    return pages.Page(
        feed=FEED, kind="bank", publisher="pubco", subscriber="subco", nonce="n" * 16,
        cursor=cursor, next_cursor=changes[-1].seq, more=False, changes=tuple(changes),
    )  # fmt: skip


def adds(n: int, first_seq: int = 1, first_value: int = 0) -> list[pages.Change]:
    return [
        pages.Change(first_seq + i, "add", 1000 + first_value + i, "md5", md5(first_value + i), c)
        for i, c in zip(range(n), ["A1", "B2", ""] * n, strict=False)
    ]


def state(db: Database, sub_id: int, bank: str) -> dict[str, Any]:
    """What a subscriber's bank holds, ids left out: entries with provenance, links, counts."""
    with db.session() as s:
        bank_id = s.scalar(select(Bank.id).where(Bank.name == bank))
        entries = s.execute(
            select(
                BankEntry.id,
                BankEntry.value,
                BankEntry.signal_type,
                BankEntry.value_digest,
                BankEntry.source,
                BankEntry.external_id,
                BankEntry.classification,
                BankEntry.enabled,
            ).where(BankEntry.bank_id == bank_id)
        ).all()
        by_id = {row[0]: tuple(row[1:]) for row in entries}
        links = {
            origin: by_id[local][0]
            for origin, local in s.execute(
                select(SubscriptionEntry.origin_id, SubscriptionEntry.local_id).where(
                    SubscriptionEntry.subscription_id == sub_id
                )
            )
        }
        counts: dict[str, int] = dict(
            s.execute(
                text("SELECT signal_type, n FROM bank_entry_counts WHERE bank_id = :b AND enabled"),
                {"b": bank_id},
            ).all()
        )
        sub = s.get(Subscription, sub_id)
        assert sub is not None
        index_rows = s.execute(
            select(IndexChange.entry_id, IndexChange.entry_id_end).where(
                IndexChange.bank_id == bank_id, IndexChange.op == "add"
            )
        ).all()
    indexed = {
        i for low, high in index_rows if low is not None for i in range(low, (high or low) + 1)
    }
    assert indexed >= set(by_id)  # every new entry reaches the matchers
    return {
        "entries": sorted(by_id.values()),
        "links": links,
        "counts": {k: v for k, v in counts.items() if v},
        "cursor": sub.cursor,
        "received": sub.received,
    }


@pytest.mark.parametrize("n", [7, BIG])
def test_fast_path_stores_exactly_what_the_look_up_path_stores(
    db: Database, tmp_path: Path, n: int
) -> None:
    fingerprint = publish(db, tmp_path, [])
    fast = subscriber(db, tmp_path, fingerprint, "subco", "FAST")
    slow = subscriber(db, tmp_path, fingerprint, "subtwo", "SLOW")
    changes = adds(n)
    changes.append(pages.Change(n + 1, "add", 5, "md5", md5(0), "C3"))  # a value seen twice
    fast_mode, slow_mode = bank_apply.AddMode(), bank_apply.AddMode(look_up=True)
    with db.session(write=True) as s:
        assert subscriptions._apply(s, fast, page_of(0, changes), None, fast_mode) == (n + 1, 0)
    with db.session(write=True) as s:
        assert subscriptions._apply(s, slow, page_of(0, changes), None, slow_mode) == (n + 1, 0)
    assert not fast_mode.look_up  # the empty bank never refused the insert
    got, want = state(db, fast, "FAST"), state(db, slow, "SLOW")
    assert got == want
    assert len(got["entries"]) == n and got["counts"] == {"md5": n}
    _, stype, _, source, _, _, enabled = got["entries"][0]
    assert (stype, source, enabled) == ("md5", "feed:pubco", True)
    assert got["links"][5] == md5(0) and got["links"][1000] == md5(0)


def test_a_value_already_held_makes_the_fast_path_fall_back_to_look_ups(
    db: Database, tmp_path: Path
) -> None:
    sub_id = subscriber(db, tmp_path, publish(db, tmp_path, []), "subco", "FROM")
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "subco"))
        ours = repo.add_entries(repo.get("FROM", write=True), [make_entry("md5", md5(3))])
    mode = bank_apply.AddMode()
    with db.session(write=True) as s:
        assert subscriptions._apply(s, sub_id, page_of(0, adds(BIG)), None, mode) == (BIG, 0)
    assert mode.look_up  # the rest of this sync looks values up first
    got = state(db, sub_id, "FROM")
    assert len(got["entries"]) == BIG and got["counts"] == {"md5": BIG}
    with db.session() as s:
        mine = s.get(BankEntry, ours.entry_ids[0])
        assert mine is not None and mine.external_id == "pubco:1003"  # merged, not duplicated
    # the next page of the same sync goes straight to the look-up path
    with db.session(write=True) as s:
        more = adds(5, first_seq=BIG + 1, first_value=BIG)
        assert subscriptions._apply(s, sub_id, page_of(BIG, more), None, mode) == (5, 0)
    assert state(db, sub_id, "FROM")["counts"] == {"md5": BIG + 5}


def test_a_malformed_change_in_a_big_page_is_named_and_nothing_is_kept(
    db: Database, tmp_path: Path
) -> None:
    sub_id = subscriber(db, tmp_path, publish(db, tmp_path, []), "subco", "FROM")
    changes = adds(BIG)
    changes[BIG - 2] = changes[BIG - 2]._replace(value="not-a-hash")
    refused = rf"change {BIG - 1} \(seq {BIG - 1}\)"
    with pytest.raises(PageRefused, match=refused), db.session(write=True) as s:
        subscriptions._apply(s, sub_id, page_of(0, changes), None)
    assert state(db, sub_id, "FROM")["entries"] == []


def test_upper_case_values_take_the_one_by_one_check_and_are_stored_canonical() -> None:
    changes = [pages.Change(1, "add", 1, "md5", md5(1).upper(), " A1 ")]
    valid = bank_apply.validate_adds(changes)
    assert (valid.values, valid.classes) == ([md5(1)], ["A1"])


_KILLED_CHILD = textwrap.dedent(
    """
    import hashlib, os, signal, sys
    from childguard.config import Settings
    from childguard.exchange import bank_apply, pages, subscriptions
    from childguard.store.db import Database

    insert = bank_apply.bulk_insert_new_entries

    def insert_then_die(*args, **kwargs):
        insert(*args, **kwargs)  # rows written, count trigger lifted, nothing committed
        os.kill(os.getpid(), signal.SIGKILL)

    bank_apply.bulk_insert_new_entries = insert_then_die
    n = int(sys.argv[2])
    changes = [
        pages.Change(i + 1, "add", 1000 + i, "md5",
                     hashlib.md5(f"benign-sample-{i}".encode()).hexdigest(), "A1")
        for i in range(n)
    ]
    page = pages.Page(feed="pubco-known", kind="bank", publisher="pubco", subscriber="subco",
                      nonce="n" * 16, cursor=0, next_cursor=n, more=False,
                      changes=tuple(changes))
    db = Database.open(Settings())
    with db.session(write=True) as s:
        subscriptions._apply(s, int(sys.argv[1]), page, None)
    """
)


def test_kill_9_in_the_middle_of_a_fast_path_page_leaves_nothing_and_the_trigger(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    sub_id = subscriber(db, tmp_path, publish(db, tmp_path, []), "subco", "FROM")
    env = {
        **os.environ,
        "CHILDGUARD_DATA_DIR": str(settings.data_dir),
        "CHILDGUARD_DATABASE_URL": settings.database_url or "",
    }
    if not settings.database_url:
        del env["CHILDGUARD_DATABASE_URL"]
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_CHILD, str(sub_id), str(BIG)],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    got = state(db, sub_id, "FROM")
    assert (got["entries"], got["links"], got["counts"], got["cursor"]) == ([], {}, {}, 0)
    with db.session() as s:  # the trigger is back: the page again, and a later insert, count
        if s.get_bind().dialect.name == "sqlite":
            assert s.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'bank_entries_count_insert'")
            ).first()
    with db.session(write=True) as s:
        assert subscriptions._apply(s, sub_id, page_of(0, adds(BIG)), None) is not None
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "subco"))
        repo.add_entries(repo.get("FROM", write=True), [make_entry("md5", md5(10**6))])
    got = state(db, sub_id, "FROM")
    assert got["cursor"] == BIG and got["counts"] == {"md5": BIG + 1}


def test_plain_changes_parse_as_one_by_one_and_odd_ones_still_get_named() -> None:
    raw = [
        {"seq": 1, "op": "add", "id": 3, "type": "md5", "value": md5(1), "class": "A1",
         "expires": None},
        {"seq": 2, "op": "remove", "id": 4, "type": "", "value": "", "class": "",
         "expires": "2027-01-01T00:00:00+00:00"},
    ]  # fmt: skip
    plain = pages._changes(raw)
    assert plain == tuple(pages._change(i, c) for i, c in enumerate(raw))
    assert pages._plain_changes(raw) == plain
    odd = [*raw, {"seq": True, "op": "add", "id": 5}]
    assert pages._plain_changes(odd) is None
    with pytest.raises(PageRefused, match="change 3 lacks seq, op or id"):
        pages._changes(odd)


def test_pages_written_as_text_are_the_canonical_encoding() -> None:
    rows: list[pages.ChangeRow] = [
        (1, "add", 3, "md5", md5(1), 'cl"ass\\ é\n', None),
        (2, "remove", 4, "", "", "", "2027-01-01T00:00:00+00:00"),
        (3, "rotate", 0, "ed25519", "ab" * 32, "\u2028", None),
    ]
    page = pages.Page("f", "bank", "pubco", "subco", "n" * 16, 0, 3, True, ())
    changes = tuple(pages.Change(*row) for row in rows)
    assert pages.encode_rows(page, rows) == pages.encode(
        pages.Page(**{**page.__dict__, "changes": changes})
    )


def test_exact_index_bulk_add_matches_one_by_one_adds() -> None:
    one, bulk = ExactIndex(), ExactIndex()
    values, ids = [md5(1), md5(2), md5(1)], [10, 11, 12]
    for value, entry_id in zip(values, ids, strict=True):
        one.add(value, entry_id)
    bulk.add_new(values[:2], ids[:2])
    bulk.add_new(values[2:], ids[2:])  # a value already held: one by one
    for index in (one, bulk):
        assert [m.entry_id for m in index.query(md5(1))] == [10, 12]
        index.remove(10)
        assert [m.entry_id for m in index.query(md5(1))] == [12]
        index.remove(12)
        assert index.query(md5(1)) == [] and len(index) == 1


@pytest.mark.parametrize("bulk", [False, True])
def test_entry_bank_map_bulk_add_appends_merges_and_revives(
    bulk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("childguard.media.entry_bank_map._BULK", 1 if bulk else 10**6)
    entries = EntryBankMap(np.array([5, 1], np.int64), np.array([1, 1], np.int32))
    entries.discard(5)
    entries.add_new(np.array([7, 8], np.int64), np.array([2, 2], np.int32))
    entries.add_new(np.array([3, 5], np.int64), np.array([4, 4], np.int32))
    assert [entries.get(i) for i in (1, 3, 5, 7, 8, 9)] == [1, 4, 4, 2, 2, None]
    assert entries.known(np.array([1, 2, 5], np.int64)).tolist() == [True, False, True]
    assert len(entries) == 5
    entries.discard(7)
    assert entries.get(7) is None and len(entries) == 4
