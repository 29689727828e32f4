"""The brute-force PDQ index: exact against a plain Python reference, persistence, corruption."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from childguard.errors import InvalidInput, StorageError
from childguard.media.index.pdq_brute import PdqBruteForceIndex


def _random_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _near(rng: random.Random, value: str, bits: int) -> str:
    x = int(value, 16)
    for b in rng.sample(range(256), bits):
        x ^= 1 << b
    return f"{x:064x}"


def _reference(stored: dict[int, str], query: str, radius: int) -> list[tuple[int, int]]:
    """(distance, id) of every stored hash within radius, by plain integer popcount."""
    q = int(query, 16)
    hits = [((int(v, 16) ^ q).bit_count(), i) for i, v in stored.items()]
    return sorted(h for h in hits if h[0] <= radius)


@pytest.fixture
def population() -> tuple[random.Random, dict[int, str]]:
    rng = random.Random(1234)
    stored: dict[int, str] = {}
    for i in range(400):
        stored[i * 3 + 7] = _random_hash(rng)
    # Clusters of near neighbours so that small radii have hits.
    base = list(stored.values())[:20]
    for j, value in enumerate(base):
        stored[10_000 + j] = _near(rng, value, rng.randint(1, 40))
    return rng, stored


def test_queries_equal_the_python_reference(
    population: tuple[random.Random, dict[int, str]],
) -> None:
    rng, stored = population
    index = PdqBruteForceIndex.build((v, i) for i, v in stored.items())
    assert len(index) == len(stored)
    queries = [_near(rng, v, rng.randint(0, 50)) for v in list(stored.values())[:30]]
    queries += [_random_hash(rng) for _ in range(5)]
    for radius in (0, 31, 90, 256):
        many = index.query_many(queries, radius)
        for q, hits in zip(queries, many, strict=True):
            expected = _reference(stored, q, radius)
            assert [(m.distance, m.entry_id) for m in hits] == expected
            assert index.query(q, radius) == hits


def test_add_replace_and_remove(population: tuple[random.Random, dict[int, str]]) -> None:
    rng, stored = population
    index = PdqBruteForceIndex()
    for i, v in stored.items():
        index.add(v, i)
    removed = list(stored)[::3]
    for i in removed:
        index.remove(i)
        del stored[i]
    index.remove(999_999)  # unknown ids are ignored
    replaced_id = next(iter(stored))
    stored[replaced_id] = _random_hash(rng)
    index.add(stored[replaced_id].upper(), replaced_id)  # same id: the hash is replaced
    assert len(index) == len(stored)
    for q in list(stored.values())[:25]:
        assert [(m.distance, m.entry_id) for m in index.query(q, 60)] == _reference(stored, q, 60)
    assert dict((i, v) for v, i in index.items()) == {i: v.lower() for i, v in stored.items()}


def test_empty_index_answers_nothing() -> None:
    index = PdqBruteForceIndex()
    assert len(index) == 0
    assert index.query("0" * 64, 256) == []
    assert index.query_many([], 31) == []


def test_bad_hashes_are_invalid_input() -> None:
    index = PdqBruteForceIndex()
    with pytest.raises(InvalidInput, match="'xyz'"):
        index.add("xyz", 1)
    with pytest.raises(InvalidInput, match="not a PDQ hash"):
        index.query("g" * 64, 31)


def test_save_load_round_trip(
    tmp_path: Path, population: tuple[random.Random, dict[int, str]]
) -> None:
    rng, stored = population
    index = PdqBruteForceIndex.build((v, i) for i, v in stored.items())
    path = tmp_path / "idx" / "pdq.npz"
    index.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["pdq.npz"]  # no temp file left
    loaded = PdqBruteForceIndex.load(path)
    assert sorted(loaded.items()) == sorted(index.items())
    q = _near(rng, next(iter(stored.values())), 5)
    assert loaded.query(q, 31) == index.query(q, 31)
    with np.load(path, allow_pickle=False) as data:
        assert data["hashes"].shape == (len(stored), 32)


def test_corrupt_or_foreign_files_are_storage_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(StorageError, match="rebuild"):
        PdqBruteForceIndex.load(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, digests=np.zeros((2, 16), np.uint8), ids=np.arange(2))
    with pytest.raises(StorageError):
        PdqBruteForceIndex.load(foreign)
    missing = tmp_path / "missing.npz"
    with pytest.raises(StorageError):
        PdqBruteForceIndex.load(missing)


def test_failed_save_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pdq.npz"
    PdqBruteForceIndex.build([("0" * 64, 1)]).save(path)

    def failing_savez(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError):
        PdqBruteForceIndex.build([("f" * 64, 2)]).save(path)
    monkeypatch.undo()
    assert PdqBruteForceIndex.load(path).items() == [("0" * 64, 1)]
    assert [p.name for p in tmp_path.iterdir()] == ["pdq.npz"]
