"""A large hash file read, validated and sorted by worker processes gives what one process
gives: the same entries, merges, counts and first-bad-line messages."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from childguard.errors import InvalidInput
from childguard.media.bank_sort_parallel import line_ranges, sort_file_in_parallel
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import Org
from childguard.store.sorted_runs import SortedRuns, parse_line


def _pdq(i: int) -> str:
    return f"{i:064x}"


def test_ranges_cut_after_a_newline_and_number_their_first_line(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    lines = [f"pdq {_pdq(i)}\n" for i in range(50)]
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).encode())
    ranges = line_ranges(path, 300)
    data = path.read_bytes()
    assert ranges[0][0] == 3 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    for start, end, first in ranges:
        assert data[end - 1 : end] == b"\n"
        assert data[3:start].count(b"\n") + 1 == first


def test_workers_sort_merge_and_count_as_one_process_would(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    body = [f"pdq {_pdq(i)}\n" for i in range(1, 200)]
    body.insert(150, f"pdq {_pdq(7)}\n")  # a repeat in a later range
    body.insert(10, "# a comment\n")
    path.write_text("".join(body))
    seen: list[int] = []
    with SortedRuns(run_entries=16, suffix="\t9\t2026-12-06T00:00:00+00:00") as runs:
        counts, merged = sort_file_in_parallel(
            path, None, "IWF", runs, workers=2, progress=seen.append, range_bytes=2_000
        )
        lines = list(runs.merged())
    assert merged == 0  # the repeat is in another range: the runs' merge takes it
    assert len(lines) == 199 and sum(seen) == 200
    assert counts == {("pdq", True): 200}
    parsed = [parse_line(line) for line in lines]
    assert [d for d, _ in parsed] == sorted(d for d, _ in parsed)
    assert {fields[2] for _, fields in parsed} == {"IWF"}
    assert all(line.endswith("\t9\t2026-12-06T00:00:00+00:00\n") for line in lines)


def test_the_first_bad_line_is_named_by_its_number_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    body = [f"pdq {_pdq(i)}\n" for i in range(1, 300)]
    body[260] = "pdq not-a-hash\n"
    body[120] = "md5 also-bad\n"
    path.write_text("".join(body))
    with SortedRuns() as runs, pytest.raises(InvalidInput, match=r"^line 121: "):
        sort_file_in_parallel(path, None, "", runs, workers=2, range_bytes=2_000)


def test_a_file_of_comments_holds_no_hashes(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("# nothing\n\n# here\n")
    with SortedRuns() as runs, pytest.raises(InvalidInput, match="holds no hashes"):
        sort_file_in_parallel(path, None, "", runs, workers=2, range_bytes=8)


def test_a_file_imported_by_workers_equals_the_same_file_streamed(
    db: Database, org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the first import goes through the workers (the size floor lowered); on
    SQLite both stream. Either way the banks, counts and summaries are the same."""
    from childguard.media import banks

    monkeypatch.setattr(banks, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr("childguard.media.bank_sort_parallel.RANGE_BYTES", 3_000)
    path = tmp_path / "h.txt"
    body = [f"pdq {_pdq(i)}\n" for i in range(1, 120)] + [f"md5 {i:032x}\n" for i in range(30)]
    body += [f"pdq {_pdq(5)}\n", f"md5 {3:032x}\n"]
    path.write_text("".join(body))
    from childguard.media.bank_import import ChunkImporter

    sorted_files: list[Path] = []
    original = ChunkImporter.sort_file

    def spy(self: ChunkImporter, path: Path, *args: object) -> None:
        sorted_files.append(path)
        original(self, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ChunkImporter, "sort_file", spy)
    summaries = []
    for name, workers in (("BY_WORKERS", 2), ("STREAMED", 1)):
        with db.session(write=True) as s:
            repo = BankRepository(s, org)
            bank = repo.create(name)
            summaries.append(repo.import_file(bank, path, source="NCMEC", workers=workers))
    assert sorted_files == ([path] if db.engine.dialect.name == "postgresql" else [])
    assert summaries[0] == summaries[1]
    assert (summaries[0].added, summaries[0].merged) == (149, 2)
    with db.session() as s:
        repo = BankRepository(s, org)
        got = [
            sorted((e.value, e.source) for e in repo.iter_entries(repo.get(name)))
            for name in ("BY_WORKERS", "STREAMED")
        ]
        infos = [repo.info(name).entries for name in ("BY_WORKERS", "STREAMED")]
    assert got[0] == got[1] and len(got[0]) == 149
    assert infos[0] == infos[1] == {"pdq": 119, "md5": 30}
