"""A Dask worker process scans with the command line's process tuning (issue 20, requirement 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childguard.auth import ensure_org
from childguard.batch.cluster import dask_client
from childguard.batch.run import execute_run, prepare_run
from childguard.config import Settings
from childguard.store.db import Database

pytestmark = pytest.mark.slow


def _allocator_tuned() -> bool:
    from childguard.runtime import tune_allocator

    return tune_allocator.cache_info().currsize == 1


def _profiler_enabled() -> bool:
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled"))


def test_worker_tunes_its_allocator_before_scanning(tmp_path: Path, settings: Settings) -> None:
    """Without it, distributed's MALLOC_TRIM_THRESHOLD_ makes each image fault its pages in."""
    db = Database.open(settings)
    with db.session(write=True) as session:
        org_id = ensure_org(session, "local").id
    db.dispose()
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        noise = np.random.default_rng(i).integers(0, 255, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(noise).save(folder / f"img{i}.png")
    store = prepare_run(settings, [str(folder)], intel=False)
    with dask_client(settings, workers=1) as client:
        assert list(client.run(_allocator_tuned).values()) == [False]
        # distributed's profiler samples the scanning thread's stack every 10 ms under its GIL.
        assert list(client.run(_profiler_enabled).values()) == [False]
        summary = execute_run(store, settings, org_id, client)
        assert list(client.run(_allocator_tuned).values()) == [True]
    assert summary.scanned == 3 and summary.failed == 0
