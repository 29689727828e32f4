"""The native brute-force scan gives exactly the numpy scans' hits (segments and pending rows)."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.errors import StorageError
from childguard.media.index.pdq_mih import _scan_pending, _scan_pending_numpy, _View
from childguard.media.index.pdq_segment import Hits, MihSegment, scan_rows
from childguard.media.native import _mih
from tests.hash_rows import flip, random_rows


def assert_same(a: Hits, b: Hits) -> None:
    assert a.query.dtype == b.query.dtype == np.int64 and a.row.dtype == b.row.dtype == np.int64
    assert a.distance.dtype == b.distance.dtype == np.int32
    np.testing.assert_array_equal(a.query, b.query)
    np.testing.assert_array_equal(a.row, b.row)
    np.testing.assert_array_equal(a.distance, b.distance)


def near_queries(hashes: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """Queries planted at distances 0..40 of stored rows, every fourth one random."""
    out = [
        random_rows(rng, 1)[0]
        if i % 4 == 3
        else flip(hashes[int(rng.integers(len(hashes)))], rng, i % 41)
        for i in range(count)
    ]
    return np.stack(out)


def pending_view(hashes: np.ndarray, dead: np.ndarray) -> _View:
    ids = np.arange(len(hashes), dtype=np.int64) * 7
    return _View((), (), hashes, ids, dead)


@pytest.mark.parametrize("rows", (1, 18, 1_000, 5_000))
@pytest.mark.parametrize("radius", (0, 12, 31, 64, 256))
def test_pending_scan_matches_numpy(rows: int, radius: int) -> None:
    rng = np.random.default_rng(rows + radius)
    hashes = random_rows(rng, rows)
    # Near-duplicates, so some queries hit several rows, some of them dead.
    for j in range(1, min(rows, 12)):
        hashes[j] = flip(hashes[0], rng, 3 * j)
    dead = rng.random(rows) < 0.3
    queries = near_queries(hashes, rng, 9)
    view = pending_view(hashes, dead)
    native = _scan_pending(view, queries, radius)
    assert_same(native, _scan_pending_numpy(view, queries, radius))
    if radius >= 31 and rows > 1:
        assert len(native.row) > 0  # planted neighbours are found: the check is not vacuous
    assert not bool(dead[native.row].any())
    pairs = native.query * rows + native.row
    assert bool(np.all(pairs[1:] > pairs[:-1]))  # ordered by (query, row), each pair once


def test_pending_scan_empty_inputs_and_all_dead() -> None:
    rng = np.random.default_rng(3)
    hashes = random_rows(rng, 20)
    queries = hashes[:5].copy()
    none = np.zeros(0, dtype=np.bool_)
    empty_cases = (
        (pending_view(hashes[:0], none), queries),
        (pending_view(hashes, np.zeros(20, dtype=np.bool_)), queries[:0]),
        (pending_view(hashes, np.ones(20, dtype=np.bool_)), queries),
    )
    for view, q in empty_cases:
        got = _scan_pending(view, q, 256)
        assert_same(got, _scan_pending_numpy(view, q, 256))
        assert len(got.row) == 0
    alive = pending_view(hashes, np.zeros(20, dtype=np.bool_))
    assert len(_scan_pending(alive, queries, 0).row) == 5  # the same rows alive are found


@pytest.mark.parametrize("radius", (0, 31, 90, 256))
def test_segment_scan_matches_numpy(radius: int) -> None:
    rng = np.random.default_rng(radius)
    hashes = random_rows(rng, 1_500)  # under MIN_TABLE_ROWS: the segment scans
    seg = MihSegment.build(hashes, np.arange(1_500, dtype=np.int64))
    assert seg.probe_plan_for(radius) is None
    queries = near_queries(seg.arrays.hashes, rng, 70)  # more than one QUERY_BLOCK
    native = seg.query(queries, radius)
    assert_same(native, seg._scan_numpy(queries, radius))
    if radius == 256:
        assert len(native.row) == 70 * 1_500


def test_huge_radius_is_every_row() -> None:
    rng = np.random.default_rng(9)
    hashes = random_rows(rng, 50)
    got = scan_rows(hashes, hashes[:2], 10**12)
    assert len(got.row) == 100
    np.testing.assert_array_equal(got.row, np.tile(np.arange(50), 2))


@pytest.mark.parametrize(
    ("hashes", "queries", "dead", "message"),
    [
        (np.zeros(7, np.uint8), np.zeros((1, 4), np.uint64), b"", "whole 32-byte"),
        (np.zeros((2, 4), np.uint64), np.zeros(33, np.uint8), b"", "whole 32-byte"),
        (np.zeros((2, 4), np.uint64), np.zeros((1, 4), np.uint64), b"\x00", "one byte per row"),
    ],
)
def test_bad_scan_arguments_raise(
    hashes: np.ndarray, queries: np.ndarray, dead: bytes, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _mih.scan(hashes, queries, dead, 31)


def test_mismatched_tombstones_are_a_storage_error() -> None:
    rng = np.random.default_rng(2)
    hashes = random_rows(rng, 10)
    with pytest.raises(StorageError, match="tombstones"):
        scan_rows(hashes, hashes[:1], 31, np.zeros(9, dtype=np.bool_))


def test_search_packed_with_pending_rows_matches_brute_force() -> None:
    from childguard.media.index.pdq_mih import PdqMihIndex

    rng = np.random.default_rng(11)
    hashes = random_rows(rng, 3_000)
    ids = rng.permutation(3_000).astype(np.int64) + 5
    index = PdqMihIndex.from_arrays(hashes[:2_900], ids[:2_900])
    index.add_many([h.tobytes().hex() for h in hashes[2_900:]], ids[2_900:].tolist())
    index.remove_many([int(ids[2_950]), int(ids[10])])  # one pending row, one base row
    live = np.ones(3_000, dtype=np.bool_)
    live[[2_950, 10]] = False
    assert index.segment_sizes[-1] == 100  # the last rows really are pending
    # No hit, one pending hit, one base hit, a removed row, then a cluster across both parts.
    queries = np.stack(
        [
            random_rows(rng, 1)[0],
            flip(hashes[2_990], rng, 5),
            flip(hashes[20], rng, 30),
            hashes[2_950],
            hashes[10],
        ]
    )
    for radius in (31, 128):
        q, got_ids, d = index.search_packed(queries, radius)
        assert q.flags.writeable and got_ids.flags.writeable and d.flags.writeable
        want = []
        for qi, query in enumerate(queries):
            dist = np.bitwise_count(hashes ^ query).sum(axis=1).astype(np.int64)
            for row in np.flatnonzero((dist <= radius) & live):
                want.append((qi, int(dist[row]), int(ids[row])))
        want.sort()
        assert list(zip(q.tolist(), d.tolist(), got_ids.tolist(), strict=True)) == want
        assert len(want) > 0
        if radius == 31:
            assert [w[0] for w in want] == [1, 2]
