"""The matcher's entry -> bank map: the batch look-up a bulk load relies on."""

from __future__ import annotations

import numpy as np

from childguard.media.entry_bank_map import EntryBankMap


def _map() -> EntryBankMap:
    ids = np.array([30, 10, 20], dtype=np.int64)
    return EntryBankMap(ids, np.array([1, 1, 2], dtype=np.int32))


def test_known_agrees_with_get_for_arrays_overlay_and_removals() -> None:
    m = _map()
    m.discard(20)  # removed from the sorted arrays
    m.set(40, 3)  # held in the overlay
    m.set_new(50, 3)
    probe = np.array([5, 10, 20, 30, 40, 50, 60], dtype=np.int64)
    assert m.known(probe).tolist() == [False, True, False, True, True, True, False]
    assert m.known(probe).tolist() == [m.get(int(i)) is not None for i in probe]
    assert m.get(50) == 3 and len(m) == 4


def test_known_of_an_empty_map_and_an_empty_batch() -> None:
    empty = EntryBankMap(np.array([], dtype=np.int64), np.array([], dtype=np.int32))
    assert empty.known(np.array([1, 2], dtype=np.int64)).tolist() == [False, False]
    assert _map().known(np.array([], dtype=np.int64)).tolist() == []
