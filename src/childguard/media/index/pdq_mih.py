"""Exact, incremental, memory-mapped PDQ index built on multi-index hashing.

The index is a list of immutable segments (``MihSegment``): one large base segment, usually
memory-mapped from disk, and a few small in-memory delta segments, plus a small pending buffer
that is scanned. Removals set a per-segment tombstone flag. ``add`` and ``remove`` therefore take
effect at once without a rebuild; ``compact`` merges everything into a new base and can run in a
background thread while other threads query.

Semantics match the other PDQ indexes: one hash per entry id (adding an id again replaces its
hash), ``query`` returns every entry within ``max_distance`` (any radius; large radii fall back
to a vectorised scan) and none beyond, nearest first then by id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from childguard.errors import InvalidInput, StorageError
from childguard.media.index.pdq_codec import WORDS, U64Rows, check_hex, pack_hex, row_distances
from childguard.media.index.pdq_segment import I64, Hits, MihSegment, scan_rows
from childguard.media.index.pdq_store import BaseSource, open_index, save_index
from childguard.media.index.pdq_store import populate as populate_pages
from childguard.media.signals.base import IndexMatch, SignalIndex

#: Pending rows are sealed into a delta segment once this many accumulate.
SEAL_ROWS = 4096
_BUILD_BATCH = 1 << 18


@dataclass(frozen=True)
class _View:
    """What a query reads: immutable segments, their tombstones, the pending rows."""

    segments: tuple[MihSegment, ...]
    dead: tuple[NDArray[np.bool_], ...]
    pending_hashes: U64Rows
    pending_ids: I64
    pending_dead: NDArray[np.bool_]


class PdqMihIndex(SignalIndex):
    """Exact range search over PDQ hashes for banks of up to tens of millions of entries.

    Thread-safe: queries may run concurrently with ``add``, ``remove``, ``save`` and a
    ``compact`` running in another thread.
    """

    def __init__(self, base: MihSegment | None = None, base_source: BaseSource | None = None):
        if base is None:
            base = MihSegment.build(np.zeros((0, WORDS), np.uint64), np.zeros(0, np.int64))
        self._lock = threading.RLock()
        self._compact_lock = threading.Lock()
        self._segments: tuple[MihSegment, ...] = (base,)
        self._dead: tuple[NDArray[np.bool_], ...] = (np.zeros(len(base), dtype=np.bool_),)
        self._base_source = base_source
        self._pending_hashes = np.zeros((SEAL_ROWS, WORDS), dtype=np.uint64)
        self._pending_ids = np.zeros(SEAL_ROWS, dtype=np.int64)
        self._pending_dead = np.zeros(SEAL_ROWS, dtype=np.bool_)
        self._pending_n = 0
        self._pending_rows: dict[int, int] = {}
        self._live = len(base)
        # Segments [0, _frozen) belong to a running compaction and are not merged meanwhile;
        # ids removed during it are replayed on the compacted base.
        self._frozen = 0
        self._removed_during_compaction: list[int] | None = None

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> PdqMihIndex:
        """An index of ``(hash, entry_id)`` pairs; a later pair for the same id wins."""
        hash_parts: list[U64Rows] = []
        id_parts: list[I64] = []
        values: list[str] = []
        ids: list[int] = []
        for value, entry_id in entries:
            values.append(value)
            ids.append(entry_id)
            if len(values) >= _BUILD_BATCH:
                hash_parts.append(pack_hex(values))
                id_parts.append(_as_ids(ids))
                values, ids = [], []
        hash_parts.append(pack_hex(values))
        id_parts.append(_as_ids(ids))
        return cls.from_arrays(np.concatenate(hash_parts), np.concatenate(id_parts))

    @classmethod
    def from_arrays(cls, hashes: U64Rows, ids: I64) -> PdqMihIndex:
        """An index of packed ``(n, 4)`` uint64 rows (see ``pdq_codec``) and their entry ids."""
        hashes, ids = _last_per_id(np.asarray(hashes, np.uint64), np.asarray(ids, np.int64))
        return cls(MihSegment.build(hashes, ids))

    # -- changes ----------------------------------------------------------------------------

    def add(self, value: str, entry_id: int) -> None:
        """Store ``value`` under ``entry_id`` (replacing its previous hash); visible at once."""
        row = _parse_one(value)
        eid = _as_id(entry_id)
        with self._lock:
            self._remove_one(eid)
            n = self._pending_n
            self._pending_hashes[n] = row
            self._pending_ids[n] = eid
            self._pending_rows[eid] = n
            self._pending_n = n + 1
            self._live += 1
            if n + 1 == SEAL_ROWS:
                self._seal_pending()

    def _remove_one(self, eid: int) -> None:
        """Tombstone the one live row of ``eid`` (ids are unique among live rows)."""
        if self._removed_during_compaction is not None:
            self._removed_during_compaction.append(eid)
        row = self._pending_rows.pop(eid, None)
        if row is not None:
            self._pending_dead[row] = True
            self._live -= 1
            return
        for seg, dead in zip(reversed(self._segments), reversed(self._dead), strict=True):
            found = seg.find(eid)
            if found >= 0 and not dead[found]:
                dead[found] = True
                self._live -= 1
                return

    def add_many(self, values: Sequence[str], entry_ids: Sequence[int]) -> None:
        """``add`` for many pairs at once (vectorised); a later pair for the same id wins."""
        if len(values) != len(entry_ids):
            raise InvalidInput("add_many needs as many entry ids as hashes")
        hashes, ids = _last_per_id(pack_hex(values), _as_ids(entry_ids))
        with self._lock:
            self._remove_locked(ids)
            self._append_locked(hashes, ids)

    def remove(self, entry_id: int) -> None:
        """Remove the hash stored under ``entry_id``; unknown ids are ignored."""
        eid = _as_id(entry_id)
        with self._lock:
            self._remove_one(eid)

    def remove_many(self, entry_ids: Sequence[int]) -> None:
        """``remove`` for many ids at once."""
        with self._lock:
            self._remove_locked(_as_ids(entry_ids))

    def _remove_locked(self, ids: I64) -> None:
        if len(ids) == 0:
            return
        for seg, dead in zip(self._segments, self._dead, strict=True):
            rows = seg.rows_of(ids)
            if len(rows):
                fresh = rows[~dead[rows]]
                dead[fresh] = True
                self._live -= len(fresh)
        for entry_id in ids.tolist():
            row = self._pending_rows.pop(entry_id, None)
            if row is not None:
                self._pending_dead[row] = True
                self._live -= 1
        if self._removed_during_compaction is not None:
            self._removed_during_compaction.extend(ids.tolist())

    def _append_locked(self, hashes: U64Rows, ids: I64) -> None:
        if len(ids) >= SEAL_ROWS:
            self._push_segment(MihSegment.build(hashes, ids))
            self._live += len(ids)
            return
        for start in range(0, len(ids), SEAL_ROWS):
            part_h, part_i = hashes[start : start + SEAL_ROWS], ids[start : start + SEAL_ROWS]
            room = SEAL_ROWS - self._pending_n
            take = min(room, len(part_i))
            self._put_pending(part_h[:take], part_i[:take])
            if self._pending_n == SEAL_ROWS:
                self._seal_pending()
            self._put_pending(part_h[take:], part_i[take:])

    def _put_pending(self, hashes: U64Rows, ids: I64) -> None:
        if len(ids) == 0:
            return
        n = self._pending_n
        self._pending_hashes[n : n + len(ids)] = hashes
        self._pending_ids[n : n + len(ids)] = ids
        for offset, entry_id in enumerate(ids.tolist()):
            self._pending_rows[entry_id] = n + offset
        self._pending_n = n + len(ids)
        self._live += len(ids)

    def _seal_pending(self) -> None:
        """Turn the pending rows into a delta segment; fresh buffers, so views stay valid."""
        n = self._pending_n
        if n == 0:
            return
        alive = ~self._pending_dead[:n]
        segment = MihSegment.build(self._pending_hashes[:n][alive], self._pending_ids[:n][alive])
        self._pending_hashes = np.zeros((SEAL_ROWS, WORDS), dtype=np.uint64)
        self._pending_ids = np.zeros(SEAL_ROWS, dtype=np.int64)
        self._pending_dead = np.zeros(SEAL_ROWS, dtype=np.bool_)
        self._pending_n = 0
        self._pending_rows = {}
        self._push_segment(segment)

    def _push_segment(self, segment: MihSegment) -> None:
        """Append a delta segment, merging trailing deltas of similar size (log-structured)."""
        segments = [*self._segments, segment]
        dead = [*self._dead, np.zeros(len(segment), dtype=np.bool_)]
        first_delta = max(1, self._frozen)
        while len(segments) - first_delta >= 2 and 2 * len(segments[-1]) >= len(segments[-2]):
            b, a = segments.pop(), segments.pop()
            db, da = dead.pop(), dead.pop()
            hashes = np.concatenate((a.arrays.hashes[~da], b.arrays.hashes[~db]))
            ids = np.concatenate((a.arrays.ids[~da], b.arrays.ids[~db]))
            segments.append(MihSegment.build(hashes, ids))
            dead.append(np.zeros(len(ids), dtype=np.bool_))
        self._segments, self._dead = tuple(segments), tuple(dead)

    def compact(self) -> None:
        """Merge every segment and the pending rows into one new base segment.

        Safe to call from a background thread: queries keep using the previous segments until
        the new base is swapped in, and changes made meanwhile are kept.
        """
        with self._compact_lock:
            with self._lock:
                self._seal_pending()
                segments, dead = self._segments, tuple(d.copy() for d in self._dead)
                self._frozen = len(segments)
                self._removed_during_compaction = []
            try:
                hashes = np.concatenate(
                    [s.arrays.hashes[~d] for s, d in zip(segments, dead, strict=True)]
                )
                ids = np.concatenate(
                    [s.arrays.ids[~d] for s, d in zip(segments, dead, strict=True)]
                )
                base = MihSegment.build(hashes, ids)
                del hashes, ids
            except BaseException:
                with self._lock:
                    self._frozen = 0
                    self._removed_during_compaction = None
                raise
            with self._lock:
                removed = _as_ids(self._removed_during_compaction or [])
                base_dead = np.zeros(len(base), dtype=np.bool_)
                base_dead[base.rows_of(removed)] = True
                later = self._segments[len(segments) :]
                self._segments = (base, *later)
                self._dead = (base_dead, *self._dead[len(segments) :])
                self._base_source = None
                self._frozen = 0
                self._removed_during_compaction = None

    # -- queries ----------------------------------------------------------------------------

    def query(self, value: str, max_distance: int) -> list[IndexMatch]:
        """Every stored entry within ``max_distance`` of ``value``, nearest first then by id."""
        return self.query_many([value], max_distance)[0]

    def query_many(self, values: Sequence[str], max_distance: int) -> list[list[IndexMatch]]:
        """``query`` for each value, vectorised over the whole batch."""
        queries = pack_hex(values)
        qidx, ids, dist = self.search_packed(queries, max_distance)
        out: list[list[IndexMatch]] = [[] for _ in values]
        if len(qidx):
            for q, i, d in zip(qidx.tolist(), ids.tolist(), dist.tolist(), strict=True):
                out[q].append(IndexMatch(i, d))
        return out

    def search_packed(self, queries: U64Rows, max_distance: int) -> tuple[I64, I64, I64]:
        """Matches of packed queries as arrays ``(query number, entry id, distance)``.

        Sorted by query, then distance, then entry id.
        """
        if not isinstance(max_distance, int | np.integer) or max_distance < 0:
            raise InvalidInput(f"max_distance {max_distance!r} must be a non-negative integer")
        radius = int(max_distance)
        view = self._view()
        # Only parts with hits are gathered: a clean photo's lookups usually have none.
        qs: list[I64] = []
        ids: list[I64] = []
        ds: list[I64] = []
        for seg, dead in zip(view.segments, view.dead, strict=True):
            hits = seg.query(queries, radius)
            if len(hits.row) == 0:
                continue
            keep = ~dead[hits.row]
            qs.append(hits.query[keep])
            ids.append(seg.arrays.ids[hits.row[keep]])
            ds.append(hits.distance[keep].astype(np.int64))
        pending = _scan_pending(view, queries, radius)
        if len(pending.row):
            qs.append(pending.query)
            ids.append(view.pending_ids[pending.row])
            ds.append(pending.distance.astype(np.int64))
        if not qs:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        if len(qs) == 1:
            q_all, id_all, d_all = qs[0], ids[0], ds[0]
        else:
            q_all, id_all, d_all = np.concatenate(qs), np.concatenate(ids), np.concatenate(ds)
        if len(q_all) < 2:  # fresh arrays, like the sorted ones (native hits are read-only)
            return q_all.copy(), id_all.astype(np.int64), d_all
        order = np.lexsort((id_all, d_all, q_all))
        return q_all[order], id_all[order].astype(np.int64), d_all[order]

    def _view(self) -> _View:
        with self._lock:
            n = self._pending_n
            return _View(
                self._segments,
                self._dead,
                self._pending_hashes[:n],
                self._pending_ids[:n],
                self._pending_dead[:n],
            )

    def __len__(self) -> int:
        return self._live

    @property
    def segment_sizes(self) -> list[int]:
        """Rows per segment (base first) and pending rows last; for monitoring and tests."""
        with self._lock:
            return [len(s) for s in self._segments] + [self._pending_n]

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index as a new version of the folder ``path`` and switch to it atomically.

        The base segment's files are hard-linked when it was opened from the same folder, so a
        save after small changes writes only the changes.
        """
        with self._lock:
            view = self._view()
            source = self._base_source
        base, base_dead = view.segments[0], view.dead[0]
        delta_h = [
            s.arrays.hashes[~d] for s, d in zip(view.segments[1:], view.dead[1:], strict=True)
        ]
        delta_i = [s.arrays.ids[~d] for s, d in zip(view.segments[1:], view.dead[1:], strict=True)]
        delta_h.append(view.pending_hashes[~view.pending_dead])
        delta_i.append(view.pending_ids[~view.pending_dead])
        save_index(
            Path(path),
            base.arrays,
            source,
            np.flatnonzero(base_dead).astype(np.int64),
            np.concatenate(delta_h),
            np.concatenate(delta_i),
        )

    @classmethod
    def load(cls, path: Path, verify: bool = True, populate: bool = True) -> PdqMihIndex:
        """Open an index saved by ``save``, memory-mapped; ``StorageError`` when corrupt.

        ``verify=True`` checks every file's SHA-256 (reads the files once); ``False`` checks
        only sizes and array headers, for fast start-up of extra worker processes.
        ``populate`` maps the search arrays' pages at once (shared page cache), so the first
        queries do not pay page faults.
        """
        stored = open_index(Path(path), verify=verify)
        if populate:
            for array in (stored.base.hashes, stored.base.offsets, stored.base.postings):
                if array is not None:
                    populate_pages(array)
        index = cls(MihSegment(stored.base), stored.source)
        dead_rows = np.asarray(stored.base_dead, dtype=np.int64)
        n = len(stored.base.ids)
        if len(dead_rows) and (dead_rows.min() < 0 or dead_rows.max() >= n):
            raise StorageError(f"PDQ index at {path} has tombstones out of range; rebuild it")
        index._dead[0][dead_rows] = True
        index._live = n - int(index._dead[0].sum())
        if len(stored.delta_ids):
            delta_h = np.asarray(stored.delta_hashes, dtype=np.uint64)
            index._append_locked(delta_h, np.asarray(stored.delta_ids, dtype=np.int64))
        return index


