"""The chunks of a streamed bank import (``BankRepository.import_entries``).

Each chunk's duplicates merge in memory; then its new entries go in by one bulk insert, in
digest order. Into a bank that holds none of the chunk's hashes, no look-up is needed: the
chunk is inserted in a savepoint, and only when the bank's unique index refuses it (a hash
stored already, or repeated from an earlier chunk) is it rolled back and redone with look-ups,
as are the chunks after it. On PostgreSQL the ``COPY`` of one chunk runs in a thread while the
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
from childguard.store.bulk import (
    DigestedEntry,
    bulk_insert_entries,
    bulk_insert_new_entries,
    stored_entries,
)
from childguard.store.models import BankEntry

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
    (normally or by an error) waits for a chunk still in flight, so the caller may roll back.
    ``look_up`` says whether the bank may already hold some of the hashes (then every chunk
    looks its digests up first). Counts go to ``summary``.
    """

    def __init__(
        self,
        session: Session,
        bank_id: int,
        added_at: datetime,
        summary: ImportSummary,
        *,
        look_up: bool,
    ) -> None:
        self.session = session
        self.bank_id = bank_id
        self.added_at = added_at
        self.summary = summary
        self.look_up = look_up
        threaded = session.connection().dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(1, "bank-import") if threaded else None
        self._pending: tuple[Future[bool], dict[str, EntryIn]] | None = None

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
                self._pending[0].result()
            self._pending = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def add(self, chunk: Sequence[EntryIn]) -> None:
        """Merge ``chunk``'s duplicates and insert its new entries (maybe still in flight)."""
        unique: dict[str, EntryIn] = {}
        for e in chunk:
            key = value_digest(e.signal_type, e.value)
            if key in unique:
                self.summary.merged += 1
                unique[key] = merge_in(unique[key], e)
            else:
                unique[key] = e
        if self.look_up:
            self._insert_looked_up(unique)
            return
        # in digest order: the unique index sweeps through the keys once
        new = [(key, unique[key]) for key in sorted(unique)]
        self._settle()
        if self.look_up:  # the chunk before was refused
            self._insert_looked_up(unique)
            return
        self._pending = (self._start(new), unique)

    def finish(self) -> None:
        """Wait for the last chunk (redoing it with look-ups if it was refused)."""
        self._settle()

    def _start(self, new: Sequence[DigestedEntry]) -> Future[bool]:
        args = (self.session, self.bank_id, self.added_at, new)
        if self._pool is not None:
            return self._pool.submit(bulk_insert_new_entries, *args)
        done: Future[bool] = Future()
        done.set_result(bulk_insert_new_entries(*args))
        return done

    def _settle(self) -> None:
        if self._pending is None:
            return
        future, unique = self._pending
        self._pending = None
        if future.result():
            self.summary.count_added(unique.values())
        else:
            self.look_up = True
            self._insert_looked_up(unique)

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
        new = [(key, unique[key]) for key in ordered if key in unique]
        self.summary.count_added(unique.values())
        bulk_insert_entries(self.session, self.bank_id, self.added_at, new)
