"""A batch's media files are matched together, with the same lines as one by one, and a
failure to match touches only the files it concerns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from childguard.auth import ensure_org
from childguard.batch import worker
from childguard.batch.sources import SourceItem
from childguard.batch.worker import JobSpec, runtime_for, scan_batch, scan_item
from childguard.config import Settings
from childguard.errors import StorageError
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.media.scan import hash_file
from childguard.store.db import Database


@pytest.fixture
def job(tmp_path: Path, settings: Settings) -> Iterator[tuple[JobSpec, list[SourceItem]]]:
    """A bank holding the MD5 of the second of four noise images, and a batch of them."""
    rng = np.random.default_rng(5)
    paths = []
    for n in range(4):
        path = tmp_path / f"noise{n}.png"
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), np.uint8)).save(path)
        paths.append(path)
    md5 = hash_file(paths[1], settings)[1]["md5"].value
    db = Database.open(settings)
    with db.session(write=True) as session:
        org = ensure_org(session, "local")
        repo = BankRepository(session, org)
        repo.add_entries(repo.create("BLOCK"), [make_entry("md5", md5)])
        org_id = org.id
    db.dispose()
    items = [SourceItem(n, str(p)) for n, p in enumerate(paths)]
    items.insert(2, SourceItem(4, str(tmp_path / "gone.jpg")))  # a failed file in between
    try:
        yield JobSpec("run", settings, org_id, (), False), items
    finally:
        for rt in worker._RUNTIMES.values():
            rt.db.dispose()
        worker._RUNTIMES.clear()


def test_batch_lines_equal_the_lines_of_each_file_alone(
    job: tuple[JobSpec, list[SourceItem]],
) -> None:
    spec, items = job
    lines = scan_batch(items, spec)
    rt = runtime_for(spec)
    assert lines == [scan_item(item, rt) for item in items]
    assert [line.get("matched") for line in lines] == [False, True, None, False, False]
    assert lines[1]["matches"][0]["bank"] == "BLOCK"
    assert "error" in lines[2] and "matches" not in lines[2]


def test_a_failed_batch_match_is_retried_per_file(
    job: tuple[JobSpec, list[SourceItem]], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, items = job
    matcher = runtime_for(spec).matcher
    many = matcher.match_signals_many

    def refuse_batch(*_args: Any, **_kwargs: Any) -> Any:
        raise StorageError("database unavailable")

    def refuse_second(signals: Any, visible: Any = None) -> Any:
        signals = list(signals)
        if any(r.signal_type == "md5" and r.value == matched_md5 for r in signals):
            raise StorageError("database unavailable")
        return many([signals], visible)[0]

    matched_md5 = scan_item(items[1], runtime_for(spec))["signals"]["md5"]
    monkeypatch.setattr(matcher, "match_signals_many", refuse_batch)
    monkeypatch.setattr(matcher, "match_signals", refuse_second)
    lines = scan_batch(items, spec)
    media_keys = {"run_id", "index", "path", "kind", "content_type", "size", "signals"}
    assert set(lines[0]) == media_keys | {"matched", "matches", "priority"}
    assert set(lines[1]) == {"run_id", "index", "path", "error"}
    assert lines[1]["error"]["message"] == "database unavailable"
    assert [line.get("matched") for line in lines] == [False, None, None, False, False]
