"""Constant-time index for exact hashes (MD5, SHA-256): a dict from digest to entry ids.

On disk it is an ``.npz`` of two arrays, ``digests`` (N x digest-bytes uint8) and ``ids``
(int64), loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from childguard.errors import StorageError
from childguard.media.index.files import write_npz_atomic
from childguard.media.signals.base import IndexMatch, SignalIndex


class ExactIndex(SignalIndex):
    """Maps a canonical lowercase hex digest to the entry ids stored under it."""

    def __init__(self) -> None:
        self._by_value: dict[str, set[int]] = {}
        self._by_id: dict[int, str] = {}

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> ExactIndex:
        index = cls()
        for value, entry_id in entries:
            index.add(value, entry_id)
        return index

    def add(self, value: str, entry_id: int) -> None:
        self.remove(entry_id)
        self._by_value.setdefault(value, set()).add(entry_id)
        self._by_id[entry_id] = value

    def add_new(self, values: Sequence[str], entry_ids: Sequence[int]) -> None:
        """Add entries the index does not hold: the ids mapped in one ``dict.update``, and each
        value's set made without the per-entry removal ``add`` does."""
        by_value = self._by_value
        self._by_id.update(zip(entry_ids, values, strict=True))
        for value, entry_id in zip(values, entry_ids, strict=True):
            ids = by_value.get(value)
            if ids is None:
                by_value[value] = {entry_id}
            else:
                ids.add(entry_id)

    def remove(self, entry_id: int) -> None:
        value = self._by_id.pop(entry_id, None)
        if value is None:
            return
        ids = self._by_value.get(value)
        if ids is not None:
            ids.discard(entry_id)
            if not ids:
                del self._by_value[value]

    def query(self, value: str, max_distance: int = 0) -> list[IndexMatch]:
        return [IndexMatch(i, 0) for i in sorted(self._by_value.get(value, ()))]

    def __len__(self) -> int:
        return len(self._by_id)

    def save(self, path: Path) -> None:
        ids = np.fromiter(self._by_id.keys(), dtype=np.int64, count=len(self._by_id))
        width = max((len(v) // 2 for v in self._by_id.values()), default=0)
        digests = np.zeros((len(ids), width), dtype=np.uint8)
        for row, value in enumerate(self._by_id.values()):
            digests[row] = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
        write_npz_atomic(path, {"digests": digests, "ids": ids})

    @classmethod
    def load(cls, path: Path) -> ExactIndex:
        try:
            with np.load(path, allow_pickle=False) as data:
                digests, ids = data["digests"], data["ids"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise StorageError(f"exact index {path.name} is unreadable; rebuild it") from exc
        return cls.build((row.tobytes().hex(), int(i)) for row, i in zip(digests, ids, strict=True))
