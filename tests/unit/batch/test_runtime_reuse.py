"""A worker keeps one scanning runtime per settings, organisation, banks and options: a warm-up
opens it before the run has an id, and every run's lines still carry their own run id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from childguard.auth import ensure_org
from childguard.batch import worker
from childguard.batch.sources import SourceItem
from childguard.batch.worker import JobSpec, runtime_for, scan_item, warm_runtime
from childguard.config import Settings
from childguard.store.db import Database


def test_one_runtime_serves_the_warm_up_and_every_run_with_its_own_id(
    tmp_path: Path, settings: Settings
) -> None:
    db = Database.open(settings)
    with db.session(write=True) as session:
        org_id = ensure_org(session, "local").id
    db.dispose()
    picture = tmp_path / "noise.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 255, (32, 32, 3), np.uint8)).save(picture)
    try:
        assert warm_runtime(JobSpec("", settings, org_id, (), False))
        warmed = worker._RUNTIMES[JobSpec("", settings, org_id, (), False).token]
        rt = runtime_for(JobSpec("run-a", settings, org_id, (), False))
        assert rt is warmed
        assert scan_item(SourceItem(0, str(picture)), rt)["run_id"] == "run-a"
        assert runtime_for(JobSpec("run-b", settings, org_id, (), False)) is warmed
        line = scan_item(SourceItem(0, str(picture)), warmed)
        assert line["run_id"] == "run-b" and "signals" in line
        # other options, other settings: another runtime
        assert runtime_for(JobSpec("run-c", settings, org_id, (), True)) is not warmed
        other = settings.model_copy(update={"max_upload_bytes": settings.max_upload_bytes - 1})
        assert (
            JobSpec("run-c", other, org_id, (), True).token
            != JobSpec("run-c", settings, org_id, (), True).token
        )
    finally:
        for rt in worker._RUNTIMES.values():
            rt.db.dispose()
        worker._RUNTIMES.clear()
