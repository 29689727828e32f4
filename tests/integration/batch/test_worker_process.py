"""A Dask worker process scans with the command line's process tuning (issue 20, requirement 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childguard.auth import ensure_org
from childguard.batch.cluster import WORKER_CONFIG, dask_client
from childguard.batch.run import execute_run, prepare_run
from childguard.config import Settings
from childguard.store.db import Database

pytestmark = pytest.mark.slow


def _allocator_tuned() -> bool:
    from childguard.runtime import tune_allocator

    return tune_allocator.cache_info().currsize == 1


def _timer_settings() -> dict[str, object]:
    import dask

    from childguard.batch.cluster import WORKER_CONFIG

    return {key: dask.config.get(key) for key in WORKER_CONFIG}


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
        # the worker's timers take the scanning thread's GIL: the profiler is off, the others slow
        (seen,) = client.run(_timer_settings).values()
        assert seen["distributed.worker.profile.enabled"] is False
        assert seen == WORKER_CONFIG
        summary = execute_run(store, settings, org_id, client)
        assert list(client.run(_allocator_tuned).values()) == [True]
    assert summary.scanned == 3 and summary.failed == 0


def _memory_limit(dask_worker: object) -> object:
    return dask_worker.memory_manager.memory_limit  # type: ignore[attr-defined]


def test_worker_processes_have_a_memory_limit_and_thread_workers_do_not(
    settings: Settings,
) -> None:
    """A thread worker's monitor reads the whole host process: a limit would pause it (and the
    run would wait for it forever) once the host, not the worker, grew past 80 % of it."""
    with dask_client(settings, workers=1) as client:
        (limit,) = client.run(_memory_limit).values()
    assert limit == settings.backfill_worker_memory_mb * 2**20
    with dask_client(settings, workers=1, processes=False) as client:
        (limit,) = client.run(_memory_limit).values()
    assert not limit
