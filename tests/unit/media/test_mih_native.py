"""The C MIH probe gives exactly the numpy probe's hits, on memory and memory-mapped segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from childguard.errors import StorageError
from childguard.media.index.pdq_mih import PdqMihIndex
from childguard.media.index.pdq_segment import Hits, MihArrays, MihSegment, ProbePlan, probe_plan
from childguard.media.native import _mih
from tests.hash_rows import flip, random_rows

RADII = (0, 8, 31, 40)


def queries_for(hashes: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """Neighbours planted at distances 0..40 of stored rows, every fifth query random."""
    out = []
    for i in range(count):
        if i % 5 == 4:
            out.append(random_rows(rng, 1)[0])
        else:
            out.append(flip(hashes[int(rng.integers(len(hashes)))], rng, i % 41))
    return np.stack(out)


def plan_for(seg: MihSegment, radius: int) -> ProbePlan:
    """The segment's own plan, or one forced with an unlimited budget where it would scan."""
    plan = seg.probe_plan_for(radius) or probe_plan(radius, seg.arrays.address_bits, 1 << 40)
    assert plan is not None
    return plan


def assert_same(a: Hits, b: Hits) -> None:
    assert a.query.dtype == b.query.dtype and a.row.dtype == b.row.dtype
    assert a.distance.dtype == b.distance.dtype
    np.testing.assert_array_equal(a.query, b.query)
    np.testing.assert_array_equal(a.row, b.row)
    np.testing.assert_array_equal(a.distance, b.distance)


@pytest.fixture(scope="module", params=(3_000, 50_000, 300_000))
def segment(request: pytest.FixtureRequest) -> tuple[MihSegment, np.ndarray]:
    rng = np.random.default_rng(request.param)
    hashes = random_rows(rng, request.param)
    # A cluster of near-duplicates, so one query has many hits in one probe range.
    for j in range(1, 30):
        hashes[j] = flip(hashes[0], rng, j)
    seg = MihSegment.build(hashes, np.arange(request.param, dtype=np.int64))
    queries = np.vstack([hashes[:1], queries_for(hashes, rng, 99)])
    return seg, queries


@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("batch", (1, 8, 100))
def test_native_probe_matches_numpy(
    segment: tuple[MihSegment, np.ndarray], radius: int, batch: int
) -> None:
    seg, queries = segment
    block = queries[:batch]
    plan = plan_for(seg, radius)
    native = seg._probe(block, radius, plan)
    assert_same(native, seg._probe_numpy(block, radius, plan))
    if radius >= 8:
        assert len(native.row) > 0  # planted neighbours are found, so the check is not vacuous
    pairs = native.query * len(seg) + native.row
    assert bool(np.all(pairs[1:] > pairs[:-1]))  # ordered by (query, row), each pair once


def test_native_probe_reads_int64_tables(segment: tuple[MihSegment, np.ndarray]) -> None:
    seg, queries = segment
    a = seg.arrays
    assert a.offsets is not None and a.postings is not None
    wide = MihSegment(
        MihArrays(
            a.hashes,
            a.ids,
            a.offsets.astype(np.int64),
            a.postings.astype(np.int64),
            a.id_sorted,
            a.id_rows,
            a.address_bits,
        )
    )
    plan = plan_for(seg, 31)
    assert_same(wide._probe(queries, 31, plan), seg._probe_numpy(queries, 31, plan))


def test_memory_mapped_index_queries_natively(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    hashes = random_rows(rng, 20_000)
    ids = rng.permutation(20_000).astype(np.int64) + 100
    built = PdqMihIndex.from_arrays(hashes, ids)
    built.save(tmp_path / "idx")
    loaded = PdqMihIndex.load(tmp_path / "idx")
    seg = loaded._view().segments[0]
    assert isinstance(seg.arrays.hashes, np.memmap) and not seg.arrays.hashes.flags.writeable
    queries = queries_for(hashes, rng, 40)
    plan = plan_for(seg, 31)
    assert_same(seg._probe(queries, 31, plan), seg._probe_numpy(queries, 31, plan))
    got = loaded.search_packed(queries, 31)
    want = built.search_packed(queries, 31)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    # Brute force over the planted queries: every stored row within 31 bits is found.
    expect = 0
    for q in queries:
        x = hashes ^ q
        expect += int((np.bitwise_count(x).sum(axis=1) <= 31).sum())
    assert len(got[0]) == expect > 0


def _args(seg: MihSegment, queries: np.ndarray, plan: ProbePlan) -> dict[str, Any]:
    a = seg.arrays
    assert a.offsets is not None and a.postings is not None
    return {
        "hashes": a.hashes,
        "offsets": a.offsets.reshape(-1),
        "postings": a.postings.reshape(-1),
        "queries": queries,
        "chunk": plan.chunk,
        "mask": plan.mask,
        "table_base": plan.table_base,
        "index_bytes": 4,
        "address_bits": a.address_bits,
        "radius": 31,
    }


def test_corrupt_tables_raise_instead_of_reading_out_of_range(
    segment: tuple[MihSegment, np.ndarray],
) -> None:
    seg, queries = segment
    args = _args(seg, queries, plan_for(seg, 31))
    bad_postings = args["postings"].copy()
    bad_postings[:] = len(seg)  # every posting names a row past the end
    bad_offsets = args["offsets"].copy()
    bad_offsets[:] = len(seg) + 1  # ranges end past the last row
    for change in (
        {"postings": bad_postings},
        {"offsets": args["offsets"][:100]},  # truncated table
        {"offsets": bad_offsets},
    ):
        with pytest.raises(ValueError, match="out of bounds"):
            _mih.probe(**{**args, **change})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("queries", np.zeros(7, dtype=np.uint8), "whole 32-byte"),
        ("chunk", None, "chunk numbers"),
        ("mask", np.zeros(2, dtype=np.uint64), "one length"),
        ("index_bytes", 2, "index_bytes"),
        ("address_bits", 22, "address_bits"),
    ],
)
def test_bad_arguments_raise(
    segment: tuple[MihSegment, np.ndarray], name: str, value: object, message: str
) -> None:
    seg, queries = segment
    plan = plan_for(seg, 31)
    args = _args(seg, queries, plan)
    # None: a chunk number past the last chunk, in an otherwise valid plan.
    args[name] = np.full(plan.size, 12, dtype=np.int64) if value is None else value
    with pytest.raises(ValueError, match=message):
        _mih.probe(**args)


def test_a_damaged_segment_is_reported_as_a_storage_error() -> None:
    rng = np.random.default_rng(4)
    hashes = random_rows(rng, 5_000)
    seg = MihSegment.build(hashes, np.arange(5_000, dtype=np.int64))
    assert seg._postings_flat is not None
    queries = np.stack([flip(hashes[i], rng, 1) for i in range(4)])
    assert seg.probe_plan_for(4) is not None  # a small radius probes rather than scans
    assert len(seg.query(queries, 4).row) >= 4
    seg._postings_flat[:] = len(seg)  # every posting names a row past the end
    with pytest.raises(StorageError, match="damaged"):
        seg.query(queries, 4)
