"""An import's entries sorted by value digest on the client, in bounded memory, for one ``COPY``.

PostgreSQL inserts fastest through ``COPY`` (rows go into the table a page at a time), and an
index takes keys fastest in order (each insert appends to its last page). A bulk import into
PostgreSQL therefore writes its entries to sorted runs in temporary files as it reads them
(``RUN_ENTRIES`` at a time, so memory stays bounded whatever the input's length), then merges
the runs and streams the merged entries, in digest order, into one ``COPY``: the server
inserts while the client merges. Moving rows from a temporary table on the server instead
(``INSERT ... SELECT ... ORDER BY``) inserts them one at a time: at 10M hashes that move alone
took longer than the whole plain ``COPY``.

Each run line is the entry in ``COPY``'s text format, digest first; lines of one digest (the
same hash read twice) come out of the merge together, in reading order, and are merged as
``bank_formats.merge_in`` merges entries: the first keeps its provenance, later ones fill what
it left empty, and the entry is enabled if either is.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from types import TracebackType

from sqlalchemy.orm import Session

from childguard.store.bulk import (
    COPY_ESCAPES,
    DIGESTED_COLUMNS,
    DigestedEntry,
    EntryFields,
    Tallies,
    add_tallies,
    copy_text,
    lock_bank_for_key_share,
    unchecked_copy_allowed,
    unless_unique_violation,
)

#: Entries per sorted run (about 200 bytes each in memory while the run is built).
RUN_ENTRIES = 250_000
#: Lines per ``COPY`` write.
COPY_BLOCK = 20_000
#: A run line's columns, in order, as ``COPY`` reads them.
RUN_COLUMNS = DIGESTED_COLUMNS
#: A value digest is 64 hex characters: a line's sort key.
_DIGEST = itemgetter(slice(0, 64))
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_ESCAPED = re.compile(r"\\(.)")


def format_line(digest: str, fields: EntryFields, suffix: str = "") -> str:
    """One entry as a run line: ``COPY`` text format, ``RUN_COLUMNS`` then ``suffix`` (more
    columns, each after a tab, already in ``COPY``'s format), and a newline."""
    stype, value, source, ext, cls, note, enabled = fields
    esc = COPY_ESCAPES
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.translate(esc)
    # most provenance is empty: nothing to escape
    return (
        f"{digest}\t{stype}\t{value}\t"
        f"{source and source.translate(esc)}\t{ext and ext.translate(esc)}\t"
        f"{cls and cls.translate(esc)}\t{note and note.translate(esc)}\t"
        f"{'t' if enabled else 'f'}{suffix}\n"
    )


def parse_line(line: str) -> DigestedEntry:
    """A run line back as ``(digest, fields)`` (``format_line``'s inverse, less the suffix)."""
    digest, stype, value, source, ext, cls, note, enabled = line.rstrip("\n").split("\t")[:8]
    fields = (stype, value, source, ext, cls, note)
    stype, value, source, ext, cls, note = (
        _ESCAPED.sub(lambda m: _UNESCAPES[m.group(1)], f) if "\\" in f else f for f in fields
    )
    return digest, (stype, value, source, ext, cls, note, enabled == "t")


def merge_lines(first: str, later: str) -> str:
    """``first`` with its empty provenance filled from ``later`` (enabled if either is); the
    suffix is ``first``'s."""
    a = first.rstrip("\n").split("\t")
    b = later.rstrip("\n").split("\t")
    for i in range(3, 7):  # source, external_id, classification, note
        a[i] = a[i] or b[i]
    a[7] = "t" if "t" in (a[7], b[7]) else "f"
    return "\t".join(a) + "\n"


class SortedRuns:
    """The entries of one import, in sorted runs in a temporary folder (removed on ``close``).

    ``add`` entries as they are read, then iterate ``merged`` (as many times as needed). Each
    line ends with ``suffix`` (see ``format_line``).
    """

    def __init__(
        self,
        run_entries: int = RUN_ENTRIES,
        suffix: str = "",
        *,
        folder: Path | None = None,
        prefix: str = "run",
    ) -> None:
        self.run_entries = run_entries
        self.suffix = suffix
        self.prefix = prefix
        # a folder given is another's (a worker writing into the import's folder): kept on close
        self._owned = folder is None
        self._folder = folder or Path(tempfile.mkdtemp(prefix="childguard-import-"))
        self._runs: list[Path] = []
        self._buffer: list[str] = []

    @property
    def folder(self) -> Path:
        """The temporary folder of the runs."""
        return self._folder

    @property
    def paths(self) -> list[Path]:
        """The runs written so far, in order."""
        return list(self._runs)

    def adopt(self, paths: list[Path]) -> None:
        """Take runs written by others into this folder (sorted, ``format_line`` lines, the
        same suffix) as the next runs, after the buffered entries."""
        self.flush()
        self._runs.extend(paths)

    def flush(self) -> None:
        """Write the buffered entries out as a run."""
        if self._buffer:
            self._write_run()

    def __enter__(self) -> SortedRuns:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def add(self, entries: Iterable[DigestedEntry]) -> None:
        """Add entries (a full buffer is sorted and written out as a run)."""
        suffix = self.suffix
        self._buffer.extend([format_line(digest, fields, suffix) for digest, fields in entries])
        if len(self._buffer) >= self.run_entries:
            self._write_run()

    def merged(self, on_merge: Callable[[str, str], None] | None = None) -> Iterator[str]:
        """Every entry once, in digest order: lines of one digest merged (``on_merge`` is called
        with the earlier line and the later one before each such merge)."""
        self.flush()
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(p.open(encoding="utf-8")) for p in self._runs]
            pending = ""
            key = ""
            # heapq.merge keeps the runs' order among equal keys: reading order
            for line in heapq.merge(*handles, key=_DIGEST):
                if line[:64] == key:
                    if on_merge is not None:
                        on_merge(pending, line)
                    pending = merge_lines(pending, line)
                    continue
                if pending:
                    yield pending
                pending, key = line, line[:64]
            if pending:
                yield pending

    def close(self) -> None:
        """Remove the runs."""
        self._buffer.clear()
        if self._owned:
            shutil.rmtree(self._folder, ignore_errors=True)
        else:
            for path in self._runs:
                path.unlink(missing_ok=True)

    def _write_run(self) -> None:
        self._buffer.sort(key=_DIGEST)  # stable: one digest's lines stay in reading order
        path = self._folder / f"{self.prefix}-{len(self._runs):05d}.txt"
        with path.open("w", encoding="utf-8") as out:
            out.writelines(self._buffer)
        self._runs.append(path)
        self._buffer.clear()


