"""One reduced decode per photo feeds every signal (issue 20, req. 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from childguard.media.intel.nudity import INPUT_SIZE
from childguard.media.intel.shared_image import DETECT_SIDE, FACE_SIDE, SharedImage


def _photo(path: Path, size: tuple[int, int], fmt: str) -> Path:
    rng = np.random.default_rng(5)
    small = rng.integers(0, 255, (size[1] // 50, size[0] // 50, 3), dtype=np.uint8)
    Image.fromarray(small).resize(size, Image.Resampling.BICUBIC).save(path, fmt)
    return path


def test_jpeg_decodes_at_reduced_scale_and_derived_copies_have_model_sizes(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.jpg", (1500, 1000), "JPEG")
    with Image.open(path) as image:
        shared = SharedImage.decode(image)
    h, w = shared.rgb.shape[:2]
    assert (w, h) == (750, 500)  # the decoder's 1/2 scale, still >= DETECT_SIDE
    assert max(w, h) >= DETECT_SIDE
    assert shared.grey.shape == (500, 750)
    face = shared.grey_at_most(FACE_SIDE)
    assert max(face.shape) == FACE_SIDE and face.dtype == np.uint8
    square = shared.square(INPUT_SIZE)
    assert square.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert square[INPUT_SIZE - 1].max() == 0  # padded black at the bottom (landscape photo)
    assert square[: INPUT_SIZE * 2 // 3 - 1].max() > 0


def test_large_png_is_shrunk_once(tmp_path: Path) -> None:
    path = _photo(tmp_path / "p.png", (3000, 2000), "PNG")
    with Image.open(path) as image:
        shared = SharedImage.decode(image)
    assert max(shared.rgb.shape[:2]) == DETECT_SIDE
