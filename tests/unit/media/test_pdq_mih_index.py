"""The multi-index-hashing PDQ index agrees with brute force and survives disk faults."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from childguard.errors import InvalidInput, StorageError
from childguard.media.index import pdq_store
from childguard.media.index.pdq_codec import pack_hex, unpack_hex
from childguard.media.index.pdq_mih import SEAL_ROWS, PdqMihIndex
from childguard.media.signals.base import IndexMatch
from tests.hash_rows import flip, random_rows

N = 40_000


def brute(hashes: np.ndarray, ids: np.ndarray, query: np.ndarray, radius: int) -> list[IndexMatch]:
    """Reference answer: every row's distance by per-byte popcount via Python ints."""
    q = int.from_bytes(query.tobytes(), "little")
    dist = np.array(
        [(int.from_bytes(h.tobytes(), "little") ^ q).bit_count() for h in hashes], dtype=np.int64
    )
    hit = np.flatnonzero(dist <= radius)
    order = np.lexsort((ids[hit], dist[hit]))
    return [IndexMatch(int(ids[h]), int(dist[h])) for h in hit[order]]


@pytest.fixture(scope="module")
def bank() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N random hashes, ids not in row order, and queries planted at distances 0..40."""
    rng = np.random.default_rng(7)
    hashes = random_rows(rng, N)
    ids = rng.permutation(N).astype(np.int64) * 3 + 11
    queries = np.stack([flip(hashes[(i * 97) % N], rng, i % 41) for i in range(82)])
    # A cluster: several stored hashes near one query, at distances around the threshold.
    base = hashes[5]
    for j, d in enumerate((1, 15, 30, 31, 32, 33, 40)):
        hashes[100 + j] = flip(base, rng, d)
    queries = np.vstack([queries, base[None, :]])
    return hashes, ids, queries


@pytest.fixture(scope="module")
def index(bank: tuple[np.ndarray, np.ndarray, np.ndarray]) -> PdqMihIndex:
    hashes, ids, _ = bank
    return PdqMihIndex.from_arrays(hashes, ids)


@pytest.mark.parametrize("radius", [0, 10, 31, 32, 40])
def test_matches_brute_force(
    bank: tuple[np.ndarray, np.ndarray, np.ndarray], index: PdqMihIndex, radius: int
) -> None:
    hashes, ids, queries = bank
    got = index.query_many(unpack_hex(queries), radius)
    for q, result in zip(queries[::20], got[::20], strict=True):
        assert result == brute(hashes, ids, q, radius)
    # Whole batch against a vectorised reference (cheaper than brute() for every query).
    for qi, result in enumerate(got):
        d = np.bitwise_count(hashes ^ queries[qi]).sum(axis=1)
        assert sorted(m.entry_id for m in result) == sorted(ids[d <= radius].tolist())
        assert all(m.distance <= radius for m in result)


def test_planted_cluster_split_at_threshold(
    bank: tuple[np.ndarray, np.ndarray, np.ndarray], index: PdqMihIndex
) -> None:
    _, _, queries = bank
    found = {m.distance for m in index.query(unpack_hex(queries[-1:])[0], 31)}
    assert {0, 1, 15, 30, 31} <= found
    assert max(found) <= 31


def test_large_radius_falls_back_to_scan_and_stays_exact() -> None:
    rng = np.random.default_rng(3)
    hashes = random_rows(rng, 5000)
    ids = np.arange(5000, dtype=np.int64)
    idx = PdqMihIndex.from_arrays(hashes, ids)
    q = hashes[0]
    for radius in (100, 120, 256):
        result = idx.query(unpack_hex(q[None, :])[0], radius)
        d = np.bitwise_count(hashes ^ q).sum(axis=1)
        assert sorted(m.entry_id for m in result) == ids[d <= radius].tolist()
    assert len(idx.query(unpack_hex(q[None, :])[0], 256)) == 5000


def test_dihedral_style_batch(bank: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    hashes, ids, _ = bank
    idx = PdqMihIndex.from_arrays(hashes, ids)
    rng = np.random.default_rng(11)
    # 8 variants of one "image": one is near stored row 42, the rest are unrelated.
    variants = random_rows(rng, 8)
    variants[5] = flip(hashes[42], rng, 12)
    results = idx.query_many(unpack_hex(variants), 31)
    assert [len(r) for r in results] == [0, 0, 0, 0, 0, 1, 0, 0]
    assert results[5] == [IndexMatch(int(ids[42]), 12)]


def test_add_remove_visible_at_once_and_after_compact() -> None:
    rng = np.random.default_rng(5)
    hashes = random_rows(rng, 20_000)
    idx = PdqMihIndex.from_arrays(hashes, np.arange(20_000, dtype=np.int64))
    extra = random_rows(rng, SEAL_ROWS * 2 + 10)
    for i, h in enumerate(unpack_hex(extra)):
        idx.add(h, 100_000 + i)
    assert len(idx) == 20_000 + len(extra)
    assert len(idx.segment_sizes) >= 3  # base, at least one delta, pending
    near = unpack_hex(flip(extra[-1], rng, 20)[None, :])[0]
    assert idx.query(near, 31) == [IndexMatch(100_000 + len(extra) - 1, 20)]
    sealed = unpack_hex(extra[:1])[0]
    assert idx.query(sealed, 0) == [IndexMatch(100_000, 0)]
    idx.remove(100_000)
    idx.remove(7)
    idx.remove(123_456_789)  # unknown: ignored
    assert idx.query(sealed, 0) == []
    assert idx.query(unpack_hex(hashes[7:8])[0], 31) == []
    # Re-adding an id replaces its hash.
    idx.add(unpack_hex(hashes[8:9])[0], 9)
    assert idx.query(unpack_hex(hashes[9:10])[0], 0) == []
    assert IndexMatch(9, 0) in idx.query(unpack_hex(hashes[8:9])[0], 0)
    before = len(idx)
    idx.compact()
    assert idx.segment_sizes == [before, 0]
    assert idx.query(sealed, 0) == []
    assert idx.query(near, 31) == [IndexMatch(100_000 + len(extra) - 1, 20)]
    assert sorted(m.entry_id for m in idx.query(unpack_hex(hashes[8:9])[0], 0)) == [8, 9]


def test_compact_in_background_while_querying_and_changing() -> None:
    rng = np.random.default_rng(9)
    hashes = random_rows(rng, 30_000)
    idx = PdqMihIndex.from_arrays(hashes, np.arange(30_000, dtype=np.int64))
    values = unpack_hex(hashes[:200])
    errors: list[str] = []

    def reader() -> None:
        for _ in range(20):
            got = idx.query_many(values[:50], 0)
            if any(len(r) != 1 for r in got):
                errors.append("a stored hash went missing during compaction")

    worker = threading.Thread(target=idx.compact)
    threads = [threading.Thread(target=reader) for _ in range(2)]
    worker.start()
    for t in threads:
        t.start()
    idx.remove(150)
    idx.add(unpack_hex(random_rows(rng, 1))[0], 999_999)
    worker.join()
    for t in threads:
        t.join()
    assert errors == []
    assert idx.query(values[150], 0) == []
    assert len(idx) == 30_000
    assert idx.query(values[151], 0) == [IndexMatch(151, 0)]


def test_save_load_round_trip_is_memory_mapped(
    tmp_path: Path, bank: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    hashes, ids, queries = bank
    idx = PdqMihIndex.from_arrays(hashes, ids)
    idx.remove(int(ids[3]))
    idx.add(unpack_hex(queries[:1])[0], 5_000_000)
    idx.save(tmp_path / "pdq")
    loaded = PdqMihIndex.load(tmp_path / "pdq")
    assert isinstance(loaded._segments[0].arrays.hashes, np.memmap)
    assert len(loaded) == len(idx)
    expect = idx.query_many(unpack_hex(queries), 31)
    assert loaded.query_many(unpack_hex(queries), 31) == expect
    assert loaded.query(unpack_hex(hashes[3:4])[0], 0) == []
    # Saving again after a change links the unchanged base and stays readable.
    loaded.add(unpack_hex(hashes[3:4])[0], 77)
    loaded.save(tmp_path / "pdq")
    again = PdqMihIndex.load(tmp_path / "pdq")
    assert again.query(unpack_hex(hashes[3:4])[0], 0) == [IndexMatch(77, 0)]
    assert len([p for p in (tmp_path / "pdq").iterdir() if p.name.startswith("v-")]) == 1


def _saved(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    idx = PdqMihIndex.from_arrays(random_rows(rng, 20_000), np.arange(20_000, dtype=np.int64))
    idx.save(tmp_path / "pdq")
    return tmp_path / "pdq"


def _live_file(path: Path, name: str) -> Path:
    return path / (path / "CURRENT").read_text() / f"{name}.npy"


def test_truncated_file_detected_by_fast_check(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    target = _live_file(path, "postings")
    target.write_bytes(target.read_bytes()[:-100])
    with pytest.raises(StorageError, match="postings"):
        PdqMihIndex.load(path, verify=False)


def test_bit_flip_detected_by_checksum(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    target = _live_file(path, "hashes")
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x10
    target.write_bytes(bytes(data))
    PdqMihIndex.load(path, verify=False)  # sizes still agree
    with pytest.raises(StorageError, match="SHA-256"):
        PdqMihIndex.load(path)


def test_missing_or_foreign_index_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        PdqMihIndex.load(tmp_path / "nothing")
    path = _saved(tmp_path)
    header = path / (path / "CURRENT").read_text() / "header.json"
    header.write_text(header.read_text().replace('"version": 1', '"version": 99'))
    with pytest.raises(StorageError, match="version"):
        PdqMihIndex.load(path)


def test_crash_mid_save_leaves_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path)
    old = PdqMihIndex.load(path)
    changed = PdqMihIndex.from_arrays(
        random_rows(np.random.default_rng(2), 3000), np.arange(3000, dtype=np.int64)
    )
    real = pdq_store.write_array
    calls = {"n": 0}

    def failing(folder: Path, name: str, array: np.ndarray) -> pdq_store.FileMeta:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("simulated crash while writing")
        return real(folder, name, array)

    monkeypatch.setattr(pdq_store, "write_array", failing)
    with pytest.raises(KeyboardInterrupt):
        changed.save(path)
    monkeypatch.undo()
    reopened = PdqMihIndex.load(path)
    assert len(reopened) == len(old) == 20_000
    probe = unpack_hex(old._segments[0].arrays.hashes[:3])
    assert reopened.query_many(probe, 0) == old.query_many(probe, 0)


@pytest.mark.parametrize(
    "bad", ["abc", "g" * 64, "a" * 63, "a" * 65, " " + "a" * 63, "ab " * 21 + "a"]
)
def test_malformed_hashes_rejected_with_the_value(index: PdqMihIndex, bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a PDQ hash") as err:
        index.query_many(["0" * 64, bad], 31)
    assert repr(bad)[:40] in err.value.message
    with pytest.raises(InvalidInput):
        index.add(bad, 1)
    with pytest.raises(InvalidInput):
        PdqMihIndex.build([(bad, 1)])


def test_negative_radius_rejected(index: PdqMihIndex) -> None:
    with pytest.raises(InvalidInput, match="max_distance"):
        index.query("0" * 64, -1)


def test_build_from_strings_matches_arrays() -> None:
    rng = np.random.default_rng(4)
    rows = random_rows(rng, 3000)
    values = unpack_hex(rows)
    assert np.array_equal(pack_hex(values), rows)
    idx = PdqMihIndex.build(zip(values, range(3000), strict=True))
    assert idx.query(values[10].upper(), 0) == [IndexMatch(10, 0)]
    assert len(PdqMihIndex.build([])) == 0
    assert PdqMihIndex.build([]).query(values[0], 31) == []


def test_threshold_radii_use_the_multi_index_not_the_scan(index: PdqMihIndex) -> None:
    """Exactness above must come from the probes: radii up to 32 probe, 200 scans."""
    seg = index._segments[0]
    assert seg.probe_plan_for(31) is not None
    assert seg.probe_plan_for(32) is not None
    assert seg.probe_plan_for(200) is None


def test_add_many_and_remove_many() -> None:
    rng = np.random.default_rng(12)
    idx = PdqMihIndex.from_arrays(random_rows(rng, 10_000), np.arange(10_000, dtype=np.int64))
    rows = random_rows(rng, SEAL_ROWS + 500)
    values = unpack_hex(rows)
    new_ids = list(range(50_000, 50_000 + len(values)))
    idx.add_many(values, new_ids)
    assert len(idx) == 10_000 + len(values)
    assert idx.query(values[-1], 0) == [IndexMatch(new_ids[-1], 0)]
    # Re-adding existing ids in bulk replaces their hashes; a repeated id keeps the last hash.
    idx.add_many([values[0], values[1]], [3, 3])
    assert idx.query(values[1], 0) == [IndexMatch(3, 0), IndexMatch(50_001, 0)]
    assert idx.query(values[0], 0) == [IndexMatch(50_000, 0)]
    idx.remove_many([3, 50_001, 77_777_777])
    assert idx.query(values[1], 0) == []
    assert len(idx) == 10_000 + len(values) - 2
    with pytest.raises(InvalidInput):
        idx.add_many(values[:2], [1])
