"""The chunks of a streamed bank import (``BankRepository.import_entries``).

Each chunk's duplicates merge in memory. Into a bank that holds no entry yet, chunks are
staged in a temporary table without any look-up, and moved into the bank at the end by one
statement in digest order (``store.staging``: at 10M hashes, inserting in reading order made
every index insert a random page access); only when the bank's unique index refuses the move
(a hash repeated across chunks) are the staged entries merged and inserted a chunk at a time,
in reading order, with look-ups. Into a bank that holds entries, every chunk looks its hashes up
and inserts the new ones. On PostgreSQL the ``COPY`` of one chunk runs in a thread while the
caller reads and merges the next, so that the server works while the file is parsed, as in a
plain streamed ``COPY`` (the session is used by one thread at a time: this one waits for the
thread before it touches the session again).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from sqlalchemy import update
from sqlalchemy.orm import Session

from childguard.media.bank_formats import EntryIn, value_digest
from childguard.store.bulk import DigestedEntry, bulk_insert_entries, stored_entries
from childguard.store.models import BankEntry
from childguard.store.staging import (
    create_staging,
    drop_staging,
    iter_staged,
    move_staged,
    stage_entries,
    staged_counts,
)

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


def merge_in(a: EntryIn, b: EntryIn) -> EntryIn:
    """``a`` with its empty provenance filled from ``b`` (enabled if either is)."""
    return EntryIn(
        signal_type=a.signal_type,
        value=a.value,
        source=a.source or b.source,
        external_id=a.external_id or b.external_id,
        classification=a.classification or b.classification,
        note=a.note or b.note,
        enabled=a.enabled or b.enabled,
    )


class ChunkImporter:
    """Inserts the chunks of one import into one bank, in the caller's transaction.

    Use as a context manager and call ``add`` per chunk, then ``finish``; leaving the block
    (normally or by an error) waits for a chunk still in flight and drops the staging table,
    so the caller may roll back. ``look_up`` says whether the bank may already hold some of
    the hashes (then every chunk looks its digests up and nothing is staged). Counts go to
    ``summary``; ``chunk_size`` bounds what a fallback merge holds in memory.
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
        self._staged = 0
        self._staging = False
        threaded = session.connection().dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(1, "bank-import") if threaded else None
        self._pending: Future[None] | None = None

    def __enter__(self) -> ChunkImporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pending is not None:  # an error left a chunk in flight: let it end first
            with contextlib.suppress(Exception):
                self._pending.result()
            self._pending = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self._staging:
            self._staging = False
            with contextlib.suppress(Exception):  # a dead transaction: the rollback drops it
                drop_staging(self.session)

    def add(self, chunk: Sequence[EntryIn]) -> None:
        """Merge ``chunk``'s duplicates and stage or insert its new entries (maybe in flight)."""
        unique = self._merged(chunk)
        if self.look_up:
            self._insert_looked_up(unique)
            return
        if not self._staging:
            create_staging(self.session)
            self._staging = True
        entries = list(unique.items())
        self._settle()
        first, self._staged = self._staged, self._staged + len(entries)
        if self._pool is not None:
            self._pending = self._pool.submit(stage_entries, self.session, first, entries)
        else:
            stage_entries(self.session, first, entries)

    def finish(self) -> None:
        """Move the staged entries into the bank (merging them if the bank refuses the move)."""
        self._settle()
        if not self._staging:
            return
        if move_staged(self.session, self.bank_id, self.added_at):
            counts = staged_counts(self.session)
            for signal, n in counts.items():
                self.summary.by_signal[signal] = self.summary.by_signal.get(signal, 0) + n
            self.summary.added += sum(counts.values())
        else:  # a hash repeated across chunks: merge in reading order, as without staging
            for batch in iter_staged(self.session, self.chunk_size):
                unique: dict[str, EntryIn] = {}
                for key, fields in batch:
                    self._merge_into(unique, key, EntryIn(*fields))
                self._insert_looked_up(unique)
        self._staging = False
        drop_staging(self.session)

    def _merged(self, chunk: Sequence[EntryIn]) -> dict[str, EntryIn]:
        unique: dict[str, EntryIn] = {}
        for e in chunk:
            self._merge_into(unique, value_digest(e.signal_type, e.value), e)
        return unique

    def _merge_into(self, unique: dict[str, EntryIn], key: str, e: EntryIn) -> None:
        if key in unique:
            self.summary.merged += 1
            unique[key] = merge_in(unique[key], e)
        else:
            unique[key] = e

    def _settle(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

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
