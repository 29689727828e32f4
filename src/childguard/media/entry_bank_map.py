"""The matcher's compact map from entry id to bank id (sorted arrays plus recent changes)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: From this many entries at once, ``add_new`` rewrites the sorted arrays (a copy of them).
_BULK = 1000


class EntryBankMap:
    """Entry id -> bank id for millions of entries: sorted numpy arrays plus a small overlay."""

    def __init__(self, ids: NDArray[np.int64], banks: NDArray[np.int32]) -> None:
        order = np.argsort(ids, kind="stable")
        self._ids = ids[order]
        self._banks = banks[order]
        self._alive = np.ones(len(self._ids), dtype=bool)
        self._extra: dict[int, int] = {}

    def get(self, entry_id: int) -> int | None:
        """The bank of ``entry_id`` or None when unknown or removed."""
        hit = self._extra.get(entry_id)
        if hit is not None:
            return hit
        pos = int(np.searchsorted(self._ids, entry_id))
        if pos < len(self._ids) and self._ids[pos] == entry_id and self._alive[pos]:
            return int(self._banks[pos])
        return None

    def known(self, entry_ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of ``entry_ids`` are mapped (one vectorised look-up for a whole batch)."""
        pos = np.searchsorted(self._ids, entry_ids)
        inside = pos < len(self._ids)
        hit = np.zeros(len(entry_ids), dtype=bool)
        at = pos[inside]
        hit[inside] = (self._ids[at] == entry_ids[inside]) & self._alive[at]
        if self._extra:
            hit |= np.fromiter(
                (int(e) in self._extra for e in entry_ids), dtype=bool, count=len(entry_ids)
            )
        return hit

    def set_new(self, entry_id: int, bank_id: int) -> None:
        """Record an entry the map does not hold (see ``known``): no look-up to undo."""
        self._extra[entry_id] = bank_id

    def add_new(self, entry_ids: NDArray[np.int64], bank_ids: NDArray[np.int32]) -> None:
        """Record many entries the map does not hold (see ``known``): fewer than ``_BULK`` in the
        overlay, more in the sorted arrays, appended when they all come after the largest id
        held (a bulk add), merged otherwise; ids held before but removed come back to life in
        place."""
        if len(entry_ids) < _BULK:  # a few: the overlay, not a copy of the arrays
            for entry_id, bank_id in zip(entry_ids.tolist(), bank_ids.tolist(), strict=True):
                self.set_new(entry_id, bank_id)
            return
        pos = np.searchsorted(self._ids, entry_ids)
        inside = pos < len(self._ids)
        revived = np.zeros(len(entry_ids), dtype=bool)
        revived[inside] = self._ids[pos[inside]] == entry_ids[inside]
        if revived.any():
            at = pos[revived]
            self._alive[at] = True
            self._banks[at] = bank_ids[revived]
            for entry_id in entry_ids[revived].tolist():
                self._extra.pop(entry_id, None)
            entry_ids, bank_ids = entry_ids[~revived], bank_ids[~revived]
        ids = np.concatenate([self._ids, entry_ids])
        banks = np.concatenate([self._banks, bank_ids.astype(np.int32, copy=False)])
        alive = np.concatenate([self._alive, np.ones(len(entry_ids), dtype=bool)])
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            order = np.argsort(ids, kind="stable")
            ids, banks, alive = ids[order], banks[order], alive[order]
        self._ids, self._banks, self._alive = ids, banks, alive

    def set(self, entry_id: int, bank_id: int) -> None:
        """Record (or move) an entry."""
        self.discard(entry_id)
        self._extra[entry_id] = bank_id

    def discard(self, entry_id: int) -> None:
        """Forget an entry."""
        self._extra.pop(entry_id, None)
        pos = int(np.searchsorted(self._ids, entry_id))
        if pos < len(self._ids) and self._ids[pos] == entry_id:
            self._alive[pos] = False

    def entries_of(self, bank_id: int) -> list[int]:
        """Every live entry id of one bank."""
        base: list[int] = self._ids[(self._banks == bank_id) & self._alive].tolist()
        return base + [e for e, b in self._extra.items() if b == bank_id]

    def live_arrays(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """Every live (entry id, bank id) pair, for a snapshot."""
        keep = self._alive
        extra_ids = np.fromiter(self._extra.keys(), dtype=np.int64, count=len(self._extra))
        extra_banks = np.fromiter(self._extra.values(), dtype=np.int32, count=len(self._extra))
        return (
            np.concatenate([self._ids[keep], extra_ids]),
            np.concatenate([self._banks[keep], extra_banks]),
        )

    def __len__(self) -> int:
        return int(self._alive.sum()) + len(self._extra)
