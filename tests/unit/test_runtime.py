"""Allocator tuning: hashing stops paying fresh pages for every photo."""

from __future__ import annotations

import io
import platform
import resource

import numpy as np
import pytest
from PIL import Image

from childguard.config import Settings
from childguard.media.scan import hash_data
from childguard.runtime import tune_allocator


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="tuning applies to glibc only")
def test_tuned_hashing_reuses_memory_instead_of_faulting_pages(settings: Settings) -> None:
    # a smooth photo-like JPEG (pure noise compresses so badly that its own size changes how
    # glibc adapts, hiding the effect)
    small = np.random.default_rng(1).integers(0, 255, (600 // 16, 860 // 16, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize((860, 600), Image.Resampling.BICUBIC).save(out, "JPEG")
    data = out.getvalue()
    assert tune_allocator() is True
    for _ in range(3):
        hash_data(data, "p.jpg", settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        hash_data(data, "p.jpg", settings)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10
    # untuned, each hash of this photo faults in about 1,200 fresh pages (5 MB of buffers)
    assert faults < 100


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_as_it_was(enabled: bool) -> None:
    import gc

    from childguard.runtime import gc_paused

    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(KeyError), gc_paused():
            assert not gc.isenabled()
            raise KeyError("the block fails")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_started_app_keeps_its_start_up_objects_out_of_collections(settings: Settings) -> None:
    import gc

    from fastapi.testclient import TestClient

    from childguard.api.app import create_app

    before = gc.get_freeze_count()
    app = create_app(settings, start_poller=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > before + 10_000  # routes, mappers: not walked again
    assert gc.get_freeze_count() == 0  # stopped: collected again, nothing leaked
