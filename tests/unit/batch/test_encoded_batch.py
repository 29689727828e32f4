"""A batch's results cross from worker to client as text plus the lines the client acts on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from childguard.batch.manifest import RunSpec, RunStore, RunWriter
from childguard.batch.sources import SourceItem
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


def test_batches_cover_every_item_once_and_shrink_towards_the_end() -> None:
    from childguard.batch.run import MIN_BATCH, batches

    items = [SourceItem(index=i, path=f"/f/{i}") for i in range(10_000)]
    cut = batches(items, 256, workers=2)
    assert [item.index for batch in cut for item in batch] == list(range(10_000))
    sizes = [len(batch) for batch in cut]
    assert sizes[0] == 256 and max(sizes) == 256
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] <= MIN_BATCH and len(cut) < 10_000 // 128
    assert [len(b) for b in batches(items[:5], 256, workers=2)] == [5]
    assert [len(b) for b in batches(items[:40], 2, workers=2)] == [2] * 20


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
    encoded = worker.scan_batch_encoded([], None)  # type: ignore[arg-type]
    assert seen == [False] and encoded.count == len(LINES)
    assert gc.isenabled() == was
