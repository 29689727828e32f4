"""Exact brute-force PDQ index: every query is compared with every stored hash.

Hashes live as four uint64 words each (the 32 hash bytes in order), ids in a parallel int64
array; a query is an XOR and a popcount (``np.bitwise_count``) over all entries. Fast enough for
banks of about 100k hashes, and the baseline the multi-index-hashing index is measured against.

One hash per entry id: ``add`` with an id already present replaces its hash. On disk it is an
``.npz`` holding ``format`` (``"pdq-brute-1"``), ``hashes`` (``(n, 32)`` uint8, the hash bytes)
and ``ids`` (int64), read with ``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from childguard.errors import InvalidInput, StorageError
from childguard.media.index.files import write_npz_atomic
from childguard.media.signals.base import IndexMatch, SignalIndex

FORMAT = "pdq-brute-1"
_WORDS = 4
_BYTES = 32


def pack_hashes(values: Sequence[str]) -> NDArray[np.uint64]:
    """Pack hex PDQ hashes into ``(n, 4)`` uint64 rows; ``InvalidInput`` names a bad one."""
    out = np.empty((len(values), _WORDS), dtype=np.uint64)
    raw_rows = out.view(np.uint8).reshape(len(values), _BYTES)
    for row, value in enumerate(values):
        try:
            raw = bytes.fromhex(value) if isinstance(value, str) and len(value) == 64 else b""
        except ValueError:
            raw = b""
        if len(raw) != _BYTES:
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            raise InvalidInput(f"{shown} is not a PDQ hash: expected 64 hexadecimal digits")
        raw_rows[row] = np.frombuffer(raw, dtype=np.uint8)
    return out


class PdqBruteForceIndex(SignalIndex):
    """Every stored PDQ hash compared with each query; exact for any distance.

    Storage is word-major, ``(4, capacity)``: each query is four contiguous XOR-and-popcount
    passes over the entries, into reused buffers (about 0.6 ms per query per 100k entries).
    """

    def __init__(self) -> None:
        self._words = np.zeros((_WORDS, 0), dtype=np.uint64)
        self._ids = np.zeros(0, dtype=np.int64)
        self._size = 0
        self._row_of: dict[int, int] = {}

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> PdqBruteForceIndex:
        """An index of ``(hash, entry_id)`` pairs; a later pair for the same id wins."""
        latest: dict[int, str] = {}
        for value, entry_id in entries:
            latest.pop(int(entry_id), None)
            latest[int(entry_id)] = value
        index = cls()
        index._set(pack_hashes(list(latest.values())), np.fromiter(latest, np.int64, len(latest)))
        return index

    def _set(self, rows: NDArray[np.uint64], ids: NDArray[np.int64]) -> None:
        self._words = np.ascontiguousarray(rows.T, dtype=np.uint64)
        self._ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._size = len(ids)
        self._row_of = {int(i): row for row, i in enumerate(self._ids.tolist())}
        if len(self._row_of) != self._size:
            raise InvalidInput("PDQ index entries must have distinct ids")

    def _grow(self, needed: int) -> None:
        capacity = len(self._ids)
        if needed <= capacity:
            return
        new_capacity = max(needed, 2 * capacity, 64)
        words = np.zeros((_WORDS, new_capacity), dtype=np.uint64)
        ids = np.zeros(new_capacity, dtype=np.int64)
        words[:, : self._size] = self._words[:, : self._size]
        ids[: self._size] = self._ids[: self._size]
        self._words, self._ids = words, ids

    def add(self, value: str, entry_id: int) -> None:
        packed = pack_hashes([value])[0]
        row = self._row_of.get(entry_id)
        if row is None:
            self._grow(self._size + 1)
            row = self._size
            self._size += 1
            self._ids[row] = entry_id
            self._row_of[entry_id] = row
        self._words[:, row] = packed

    def remove(self, entry_id: int) -> None:
        row = self._row_of.pop(entry_id, None)
        if row is None:
            return
        last = self._size - 1
        if row != last:
            moved = int(self._ids[last])
            self._words[:, row] = self._words[:, last]
            self._ids[row] = moved
            self._row_of[moved] = row
        self._size = last

    def query(self, value: str, max_distance: int) -> list[IndexMatch]:
        return self.query_many([value], max_distance)[0]

    def distances(self, values: Sequence[str]) -> NDArray[np.uint16]:
        """The ``(len(values), len(self))`` matrix of Hamming distances, in storage order."""
        queries = pack_hashes(values)
        n = self._size
        out = np.zeros((len(values), n), dtype=np.uint16)
        xor = np.empty(n, dtype=np.uint64)
        bits = np.empty(n, dtype=np.uint8)
        for q, acc in zip(queries, out, strict=True):
            for w in range(_WORDS):
                np.bitwise_xor(self._words[w, :n], q[w], out=xor)
                np.bitwise_count(xor, out=bits)
                np.add(acc, bits, out=acc)
        return out

    def query_many(self, values: Sequence[str], max_distance: int) -> list[list[IndexMatch]]:
        """Every stored entry within ``max_distance`` of each value, nearest first then by id."""
        if not values:
            return []
        ids = self._ids[: self._size]
        results: list[list[IndexMatch]] = []
        # One query at a time keeps memory at O(entries) whatever the number of queries.
        for value in values:
            row = self.distances([value])[0]
            hits = np.flatnonzero(row <= max_distance)
            order = np.lexsort((ids[hits], row[hits]))
            results.append([IndexMatch(int(ids[h]), int(row[h])) for h in hits[order].tolist()])
        return results

    def __len__(self) -> int:
        return self._size

    def _rows(self) -> NDArray[np.uint8]:
        """The stored hashes as ``(n, 32)`` bytes."""
        rows = np.ascontiguousarray(self._words[:, : self._size].T)
        return rows.view(np.uint8).reshape(self._size, _BYTES)

    def items(self) -> list[tuple[str, int]]:
        """Every stored ``(hash, entry_id)`` pair, in storage order."""
        ids = self._ids[: self._size].tolist()
        return [(r.tobytes().hex(), int(i)) for r, i in zip(self._rows(), ids, strict=True)]

    def save(self, path: Path) -> None:
        write_npz_atomic(
            path,
            {"format": np.array(FORMAT), "hashes": self._rows(), "ids": self._ids[: self._size]},
        )

    @classmethod
    def load(cls, path: Path) -> PdqBruteForceIndex:
        try:
            with np.load(path, allow_pickle=False) as data:
                fmt = str(data["format"])
                raw = np.asarray(data["hashes"])
                ids = np.asarray(data["ids"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise StorageError(f"PDQ index {path.name} is unreadable; rebuild it") from exc
        if (
            fmt != FORMAT
            or raw.dtype != np.uint8
            or raw.ndim != 2
            or raw.shape[1] != _BYTES
            or ids.dtype != np.int64
            or ids.shape != (raw.shape[0],)
        ):
            raise StorageError(f"PDQ index {path.name} is not a {FORMAT} index; rebuild it")
        index = cls()
        try:
            index._set(np.ascontiguousarray(raw).view(np.uint64).reshape(-1, _WORDS), ids)
        except InvalidInput as exc:
            raise StorageError(f"PDQ index {path.name} has duplicate ids; rebuild it") from exc
        return index
