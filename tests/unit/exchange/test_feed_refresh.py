"""Bank changes become feed changes: adds, removals, bank disabled and enabled again."""

from __future__ import annotations

import json
from pathlib import Path

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.exchange import feeds
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.db import Database


def _page(db: Database, data_dir: Path, cursor: int) -> dict[str, object]:
    with db.session(write=True) as s:
        feeds.refresh(s, "f")
        reader = ensure_org(s, "pubco")
        body, _, _ = feeds.read_page(
            s, data_dir, "f", reader, cursor=cursor, nonce="nonce1234", limit=100,
            actor=Actor(reader.id, None, "t"),
        )  # fmt: skip
    page: dict[str, object] = json.loads(body)
    return page


def _ops(page: dict[str, object]) -> list[tuple[str, int]]:
    changes = page["changes"]
    assert isinstance(changes, list)
    return [(c["op"], c["id"]) for c in changes]


def test_bank_changes_reach_the_feed(db: Database, tmp_path: Path) -> None:
    with db.session(write=True) as s:
        org = ensure_org(s, "pubco")
        repo = BankRepository(s, org)
        bank = repo.create("KNOWN")
        ids = repo.add_entries(bank, [make_entry("md5", c * 32) for c in "abc"]).entry_ids
        feeds.publish_bank(s, tmp_path, org, "KNOWN", name="f", actor=Actor(org.id, None, "t"))
    first = _page(db, tmp_path, 0)
    assert _ops(first) == [("add", i) for i in ids]
    cursor = first["next_cursor"]
    assert isinstance(cursor, int)
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "pubco"))
        bank = repo.get("KNOWN", write=True)
        repo.set_entries_enabled(bank, [str(ids[0])], False)
        new = repo.add_entries(bank, [make_entry("md5", "d" * 32)]).entry_ids
    second = _page(db, tmp_path, cursor)
    assert _ops(second) == [("remove", ids[0]), ("add", new[0])]
    cursor = second["next_cursor"]
    assert isinstance(cursor, int)
    with db.session(write=True) as s:
        BankRepository(s, ensure_org(s, "pubco")).update("KNOWN", enabled=False)
    third = _page(db, tmp_path, cursor)
    assert sorted(_ops(third)) == sorted([("remove", i) for i in (*ids[1:], new[0])])
    cursor = third["next_cursor"]
    assert isinstance(cursor, int)
    with db.session(write=True) as s:
        BankRepository(s, ensure_org(s, "pubco")).update("KNOWN", enabled=True)
    assert sorted(_ops(_page(db, tmp_path, cursor))) == sorted(
        [("add", i) for i in (*ids[1:], new[0])]
    )
