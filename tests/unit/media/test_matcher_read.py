"""Matched entries are read from the database once per file or batch, with their provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from childguard.config import Settings
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.media.matcher import Matcher
from childguard.media.signals.base import HashResult, LookupHash
from childguard.store.db import Database
from childguard.store.models import BankEntry, Org

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def flip(value: str, bits: int) -> str:
    """``value`` with its ``bits`` lowest bits inverted (a near duplicate at that distance)."""
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def add(db: Database, org: Org, bank: str, *entries: tuple[str, str], allow: bool = False) -> None:
    with db.session() as s:
        repo = BankRepository(s, org)
        b = repo.create(bank, allow=allow)
        repo.add_entries(
            b, [make_entry(t, v, source="unit", external_id=f"x-{v[:6]}") for t, v in entries]
        )


@contextmanager
def entry_reads(db: Database) -> Iterator[list[str]]:
    """Collect every SQL statement that reads ``bank_entries`` while the block runs."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "bank_entries" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def file_signals(pdq: str = PDQ) -> list[HashResult]:
    return [
        HashResult("pdq", pdq, quality=100, lookups=(LookupHash(pdq),)),
        HashResult("md5", MD5),
        HashResult("sha256", SHA),
    ]


def test_a_file_matching_several_signal_types_reads_the_database_once(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "BLOCK", ("pdq", PDQ), ("md5", MD5), ("sha256", SHA))
    m = Matcher(db, settings)
    with entry_reads(db) as reads:
        matches = m.match_signals(file_signals())
    assert len(reads) == 1
    assert [x.signal_type for x in matches] == ["pdq", "md5", "sha256"]
    with db.session() as s:
        stored = {e.signal_type: e for e in s.query(BankEntry)}
    for x in matches:
        entry = stored[x.signal_type]
        assert (x.entry_id, x.value, x.bank) == (entry.id, entry.value, "BLOCK")
        assert x.content_id == entry.id
        assert x.provenance["source"] == "unit"
        assert x.provenance["external_id"] == f"x-{entry.value[:6]}"
        assert x.provenance["added_at"] == entry.added_at.isoformat()
        assert not x.suppressed


def test_a_clean_file_does_not_touch_the_database(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "BLOCK", ("pdq", PDQ))
    m = Matcher(db, settings)
    far = flip(PDQ, 200)
    with entry_reads(db) as reads:
        assert m.match_signals(file_signals(far)[:1]) == []
    assert reads == []


def test_an_allow_match_of_one_signal_type_suppresses_the_others(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "BLOCK", ("pdq", PDQ))
    add(db, org, "SAFE", ("md5", MD5), allow=True)
    matches = Matcher(db, settings).match_signals(file_signals())
    assert {(x.bank, x.allow, x.suppressed) for x in matches} == {
        ("BLOCK", False, True),
        ("SAFE", True, False),
    }


def test_entries_changed_since_indexing_are_skipped(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "BLOCK", ("pdq", PDQ), ("md5", MD5), ("sha256", SHA))
    m = Matcher(db, settings)
    with db.session() as s:
        repo = BankRepository(s, org)
        repo.set_entries_enabled(repo.get("BLOCK"), [MD5], False)
        repo.remove_entries(repo.get("BLOCK"), [SHA])
    # not polled: the index still holds both, the database says one is off and one is gone
    assert [x.signal_type for x in m.match_signals(file_signals())] == ["pdq"]


def test_matches_are_ordered_and_keep_the_best_transform(
    db: Database, org: Org, settings: Settings
) -> None:
    near, nearer = flip(PDQ, 9), flip(PDQ, 3)
    add(db, org, "BBB", ("pdq", near))
    add(db, org, "AAA", ("pdq", nearer), ("pdq", near))
    lookups = (LookupHash(PDQ, "rotate-90"), LookupHash(PDQ, "original"))
    matches = Matcher(db, settings).match_signals([HashResult("pdq", PDQ, lookups=lookups)])
    assert [(x.bank, x.distance, x.value) for x in matches] == [
        ("AAA", 3, nearer),
        ("AAA", 9, near),
        ("BBB", 9, near),
    ]
    assert {x.transform for x in matches} == {"original"}


def test_visibility_and_bank_thresholds_apply(db: Database, org: Org, settings: Settings) -> None:
    with db.session() as s:
        repo = BankRepository(s, org)
        strict = repo.create("STRICT", threshold=2)
        repo.add_entries(strict, [make_entry("pdq", flip(PDQ, 5))])
        loose = repo.create("LOOSE")
        repo.add_entries(loose, [make_entry("pdq", flip(PDQ, 6))])
    m = Matcher(db, settings)
    signals = file_signals()[:1]
    assert [x.bank for x in m.match_signals(signals)] == ["LOOSE"]
    only_strict = {ref.id for ref in m.banks.values() if ref.name == "STRICT"}
    assert m.match_signals(signals, visible=only_strict) == []


def test_a_large_batch_is_read_in_chunks_with_every_match(
    db: Database, org: Org, settings: Settings
) -> None:
    values = [hashlib.md5(str(i).encode()).hexdigest() for i in range(1200)]
    add(db, org, "MANY", *[("md5", v) for v in values])
    m = Matcher(db, settings)
    items = [[LookupHash(v)] for v in values] + [[LookupHash(MD5)]]
    with entry_reads(db) as reads:
        results = m.lookup_batch("md5", items)
    assert 1 < len(reads) <= 3
    assert [[x.value for x in r] for r in results] == [[v] for v in values] + [[]]
    assert all(r[0].provenance["external_id"] == f"x-{r[0].value[:6]}" for r in results[:-1])


def test_many_files_match_as_each_alone_with_one_database_read(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "BLOCK", ("pdq", PDQ), ("md5", MD5))
    add(db, org, "SAFE", ("sha256", SHA), allow=True)
    m = Matcher(db, settings)
    other_md5 = hashlib.md5(b"other").hexdigest()
    files = [
        file_signals(),  # pdq and md5 blocked, sha256 allowed: both suppressed
        file_signals(flip(PDQ, 4))[:1],  # a near duplicate only
        [HashResult("md5", other_md5)],  # clean
        [HashResult("md5", MD5), HashResult("pdq", PDQ, quality=10, usable=False)],
        [],
    ]
    alone = [m.match_signals(signals) for signals in files]
    with entry_reads(db) as reads:
        together = m.match_signals_many(files)
    assert len(reads) == 1
    assert together == alone
    assert [[(x.signal_type, x.bank, x.suppressed) for x in r] for r in together] == [
        [("pdq", "BLOCK", True), ("md5", "BLOCK", True), ("sha256", "SAFE", False)],
        [("pdq", "BLOCK", False)],
        [],
        [("md5", "BLOCK", False)],
        [],
    ]
    assert together[1][0].distance == 4
