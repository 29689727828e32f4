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
    """Maps a canonical lowercase hex digest to the entry ids stored under it.

    A digest held by one entry (nearly all of them) maps to that id itself, one held by
    several to a set of ids: a million entries would otherwise cost a million one-element sets.
    """

    def __init__(self) -> None:
        self._by_value: dict[str, int | set[int]] = {}
        self._by_id: dict[int, str] = {}

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> ExactIndex:
        index = cls()
        for value, entry_id in entries:
            index.add(value, entry_id)
        return index

    def add(self, value: str, entry_id: int) -> None:
        self.remove(entry_id)
        self._put(value, entry_id)
        self._by_id[entry_id] = value

    def _put(self, value: str, entry_id: int) -> None:
        held = self._by_value.setdefault(value, entry_id)
        if isinstance(held, set):
            held.add(entry_id)
        elif held != entry_id:
            self._by_value[value] = {held, entry_id}

    def add_new(self, values: Sequence[str], entry_ids: Sequence[int]) -> None:
        """Add entries the index does not hold: when their digests are distinct and new (a bulk
        add), two ``dict.update`` calls; otherwise one by one."""
        self._by_id.update(zip(entry_ids, values, strict=True))
        fresh = dict(zip(values, entry_ids, strict=True))
        if len(fresh) == len(values) and self._by_value.keys().isdisjoint(fresh):
            self._by_value.update(fresh)
            return
        for value, entry_id in zip(values, entry_ids, strict=True):
            self._put(value, entry_id)

    def remove(self, entry_id: int) -> None:
        value = self._by_id.pop(entry_id, None)
        if value is None:
            return
        held = self._by_value.get(value)
        if isinstance(held, set):
            held.discard(entry_id)
            if len(held) == 1:
                self._by_value[value] = next(iter(held))
        elif held == entry_id:
            del self._by_value[value]

    def query(self, value: str, max_distance: int = 0) -> list[IndexMatch]:
        held = self._by_value.get(value)
        if held is None:
            return []
        if isinstance(held, set):
            return [IndexMatch(i, 0) for i in sorted(held)]
        return [IndexMatch(held, 0)]

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
