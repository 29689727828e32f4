"""The pixel budget shared by concurrent decodes: wait for room, 503 past the wait."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image

from childguard.config import Settings
from childguard.errors import Busy, TooLarge
from childguard.media.decode import PixelBudget, decode_image, decoding, pixel_budget


def test_reservations_add_up_and_are_released() -> None:
    budget = PixelBudget(100)
    with budget.reserve(60, wait=0):
        assert budget.in_use == 60
        with budget.reserve(40, wait=0):
            assert budget.in_use == 100
        with pytest.raises(Busy) as refused, budget.reserve(41, wait=0):
            pass
        assert refused.value.retry_after >= 1
        assert refused.value.http_status == 503
    assert budget.in_use == 0
    with (
        pytest.raises(TooLarge, match="CHILDGUARD_DECODE_PIXEL_BUDGET"),
        budget.reserve(101, wait=0),
    ):
        pass


def test_a_waiting_decode_gets_the_room_another_frees() -> None:
    budget = PixelBudget(100)
    holding = threading.Event()
    release = threading.Event()
    got: list[int] = []

    def first() -> None:
        with budget.reserve(80, wait=0):
            holding.set()
            release.wait()

    def second() -> None:
        holding.wait()
        with budget.reserve(50, wait=60):
            got.append(budget.in_use)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    holding.wait()
    assert got == []  # the second cannot fit while the first holds 80
    release.set()
    for t in threads:
        t.join()
    assert got == [50] and budget.in_use == 0


def test_decodes_share_the_process_budget(tmp_path: Path) -> None:
    path = tmp_path / "small.png"
    Image.new("RGB", (100, 50), (1, 2, 3)).save(path)
    settings = Settings(data_dir=tmp_path / "d", decode_pixel_budget=7_000, decode_wait_seconds=0)
    budget = pixel_budget(settings)
    assert budget is pixel_budget(settings)
    with decoding(path, settings) as decoded:
        assert decoded.image.size == (100, 50) and budget.in_use == 5_000
        with pytest.raises(Busy):
            decode_image(path, settings)
    assert budget.in_use == 0
    assert decode_image(path, settings).image.size == (100, 50)


def test_the_default_cap_is_below_a_9999_square_image(tmp_path: Path) -> None:
    assert Settings().max_pixels < 9999 * 9999 <= Settings().decode_pixel_budget
