"""A large ``te-lines`` or ``lines`` bank file read, validated and sorted on several cores.

Reading, validating and sorting a file of hashes costs about 3.5 us a line in Python: 10M
hashes kept one core busy for 38 s while PostgreSQL waited for the sorted ``COPY``
(``store.sorted_runs``). The file is cut at line boundaries into ranges of ``RANGE_BYTES``;
worker processes each read a range, validate its lines (the same checks and messages as
``bank_formats.iter_parsed_entries``, line numbers counted from the file's start), merge the
range's repeated hashes and write it as sorted runs into the import's run folder. The runs are
then merged by the caller in range order, so that a hash repeated across ranges merges in
reading order as it would in one process. Only these two formats are cut (one hash per line);
CSV rows may span lines.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from childguard.errors import InvalidInput
from childguard.media.bank_formats import iter_lines_from, merge_repeats
from childguard.store.sorted_runs import RUN_ENTRIES, SortedRuns

#: Bytes of the file per task.
RANGE_BYTES = 32 * 1024 * 1024
#: Files smaller than this are read in the importing process (workers cost a start-up).
PARALLEL_MIN_BYTES = 64 * 1024 * 1024
#: Entries merged in memory at a time within a range.
CHUNK = 25_000
#: Entries per sorted run written by a worker: smaller than the importing process's own runs,
#: since every worker holds one while the importing process waits (all of them together stay
#: under the import's 500 MB).
WORKER_RUN_ENTRIES = 100_000
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RangeJob:
    """One task: a byte range of the file and how to read and write it."""

    path: str
    start: int
    end: int
    first_line: int
    signal_type: str | None
    source: str
    folder: str
    prefix: str
    suffix: str
    run_entries: int = RUN_ENTRIES


@dataclass
class RangeSorted:
    """What a task wrote: its runs in order, the (signal type, enabled) counts of the entries in
    them, the repeats it merged, whether it held any hash, and the first bad line's message."""

    runs: list[str] = field(default_factory=list)
    counts: Counter[tuple[str, bool]] = field(default_factory=Counter)
    merged: int = 0
    found: bool = False
    error: str | None = None


def line_ranges(path: Path, range_bytes: int = RANGE_BYTES) -> list[tuple[int, int, int]]:
    """``(start, end, first line number)`` of ranges of about ``range_bytes``, cut after a
    newline (a leading UTF-8 byte-order mark is left out)."""
    ranges: list[tuple[int, int, int]] = []
    with path.open("rb") as handle:
        start = len(_UTF8_BOM) if handle.read(len(_UTF8_BOM)) == _UTF8_BOM else 0
        line = 1
        while True:
            handle.seek(start)
            block = handle.read(range_bytes)
            if not block:
                break
            cut = len(block)
            if len(block) == range_bytes:
                rest = handle.readline()  # to the end of the line the block cut
                block += rest
                cut = len(block)
            ranges.append((start, start + cut, line))
            line += block.count(b"\n")
            start += cut
    return ranges


def _read_range(job: RangeJob) -> Iterator[str]:
    with open(job.path, "rb") as handle:
        handle.seek(job.start)
        left = job.end - job.start
        for raw in handle:
            yield raw.decode("utf-8")
            left -= len(raw)
            if left <= 0:
                return


def sort_range(job: RangeJob) -> RangeSorted:
    """Read, validate, merge and sort one range into runs (in a worker process)."""
    from childguard.runtime import gc_paused, tune_allocator

    tune_allocator()
    out = RangeSorted()
    runs = SortedRuns(job.run_entries, job.suffix, folder=Path(job.folder), prefix=job.prefix)
    try:
        with gc_paused():
            entries = iter_lines_from(
                _read_range(job), job.signal_type, job.source, first_line=job.first_line
            )
            while chunk := list(itertools.islice(entries, CHUNK)):
                out.found = True
                unique, merged = merge_repeats(chunk)
                out.merged += merged
                runs.add(unique.items())
                out.counts.update((e.signal_type, e.enabled) for e in unique.values())
            runs.flush()
    except InvalidInput as exc:
        return RangeSorted(error=exc.message)
    except UnicodeDecodeError:
        return RangeSorted(error=f"not UTF-8 text (bytes {job.start}-{job.end})")
    out.runs = [str(p) for p in runs.paths]
    return out


def sort_file_in_parallel(
    path: Path,
    signal_type: str | None,
    source: str,
    runs: SortedRuns,
    workers: int,
    progress: Callable[[int], None] | None = None,
    *,
    range_bytes: int | None = None,
) -> tuple[Counter[tuple[str, bool]], int]:
    """Read, validate and sort ``path`` into ``runs`` on ``workers`` processes.

    Returns the (signal type, enabled) counts of the entries written and the number of repeats
    merged within ranges. Raises ``InvalidInput`` for the file's first bad line (its number
    counted from the file's start), as reading it in one process would, or when it holds no
    hash; nothing is kept then (the caller removes the runs).
    """
    jobs = [
        RangeJob(
            str(path),
            start,
            end,
            first,
            signal_type,
            source,
            str(runs.folder),
            f"range{n:05d}",
            runs.suffix,
            min(runs.run_entries, WORKER_RUN_ENTRIES),
        )
        for n, (start, end, first) in enumerate(line_ranges(path, range_bytes or RANGE_BYTES))
    ]
    counts: Counter[tuple[str, bool]] = Counter()
    merged = 0
    found = False
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        for result in pool.map(sort_range, jobs):
            if result.error is not None:  # the earliest range's error is the first bad line
                raise InvalidInput(result.error)
            runs.adopt([Path(p) for p in result.runs])
            counts.update(result.counts)
            merged += result.merged
            found = found or result.found
            if progress is not None:
                progress(sum(result.counts.values()) + result.merged)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not found:
        raise InvalidInput("the file holds no hashes")
    return counts, merged
