"""Sorted runs of an import (PostgreSQL's path) and the importer's merge when the bank refuses
its fast path, on either database."""

from __future__ import annotations

import pytest

from childguard.errors import Conflict
from childguard.media.bank_formats import EntryIn, make_entry, value_digest
from childguard.media.bank_import import ChunkImporter, ImportSummary
from childguard.media.banks import BankRepository
from childguard.store.bulk import DigestedEntry, counted_in_bulk
from childguard.store.db import Database
from childguard.store.models import Org, utcnow
from childguard.store.sorted_runs import SortedRuns, format_line, merge_lines, parse_line


def _digested(e: EntryIn) -> DigestedEntry:
    return value_digest(e.signal_type, e.value), e  # an EntryIn is the fields' tuple


def test_a_line_keeps_every_character_of_its_fields() -> None:
    digest, fields = _digested(
        make_entry("pdq", f"{7:064x}", source="tab\there", note="back\\slash\nnew\rline")
    )
    line = format_line(digest, fields)
    assert line.count("\t") == 7 and line.endswith("\tt\n") and "\n" not in line[:-1]
    assert parse_line(line) == (digest, fields)


def test_a_later_line_fills_only_what_the_first_left_empty() -> None:
    first = format_line("a" * 64, ("pdq", "v", "IWF", "", "", "n1", False))
    later = format_line("a" * 64, ("pdq", "v", "NCMEC", "e-9", "", "n2", True))
    assert parse_line(merge_lines(first, later)) == (
        "a" * 64,
        ("pdq", "v", "IWF", "e-9", "", "n1", True),
    )


def test_runs_merge_in_digest_order_and_repeats_merge_in_reading_order() -> None:
    entries = [make_entry("pdq", f"{i:064x}", note=f"n{i}") for i in range(40)]
    entries += [make_entry("pdq", f"{i:064x}", source=f"late{i}", note="x") for i in (3, 17)]
    merges: list[int] = []
    with SortedRuns(run_entries=7) as runs:
        for start in range(0, len(entries), 5):  # several runs, repeats in later runs
            runs.add(_digested(e) for e in entries[start : start + 5])
        lines = list(runs.merged(lambda first, later: merges.append(1)))
        again = list(runs.merged())
    assert lines == again and len(merges) == 2
    parsed = [parse_line(line) for line in lines]
    digests = [d for d, _ in parsed]
    assert digests == sorted(digests) and len(set(digests)) == 40
    by_value = {fields[1]: fields for _, fields in parsed}
    assert by_value[f"{3:064x}"][2:6] == ("late3", "", "", "n3")  # note kept, source filled
    assert by_value[f"{5:064x}"][2:6] == ("", "", "", "n5")


def test_runs_leave_nothing_behind() -> None:
    runs = SortedRuns(run_entries=2)
    runs.add(_digested(make_entry("md5", f"{i:032x}")) for i in range(5))
    assert len(list(runs.merged())) == 5
    folder = runs.folder
    assert any(folder.iterdir())
    runs.close()
    assert not folder.exists()


def test_a_bank_that_holds_some_hashes_after_all_gets_them_merged(db: Database) -> None:
    """The fast path (no look-ups) is refused by the bank's unique index: the entries then
    merge with the stored ones, in reading order, and nothing is counted twice."""
    with db.session(write=True) as s:
        org = Org(name="acme")
        s.add(org)
        s.flush()
        repo = BankRepository(s, org)
        bank = repo.create("RACED")
        repo.add_entries(bank, [make_entry("pdq", f"{2:064x}", source="IWF")])
        bank_id = bank.id
    chunks = [
        [make_entry("pdq", f"{i:064x}", note=f"n{i}") for i in range(1, 6)],
        [make_entry("pdq", f"{i:064x}", external_id="e") for i in range(4, 9)],
    ]
    summary = ImportSummary()

    def run() -> None:
        with db.session(write=True) as s:
            with (
                counted_in_bulk(s),
                ChunkImporter(
                    s, bank_id, utcnow(), summary, look_up=False, chunk_size=3
                ) as importer,
            ):
                for chunk in chunks:
                    importer.add(chunk)
                importer.finish()
            s.commit()

    if db.engine.dialect.name == "sqlite":
        # SQLite's import holds the write lock from its first look at the bank: that the bank
        # changed can only be a caller's error, refused with nothing kept
        with pytest.raises(Conflict, match="run the import again"):
            run()
        with db.session() as s:
            repo = BankRepository(s, s.get(Org, org.id) or org)
            assert len(list(repo.iter_entries(repo.get("RACED")))) == 1
        return
    run()
    # 8 distinct values, one stored: 7 added; repeats 4 and 5 and stored 2 merge
    assert (summary.added, summary.merged, summary.by_signal) == (7, 3, {"pdq": 7})
    with db.session() as s:
        repo = BankRepository(s, s.get(Org, org.id) or org)
        rows = {r.value: r for r in repo.iter_entries(repo.get("RACED"))}
        info = repo.info("RACED")
    assert len(rows) == 8 and info.entries == {"pdq": 8}
    two, four = rows[f"{2:064x}"], rows[f"{4:064x}"]
    assert (two.source, two.note) == ("IWF", "n2")
    assert (four.note, four.external_id) == ("n4", "e")