def _scan_pending(view: _View, queries: U64Rows, radius: int) -> Hits:
    """Hits among the live pending rows, ordered by (query, row): one native call."""
    if len(view.pending_ids) == 0:
        return Hits.empty()
    return scan_rows(view.pending_hashes, queries, radius, view.pending_dead)


def _scan_pending_numpy(view: _View, queries: U64Rows, radius: int) -> Hits:
    """``_scan_pending`` in numpy: the reference the native scan is tested against."""
    n = len(view.pending_ids)
    if n == 0:
        return Hits.empty()
    parts: list[Hits] = []
    alive = ~view.pending_dead
    for qi in range(len(queries)):
        dist = row_distances(view.pending_hashes ^ queries[qi])
        found = np.flatnonzero((dist <= radius) & alive)
        if len(found):
            parts.append(
                Hits(np.full(len(found), qi, np.int64), found.astype(np.int64), dist[found])
            )
    return Hits.concat(parts)


def _parse_one(value: str) -> NDArray[np.uint64]:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) and len(value) == 64 else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        check_hex(value)  # raises, naming the value
    return np.frombuffer(raw, dtype=np.uint64)


def _as_id(entry_id: int) -> int:
    try:
        eid = int(entry_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"entry id {entry_id!r} must be an integer") from exc
    if not -(2**63) <= eid < 2**63:
        raise InvalidInput(f"entry id {entry_id!r} does not fit in 64 bits")
    return eid


def _as_ids(ids: Sequence[int] | Any) -> I64:
    try:
        out = np.asarray(ids, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput("entry ids must be 64-bit integers") from exc
    return out


def _last_per_id(hashes: U64Rows, ids: I64) -> tuple[U64Rows, I64]:
    """Keep only the last row of each repeated id."""
    if len(ids) != len(hashes):
        raise InvalidInput("as many entry ids as hashes are needed")
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return hashes, ids  # strictly increasing (ids straight from the database): no repeats
    _, first_rev = np.unique(ids[::-1], return_index=True)
    if len(first_rev) == len(ids):
        return hashes, ids
    keep = np.sort(len(ids) - 1 - first_rev)
    return hashes[keep], ids[keep]