def copy_sorted_lines(
    session: Session, bank_id: int, lines: Iterable[str], tallies: Callable[[], Tallies]
) -> bool:
    """``COPY`` run lines (suffixed with ``bank_id`` and ``added_at``) into bank ``bank_id`` in
    one statement, in a savepoint (PostgreSQL).

    Returns False, with nothing kept, when the bank's unique index refused a line (one of the
    hashes is in the bank). Inside ``bulk.counted_in_bulk`` and where the role may, the
    ``COPY`` runs without triggers, as ``bulk.bulk_insert_entries``'s does, and ``tallies()``
    (what the lines held, asked once they are all read) is added to the counts after it.
    """
    unchecked = unchecked_copy_allowed(session)

    def copy() -> None:
        if unchecked:
            lock_bank_for_key_share(session, bank_id)
        columns = ", ".join((*RUN_COLUMNS, "bank_id", "added_at"))
        copy_text(
            session,
            f"COPY bank_entries ({columns}) FROM STDIN",
            _blocks(lines),
            unchecked=unchecked,
        )

    if not unless_unique_violation(session, copy):
        return False
    if unchecked:
        add_tallies(session, tallies())
    return True


def _blocks(lines: Iterable[str]) -> Iterator[str]:
    """The lines in blocks of ``COPY_BLOCK``."""
    iterator = iter(lines)
    while block := "".join(itertools.islice(iterator, COPY_BLOCK)):
        yield block
