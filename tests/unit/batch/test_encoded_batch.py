"""A batch's results cross from worker to client as text plus the lines the client acts on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from childguard.batch.cutting import FIRST_BATCH, MIN_BATCH, BatchCutter
from childguard.batch.manifest import RunSpec, RunStore, RunWriter
from childguard.batch.sources import SourceItem, pack_items, unpack_items
from childguard.batch.worker import encode_batch
from childguard.config import Settings

LINES: list[dict[str, object]] = [
    {"run_id": "r1", "index": 0, "path": "/f/0.jpg", "matched": False, "priority": {"score": 0}},
    {"run_id": "r1", "index": 1, "path": "/f/1.jpg", "error": {"code": "x", "message": "bad"}},
    {"run_id": "r1", "index": 2, "path": "/f/2.jpg", "matched": True, "matches": []},
    {"run_id": "r1", "index": 3, "path": "/f/3.jsonl", "flagged": ["GROOMING"]},
    {"run_id": "r1", "index": 4, "path": "/f/4.jpg", "intel": {"text": {"flagged": ["X"]}}},
    {"run_id": "r1", "index": 5, "path": "/f/ស្រុក.jpg", "intel": {"text": None}},
]


def _store(tmp_path: Path, name: str) -> RunStore:
    settings = Settings(data_dir=tmp_path / name)
    spec = RunSpec(run_id="r1", sources=["/f"], out=str(tmp_path / f"{name}.jsonl"))
    items = [SourceItem(index=i, path=str(row["path"])) for i, row in enumerate(LINES)]
    return RunStore.create(settings, spec, items)


def test_only_failed_matched_and_flagged_lines_are_notable() -> None:
    encoded = encode_batch(list(LINES))
    assert encoded.count == 6
    assert [row["index"] for row in encoded.notable] == [1, 2, 3, 4]
    assert [json.loads(line) for line in encoded.text.splitlines()] == LINES


def test_encoded_batch_is_recorded_as_the_lines_themselves(tmp_path: Path) -> None:
    from childguard.batch.manifest import failed_of

    plain, encoded = _store(tmp_path, "plain"), _store(tmp_path, "encoded")
    writer = RunWriter(plain)
    writer.commit(0, list(range(6)), LINES)
    writer.close()
    batch = encode_batch(list(LINES))
    writer = RunWriter(encoded)
    writer.commit_text(0, list(range(6)), batch.text, failed_of(batch.notable))
    writer.close()
    assert encoded.out_path.read_bytes() == plain.out_path.read_bytes()
    assert encoded.manifest_path.read_text() == plain.manifest_path.read_text().replace(
        str(tmp_path / "plain"), str(tmp_path / "encoded")
    )
    assert encoded.failures() == [("/f/1.jpg", "bad")]


def cut_all(cutter: BatchCutter, seconds_per_file: float) -> list[list[SourceItem]]:
    """Every batch of ``cutter``, each timed as if a file took ``seconds_per_file``."""
    out = []
    while cutter:
        batch = cutter.take()
        cutter.record(len(batch), len(batch) * seconds_per_file)
        out.append(batch)
    return out


def test_batches_cover_every_item_once_sized_by_time_and_shrinking_at_the_end() -> None:
    items = [SourceItem(index=i, path=f"/f/{i}") for i in range(10_000)]
    # small images: 1 s is 2,000 files, so batches are as large as allowed
    cut = cut_all(BatchCutter(items, 1024, 1.0, workers=2), 0.0005)
    assert [item.index for batch in cut for item in batch] == list(range(10_000))
    sizes = [len(batch) for batch in cut]
    assert sizes[0] == FIRST_BATCH and max(sizes) == 1024
    assert sizes[1:] == sorted(sizes[1:], reverse=True)
    assert sizes[-1] <= MIN_BATCH and len(cut) < 30
    # slow files (0.1 s each): batches of about a second, whatever the maximum
    slow = cut_all(BatchCutter(items[:500], 1024, 1.0, workers=2), 0.1)
    assert {len(batch) for batch in slow[1:-3]} == {10}
    # the maximum wins, and a run smaller than one batch is one batch
    assert {len(b) for b in cut_all(BatchCutter(items[:40], 2, 1.0, workers=2), 0.001)} == {2}
    assert [len(b) for b in cut_all(BatchCutter(items[:5], 256, 1.0, workers=2), 0.001)] == [5]


def test_a_slower_batch_shrinks_the_next_ones_at_once() -> None:
    items = [SourceItem(index=i, path=f"/f/{i}") for i in range(100_000)]
    cutter = BatchCutter(items, 1024, 1.0, workers=2)
    for _ in range(5):
        batch = cutter.take()
        cutter.record(len(batch), len(batch) * 0.0005)  # small images
    assert cutter.batch_size() == 1024
    cutter.record(10, 10 * 0.05)  # then videos: 50 ms a file
    assert cutter.batch_size() == 20
    cutter.record(1024, 1024 * 0.0005)  # images again: back to the mean
    assert cutter.batch_size() == 1024


def test_files_of_a_batch_that_killed_its_worker_come_back_one_by_one_first() -> None:
    items = [SourceItem(index=i, path=f"/f/{i}") for i in range(200)]
    cutter = BatchCutter(items, 1024, 1.0, workers=1)
    first = cutter.take()
    cutter.retry_singly(first[:3])
    assert [cutter.take() for _ in range(3)] == [[first[0]], [first[1]], [first[2]]]
    assert cutter.take()[0] == items[len(first)]


def test_a_batch_scans_with_the_cyclic_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its full collections walked a worker's whole start-up heap (see scan_batch_encoded)."""
    import gc

    from childguard.batch import worker

    seen: list[bool] = []

    def fake_scan(items: list[SourceItem], job: object) -> list[dict[str, object]]:
        seen.append(gc.isenabled())
        return list(LINES)

    monkeypatch.setattr(worker, "scan_batch", fake_scan)
    was = gc.isenabled()
    encoded = worker.scan_batch_encoded(pack_items([]), None)  # type: ignore[arg-type]
    assert seen == [False] and encoded.count == len(LINES)
    assert gc.isenabled() == was


def test_a_batch_travels_packed_and_comes_back_the_same() -> None:
    items = [
        SourceItem(0, "/f/a.jpg", 10),
        SourceItem(7, "s3://bucket/b.png"),
        SourceItem(9, "/f/loop", None, {"code": "invalid_input", "message": "/f/loop: loop"}),
    ]
    packed = pack_items(items)
    assert isinstance(packed, bytes)
    assert unpack_items(packed) == items
    assert unpack_items(pack_items([])) == []
