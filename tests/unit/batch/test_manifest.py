"""The backfill manifest: recovery after a crash, torn lines, the run lock (issue 20, req. 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from childguard.batch.manifest import RunSpec, RunStore, RunWriter
from childguard.batch.sources import SourceItem, is_url, list_sources
from childguard.config import Settings
from childguard.errors import Conflict, NotFound


def make_store(tmp_path: Path, n: int = 6) -> RunStore:
    settings = Settings(data_dir=tmp_path / "data")
    spec = RunSpec(run_id="r1", sources=["x"], out=str(tmp_path / "out.jsonl"))
    items = [SourceItem(i, f"/f/{i}.jpg", 10) for i in range(n)]
    return RunStore.create(settings, spec, items)


def line(i: int, error: str | None = None) -> dict[str, object]:
    row: dict[str, object] = {"run_id": "r1", "index": i, "path": f"/f/{i}.jpg"}
    if error:
        row["error"] = {"code": "x", "message": error}
    return row


def test_recover_cuts_output_lines_of_an_unrecorded_batch(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    writer = RunWriter(store)
    writer.commit(0, [0, 1], [line(0), line(1, "corrupt file")])
    writer.commit(1, [2], [line(2)])
    writer.close()
    recorded = store.out_path.stat().st_size
    # A crash after the output lines of batch 2 were written but before its manifest line,
    # with a torn manifest line as well.
    with store.out_path.open("a") as out:
        out.write(json.dumps(line(3)) + "\n" + '{"run_id": "r1", "ind')
    with store.manifest_path.open("a") as manifest:
        manifest.write('{"batch": 2, "files": [3')
    done, next_batch = store.recover()
    assert done == {0, 1, 2} and next_batch == 2
    assert store.out_path.stat().st_size == recorded
    assert store.manifest_path.read_bytes().endswith(b"\n")
    assert store.failures() == [("/f/1.jpg", "corrupt file")]
    # Resuming writes the remaining files once: every index appears exactly once.
    writer = RunWriter(store)
    writer.commit(next_batch, [3, 4, 5], [line(3), line(4), line(5)])
    writer.close()
    indices = [json.loads(x)["index"] for x in store.out_path.read_text().splitlines()]
    assert sorted(indices) == list(range(6))


def test_one_client_per_run(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    with store.locked(), pytest.raises(Conflict), store.locked():
        pass
    with store.locked():  # released
        pass


def test_open_unknown_run_and_existing_output(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(NotFound, match="no backfill run"):
        RunStore.open(settings, "nope")
    store = make_store(tmp_path)
    assert RunStore.open(settings, "r1").spec.out == store.spec.out
    store.out_path.write_text("{}\n")
    spec = RunSpec(run_id="r2", sources=["x"], out=store.spec.out)
    with pytest.raises(Conflict, match="already holds results"):
        RunStore.create(settings, spec, [])


def test_listing_is_stable_and_keeps_walk_errors(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("b.jpg", "a.jpg"):
        (tmp_path / "d" / name).write_bytes(b"x")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    settings = Settings(data_dir=tmp_path / "data")
    items = list(list_sources([str(tmp_path / "d")], settings))
    names = [Path(i.path).name for i in items]
    assert names == ["a.jpg", "b.jpg", "loop"]
    assert [i.index for i in items] == [0, 1, 2]
    assert items[2].error is not None and "loop" in items[2].error["message"]
    assert all(Path(i.path).is_absolute() for i in items)
    assert is_url("s3://bucket/x") and not is_url("/tmp/x") and not is_url("file:///tmp/x")


def test_an_interrupted_listing_is_finished_on_resume_with_the_same_indices(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    spec = RunSpec(run_id="r1", sources=["x"], out=str(tmp_path / "out.jsonl"))
    store = RunStore.create(settings, spec)
    assert not store.listing_complete and store.items() == []
    found = [SourceItem(i, f"/f/{i}.jpg", 10) for i in range(6)]
    listing_writer = store.continue_listing([], found)
    listing = iter(listing_writer)
    first = [next(listing) for _ in range(3)]
    # before it records a batch, the client makes the files listed so far durable
    listing_writer.sync()
    writer = RunWriter(store)
    with store.listing_part_path.open("a") as part:  # and dies while writing the next line
        part.write('{"i": 3, "pa')
    writer.commit(0, [0, 1], [line(0), line(1)])
    writer.close()
    del listing

    reopened = RunStore.open(settings, "r1")
    done, _ = reopened.recover()
    listed = reopened.items()
    assert done == {0, 1} and listed == first
    # Since the crash one file went away and one came; a source inside another lists it twice.
    now = [SourceItem(0, "/f/new.jpg", 1), *found[1:], SourceItem(9, "/f/4.jpg", 10)]
    resumed = list(reopened.continue_listing(listed, now))
    assert [(i.index, i.path) for i in resumed] == [
        (3, "/f/new.jpg"),
        (4, "/f/3.jpg"),
        (5, "/f/4.jpg"),
        (6, "/f/5.jpg"),
    ]
    assert reopened.listing_complete and not reopened.listing_part_path.exists()
    assert [i.index for i in reopened.items()] == list(range(7))
    assert RunStore.open(settings, "r1").items()[:3] == first  # "/f/0.jpg" keeps index 0
