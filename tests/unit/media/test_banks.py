"""Bank repository and import/export formats."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.media.bank_formats import (
    BankFormat,
    iter_parsed_entries,
    make_entry,
    parse_entries,
    validate_bank_name,
    write_entries,
)
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import BankEntry, IndexChange, Org

PDQ_A = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
PDQ_B = "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.mark.parametrize("name", ["NCMEC", "IWF_PDQ_2026", "A"])
def test_valid_bank_names(name: str) -> None:
    assert validate_bank_name(name) == name


@pytest.mark.parametrize(
    "name", ["lower", "../etc", "A/B", "A B", "1ABC", "", "X" * 65, "DROP TABLE;--", "A-B"]
)
def test_invalid_bank_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(InvalidInput, match="UPPER_SNAKE_CASE"):
        validate_bank_name(name)


def test_csv_parse_keeps_provenance() -> None:
    text = (
        "signal_type,signal,source,external_id,classification,note\n"
        f"pdq,{PDQ_A.upper()},IWF,x-1,A1,first\n"
        f"md5,{MD5},NCMEC,n-9,B2,\n"
    )
    entries = parse_entries(io.StringIO(text))
    assert [e.signal_type for e in entries] == ["pdq", "md5"]
    assert entries[0].value == PDQ_A  # canonical lowercase
    assert (entries[0].source, entries[0].external_id, entries[0].classification) == (
        "IWF",
        "x-1",
        "A1",
    )


def test_te_csv_and_te_lines_and_bare_lines() -> None:
    te_csv = f"signal_type,signal_str,collab,category,tags\npdq,{PDQ_A},Sample,ADVERSE,a b\n"
    (e,) = parse_entries(io.StringIO(te_csv))
    assert (e.source, e.classification, e.note) == ("Sample", "ADVERSE", "a b")
    lines = f"pdq {PDQ_A}\nmd5 {MD5}\n"
    assert [x.signal_type for x in parse_entries(io.StringIO(lines))] == ["pdq", "md5"]
    bare = f"# comment\n{PDQ_A}\n\n{PDQ_B}\n"
    parsed = parse_entries(io.StringIO(bare), signal_type="pdq")
    assert [x.value for x in parsed] == [PDQ_A, PDQ_B]


def test_bare_lines_without_signal_type_say_how_to_fix() -> None:
    with pytest.raises(InvalidInput, match="--signal"):
        parse_entries(io.StringIO(f"{PDQ_A}\n"))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f"signal_type,signal\npdq,{PDQ_A}\npdq,zz{PDQ_A[2:]}\n", 3),
        (f"signal_type,signal\npdq,{PDQ_A}\nmd5,{PDQ_A}\n", 3),
        (f"signal_type,signal\npdq,{PDQ_A}\nnosuch,{PDQ_A}\n", 3),
        (f"pdq {PDQ_A}\npdq {PDQ_A[:-1]}\n", 2),
        (f"signal_type,signal\npdq,{PDQ_A},extra,cols,too,many,fields,here,x\n", 2),
    ],
)
def test_malformed_line_is_named(text: str, line: int) -> None:
    with pytest.raises(InvalidInput, match=rf"^line {line}:"):
        parse_entries(io.StringIO(text))


def test_import_is_atomic_and_merges_duplicates(db: Database, org: Org) -> None:
    with db.session() as s:
        repo = BankRepository(s, org)
        bank = repo.create("TEST_BANK")
        first = repo.add_entries(
            bank, [make_entry("pdq", PDQ_A, source="IWF"), make_entry("pdq", PDQ_A, note="dup")]
        )
        assert (first.added, first.merged) == (1, 1)
    bad = f"signal_type,signal\npdq,{PDQ_B}\npdq,not-a-hash\n"
    with pytest.raises(InvalidInput, match="line 3"):
        parse_entries(io.StringIO(bad))  # parsing fails before anything is written
    with db.session() as s:
        repo = BankRepository(s, org)
        again = repo.add_entries(
            repo.get("TEST_BANK"), [make_entry("pdq", PDQ_A, external_id="e-7", source="NCMEC")]
        )
        assert (again.added, again.merged) == (0, 1)
        rows = list(repo.iter_entries(repo.get("TEST_BANK")))
    assert len(rows) == 1
    # merge fills empty provenance and keeps what was there
    assert (rows[0].source, rows[0].external_id, rows[0].note) == ("IWF", "e-7", "dup")


def test_export_round_trips_every_format(db: Database, org: Org) -> None:
    entries = [
        make_entry("pdq", PDQ_A, source="IWF", external_id="1", classification="A1", note="n"),
        make_entry("md5", MD5, source="NCMEC"),
    ]
    with db.session() as s:
        repo = BankRepository(s, org)
        repo.add_entries(repo.create("SRC"), entries)
        rows: list[BankEntry] = list(repo.iter_entries(repo.get("SRC")))
    for fmt in (BankFormat.CSV, BankFormat.TE_CSV, BankFormat.TE_LINES):
        out = io.StringIO()
        assert write_entries(rows, fmt, out) == 2
        back = parse_entries(io.StringIO(out.getvalue()))
        assert {(e.signal_type, e.value) for e in back} == {("pdq", PDQ_A), ("md5", MD5)}
        if fmt is BankFormat.CSV:
            assert back[0].classification == "A1" and back[0].external_id == "1"
    out = io.StringIO()
    write_entries([r for r in rows if r.signal_type == "pdq"], BankFormat.LINES, out)
    assert out.getvalue() == PDQ_A + "\n"


def test_bank_lifecycle(db: Database, org: Org) -> None:
    with db.session() as s:
        repo = BankRepository(s, org)
        repo.create("LIFE", threshold=20, description="d")
        with pytest.raises(Conflict):
            repo.create("LIFE")
        with pytest.raises(InvalidInput, match="threshold"):
            repo.create("BAD_T", threshold=300)
        bank = repo.get("LIFE")
        repo.add_entries(bank, [make_entry("pdq", PDQ_A), make_entry("pdq", PDQ_B)])
        first_id = next(iter(repo.iter_entries(bank))).id
        assert repo.set_entries_enabled(bank, [str(first_id)], False) == 1
        info = repo.info("LIFE")
        assert info.entries == {"pdq": 1} and info.disabled_entries == 1
        assert info.pdq_threshold == 20
        with pytest.raises(NotFound):
            repo.remove_entries(bank, [PDQ_A.replace("d8", "00", 1)])
        assert repo.remove_entries(bank, [PDQ_B]) == 1
        repo.update("LIFE", enabled=False, allow=True, clear_threshold=True)
        info = repo.info("LIFE")
        assert (info.enabled, info.is_allow, info.pdq_threshold) == (False, True, None)
        assert repo.delete("LIFE") == 1
        with pytest.raises(NotFound):
            repo.get("LIFE")


def _pdq(i: int) -> str:
    return f"{i:064x}"


def test_streamed_import_merges_across_chunks_and_with_stored_entries(
    db: Database, org: Org
) -> None:
    with db.session(write=True) as s:
        repo = BankRepository(s, org)
        bank = repo.create("STREAMED")
        repo.add_entries(bank, [make_entry("pdq", _pdq(1), source="IWF")])
    text = "signal_type,signal,source,note\n" + "".join(
        f"pdq,{_pdq(i % 25)},,n{i}\n" for i in range(1, 31)
    )
    seen: list[int] = []
    with db.session(write=True) as s:
        repo = BankRepository(s, org)
        entries = parse_entries(io.StringIO(text))
        summary = repo.import_entries(
            repo.get("STREAMED"), iter(entries), chunk_size=7, progress=seen.append
        )
    assert sum(seen) == 30 and max(seen) == 7
    # 24 new values (2..25 with 25 -> 0), value 1 stored, 5 repeats across chunks
    assert (summary.added, summary.merged) == (24, 6)
    with db.session() as s:
        repo = BankRepository(s, org)
        rows = {r.value: r for r in repo.iter_entries(repo.get("STREAMED"))}
        changes = list(s.scalars(sa.select(IndexChange).where(IndexChange.op == "add")))
    assert len(rows) == 25
    assert (rows[_pdq(1)].source, rows[_pdq(1)].note) == ("IWF", "n1")  # filled, kept
    assert rows[_pdq(2)].note == "n2"  # the first line's note wins over the repeat's n27
    ids = sorted(r.id for r in rows.values())
    last = changes[-1]
    assert (last.entry_id, last.entry_id_end) == (ids[1], ids[-1])  # one range, once


def test_streamed_import_into_an_empty_bank_merges_repeats_of_earlier_chunks(
    db: Database, org: Org
) -> None:
    """Into an empty bank the entries are staged; a hash repeated across chunks makes the bank
    refuse the move, and the staged entries then merge in reading order."""
    with db.session(write=True) as s:
        BankRepository(s, org).create("FRESH")
    # chunks of 7: the first two are new, the third repeats _pdq(3) (and fills its note)
    odd = "tab\there, back\\slash, new\nline"
    entries = [make_entry("pdq", _pdq(i), source=odd if i == 5 else "") for i in range(1, 15)]
    entries += [make_entry("pdq", _pdq(3), note="late")]
    entries += [make_entry("md5", f"{i:032x}") for i in range(20, 26)]
    with db.session(write=True) as s:
        repo = BankRepository(s, org)
        summary = repo.import_entries(repo.get("FRESH"), iter(entries), chunk_size=7)
    assert (summary.added, summary.merged) == (20, 1)
    assert summary.by_signal == {"pdq": 14, "md5": 6}
    with db.session() as s:
        repo = BankRepository(s, org)
        rows = {r.value: r for r in repo.iter_entries(repo.get("FRESH"))}
        info = repo.info("FRESH")
        changes = list(s.scalars(sa.select(IndexChange).where(IndexChange.op == "add")))
    assert len(rows) == 20 and info.entries == {"pdq": 14, "md5": 6}
    assert rows[_pdq(3)].note == "late" and rows[_pdq(5)].source == odd  # COPY's escapes undone
    ids = sorted(r.id for r in rows.values())
    assert len(changes) == 1
    assert (changes[0].entry_id or 0) <= ids[0] and changes[0].entry_id_end == ids[-1]


def _staging_exists(s: Session) -> bool:
    connection = s.connection()
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql("SELECT to_regclass('pg_temp.bank_import_staging')")
        return found.scalar() is not None
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_temp_master WHERE name = 'bank_import_staging'"
    )
    return found.first() is not None


def test_streamed_import_into_an_empty_bank_moves_the_entries_in_digest_order(
    db: Database, org: Org
) -> None:
    """The staged entries go in by one move, sorted by digest: ids ascend with the digests."""
    odd = "tab\there, back\\slash, new\nline"
    entries = [make_entry("pdq", _pdq(i), source=odd if i == 4 else "") for i in range(1, 30)]
    entries += [make_entry("md5", f"{i:032x}", enabled=i % 2 == 0) for i in range(40, 45)]
    phases: list[str] = []
    with db.session(write=True) as s:
        repo = BankRepository(s, org)
        summary = repo.import_entries(
            repo.create("SORTED"), iter(entries), chunk_size=6, phase=phases.append
        )
        assert not _staging_exists(s)
    assert (summary.added, summary.merged) == (34, 0)
    assert summary.by_signal == {"pdq": 29, "md5": 5}
    assert phases == ["moving into the bank"]
    with db.session() as s:
        repo = BankRepository(s, org)
        rows = list(repo.iter_entries(repo.get("SORTED")))
        info = repo.info("SORTED")
        changes = list(s.scalars(sa.select(IndexChange).where(IndexChange.op == "add")))
    by_id = sorted(rows, key=lambda r: r.id)
    assert [r.value_digest for r in by_id] == sorted(r.value_digest for r in rows)
    assert {r.value: r.source for r in rows}[_pdq(4)] == odd
    assert sorted(r.value for r in rows if not r.enabled) == [f"{i:032x}" for i in (41, 43)]
    assert (info.entries, info.disabled_entries) == ({"pdq": 29, "md5": 3}, 2)
    assert (changes[-1].entry_id or 0) <= by_id[0].id and changes[-1].entry_id_end == by_id[-1].id


def test_streamed_import_keeps_nothing_when_a_late_line_is_bad(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        BankRepository(s, org).create("ATOMIC")
    lines = [f"pdq {_pdq(i)}\n" for i in range(1, 50)] + ["pdq not-a-hash\n"]
    with pytest.raises(InvalidInput, match=r"^line 50:"), db.session(write=True) as s:
        repo = BankRepository(s, org)
        repo.import_entries(repo.get("ATOMIC"), iter_parsed_entries(iter(lines)), chunk_size=10)
    with db.session() as s:
        repo = BankRepository(s, org)
        assert list(repo.iter_entries(repo.get("ATOMIC"))) == []


def test_exports_without_an_enabled_column_leave_disabled_entries_out(
    db: Database, org: Org
) -> None:
    with db.session(write=True) as s:
        repo = BankRepository(s, org)
        bank = repo.create("PARTLY")
        repo.add_entries(bank, [make_entry("pdq", PDQ_A), make_entry("pdq", PDQ_B)])
        repo.set_entries_enabled(bank, [PDQ_B], False)
        rows = list(repo.iter_entries(bank))
    for fmt in (BankFormat.TE_LINES, BankFormat.TE_CSV, BankFormat.LINES):
        out = io.StringIO()
        assert write_entries(rows, fmt, out) == 1
        assert PDQ_A in out.getvalue() and PDQ_B not in out.getvalue()
    out = io.StringIO()
    assert write_entries(rows, BankFormat.CSV, out) == 2
    assert f"{PDQ_B},,,,,false" in out.getvalue()
