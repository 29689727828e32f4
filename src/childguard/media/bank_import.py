"""The chunks of a streamed bank import (``BankRepository.import_entries``).

Each chunk's duplicates merge in memory. Into a bank that holds no entry yet, no hash is looked
up: the entries are put in digest order and go into the bank at the end, so that every index
of ``bank_entries`` takes them in key order (at 10M hashes, inserting them in reading order made
each index insert a random page access). On PostgreSQL they are sorted on the client in
temporary runs and streamed into one ``COPY`` (``store.sorted_runs``), merging repeated hashes
on the way (a large file is read and sorted by several processes: ``sort_file``); when the bank
refuses the ``COPY`` (a hash that another transaction put in the bank meanwhile), the merged
entries go in a chunk at a time with look-ups. On SQLite they are staged in a temporary table
and moved by one sorted ``INSERT ... SELECT`` (``store.staging``; the database is in this
process, and sorts in C); a hash repeated across chunks makes the bank refuse the move, and the
staged repeats are merged in SQL before it runs again. Into a bank that holds entries, every
chunk looks its hashes up and inserts the new ones.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from types import TracebackType

from sqlalchemy import update
from sqlalchemy.orm import Session

from childguard.errors import Conflict
from childguard.media.bank_formats import EntryIn, merge_repeats
from childguard.store.bulk import DigestedEntry, Tallies, bulk_insert_entries, stored_entries
from childguard.store.models import BankEntry
from childguard.store.sorted_runs import SortedRuns, copy_sorted_lines, parse_line
from childguard.store.staging import (
    create_staging,
    drop_staging,
    merge_staged_repeats,
    move_staged,
    stage_entries,
    staged_counts,
)

#: An entry's (signal type, enabled): what its bank's counts are kept by.
_TYPE_AND_STATE = itemgetter(0, 6)
#: Provenance fields that a duplicate fills in where the stored entry has them empty.
PROVENANCE = ("source", "external_id", "classification", "note")


@dataclass
class ImportSummary:
    """What an import or add did: new entries, merged duplicates, and per-signal counts."""

    added: int = 0
    merged: int = 0
    by_signal: dict[str, int] = field(default_factory=dict)
    entry_ids: list[int] = field(default_factory=list)

    def count_added(self, added: Iterable[EntryIn]) -> None:
        """Add ``added`` (new entries) to ``added`` and ``by_signal``."""
        counts = Counter(e.signal_type for e in added)
        for signal, n in counts.items():
            self.by_signal[signal] = self.by_signal.get(signal, 0) + n
        self.added += sum(counts.values())


class ChunkImporter:
    """Inserts the chunks of one import into one bank, in the caller's transaction.

    Use as a context manager and call ``add`` per chunk, then ``finish``; leaving the block
    (normally or by an error) removes the sorted runs and drops the staging table, so the
    caller may roll back. ``look_up`` says whether the bank may already hold some of the
    hashes (then every chunk looks its digests up at once). Counts go to ``summary``;
    ``chunk_size`` bounds what a merge with look-ups holds in memory.
    """

    def __init__(
        self,
        session: Session,
        bank_id: int,
        added_at: datetime,
        summary: ImportSummary,
        *,
        look_up: bool,
        chunk_size: int = 50_000,
    ) -> None:
        self.session = session
        self.bank_id = bank_id
        self.added_at = added_at
        self.summary = summary
        self.look_up = look_up
        self.chunk_size = chunk_size
        self._postgresql = session.connection().dialect.name == "postgresql"
        self._runs: SortedRuns | None = None
        self._sorted: Counter[tuple[str, bool]] = Counter()
        self._staged = 0
        self._staging = False

    def __enter__(self) -> ChunkImporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runs is not None:
            self._runs.close()
            self._runs = None
        if self._staging:
            self._staging = False
            with contextlib.suppress(Exception):  # a dead transaction: the rollback drops it
                drop_staging(self.session)

    def add(self, chunk: Sequence[EntryIn]) -> None:
        """Merge ``chunk``'s duplicates, then sort, stage or insert its new entries."""
        unique = self._merged(chunk)
        if self.look_up:
            self._insert_looked_up(unique)
        elif self._postgresql:
            if self._runs is None:
                suffix = f"\t{self.bank_id}\t{self.added_at.isoformat()}"
                self._runs = SortedRuns(suffix=suffix)
            self._runs.add(unique.items())
            self._sorted.update(map(_TYPE_AND_STATE, unique.values()))
        else:
            if not self._staging:
                create_staging(self.session)
                self._staging = True
            entries = list(unique.items())
            stage_entries(self.session, self._staged, entries)
            self._staged += len(entries)

    def sort_file(
        self,
        path: Path,
        signal_type: str | None,
        source: str,
        workers: int,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Read, validate and sort a ``te-lines`` or ``lines`` file on ``workers`` processes
        (``bank_sort_parallel``), in place of ``add``: PostgreSQL, into an empty bank only."""
        from childguard.media.bank_sort_parallel import sort_file_in_parallel

        if self.look_up or not self._postgresql:
            raise ValueError("sorting a file in parallel is for PostgreSQL and an empty bank")
        if self._runs is None:
            self._runs = SortedRuns(suffix=f"\t{self.bank_id}\t{self.added_at.isoformat()}")
        counts, merged = sort_file_in_parallel(
            path, signal_type, source, self._runs, workers, progress
        )
        self._sorted.update(counts)
        self.summary.merged += merged

    def finish(self) -> None:
        """Put the sorted or staged entries into the bank."""
        if self._runs is not None:
            self._finish_sorted(self._runs)
        elif self._staging:
            self._finish_staged()

    def _finish_sorted(self, runs: SortedRuns) -> None:
        counts = self._sorted  # less each line merged into an earlier one, as the merge goes
        merged = 0

        def count_merge(first: str, later: str) -> None:
            nonlocal merged
            merged += 1
            a, b = first.split("\t"), later.split("\t")
            counts[(a[1], b[7] == "t")] -= 1
            if b[7] == "t" and a[7] != "t":  # the merged entry is enabled
                counts[(a[1], False)] -= 1
                counts[(a[1], True)] += 1

        def tallies() -> Tallies:
            return {(self.bank_id, stype, on): n for (stype, on), n in counts.items() if n}

        if copy_sorted_lines(self.session, self.bank_id, runs.merged(count_merge), tallies):
            self.summary.merged += merged
            for (signal, _), n in counts.items():
                if n:
                    self.summary.by_signal[signal] = self.summary.by_signal.get(signal, 0) + n
                    self.summary.added += n
            return
        # the bank gained some of the hashes meanwhile: merge with look-ups, a chunk at a time
        batch: list[DigestedEntry] = []
        for line in runs.merged(lambda first, later: self._count_merge()):
            batch.append(parse_line(line))
            if len(batch) >= self.chunk_size:
                self._insert_looked_up({key: EntryIn(*fields) for key, fields in batch})
                batch = []
        self._insert_looked_up({key: EntryIn(*fields) for key, fields in batch})

    def _finish_staged(self) -> None:
        moved = move_staged(self.session, self.bank_id, self.added_at)
        if not moved:  # a hash repeated across chunks (the write lock keeps others out)
            self.summary.merged += merge_staged_repeats(self.session)
            moved = move_staged(self.session, self.bank_id, self.added_at)
        if not moved:
            raise Conflict("the bank changed during the import: run the import again")
        counts = staged_counts(self.session)
        for signal, n in counts.items():
            self.summary.by_signal[signal] = self.summary.by_signal.get(signal, 0) + n
        self.summary.added += sum(counts.values())
        self._staging = False
        drop_staging(self.session)

    def _count_merge(self) -> None:
        self.summary.merged += 1

    def _merged(self, chunk: Sequence[EntryIn]) -> dict[str, EntryIn]:
        unique, merged = merge_repeats(chunk)
        self.summary.merged += merged
        return unique

    def _insert_looked_up(self, unique: dict[str, EntryIn]) -> None:
        """Merge with stored entries (filling empty provenance), insert the rest."""
        ordered = sorted(unique)
        fills: list[tuple[int, dict[str, str]]] = []
        for row in stored_entries(self.session, self.bank_id, ordered):
            e = unique.pop(row.value_digest)
            self.summary.merged += 1
            fill = {a: getattr(e, a) for a in PROVENANCE if getattr(e, a) and not getattr(row, a)}
            if fill:
                fills.append((row.id, fill))
        for entry_id, fill in fills:
            self.session.execute(update(BankEntry).where(BankEntry.id == entry_id).values(fill))
        new: list[DigestedEntry] = [(key, unique[key]) for key in ordered if key in unique]
        self.summary.count_added(unique.values())
        bulk_insert_entries(self.session, self.bank_id, self.added_at, new)
