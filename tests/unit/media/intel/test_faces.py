"""The face count finds faces down to its documented size (issue 20, requirement 4 and 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childguard.config import Settings
from childguard.media.intel.analyze import IntelEngine
from childguard.media.sniff import sniff_file
from childguard.textrisk.engine import RiskEngine
from tests.intel_images import photo_with_face


def _background() -> np.ndarray:
    """A 1500x1000 smooth colour gradient (a 1.5 MP photo's size), no face of its own."""
    x = np.linspace(30, 220, 1500, dtype=np.float32)
    y = np.linspace(20, 200, 1000, dtype=np.float32)
    r = np.add.outer(y * 0.3, x * 0.6).astype(np.uint8)
    g = np.add.outer(y * 0.6, x * 0.2).astype(np.uint8)
    return np.dstack([r, g, np.full_like(r, 150)])


def _faces(tmp_path: Path, rgb: np.ndarray) -> int | None:
    path = tmp_path / "photo.jpg"
    Image.fromarray(rgb).save(path, quality=90)
    settings = Settings(data_dir=tmp_path, intel_ocr=False, intel_nudity=False)
    report = IntelEngine(settings, lambda: RiskEngine.load(settings)).analyze(
        sniff_file(path, settings)
    )
    assert report.errors == {}
    return report.faces


@pytest.mark.parametrize(
    ("fraction", "at"), [(0.17, (0.1, 0.2)), (0.2, (0.8, 0.6)), (0.3, (0.5, 0.5))]
)
def test_one_face_from_the_documented_size_is_counted(
    tmp_path: Path, fraction: float, at: tuple[float, float]
) -> None:
    assert _faces(tmp_path, photo_with_face(_background(), fraction, at)) == 1


def test_two_faces_are_counted_apart(tmp_path: Path) -> None:
    rgb = photo_with_face(_background(), 0.2, (0.05, 0.1))
    assert _faces(tmp_path, photo_with_face(rgb, 0.25, (0.95, 0.9))) == 2


def test_faces_under_the_cascade_window_are_not_counted(tmp_path: Path) -> None:
    """Under 12.5 % of the long side (the 20 px window on the 160 px copy) nothing is found."""
    assert _faces(tmp_path, photo_with_face(_background(), 0.08, (0.5, 0.5))) == 0
    assert _faces(tmp_path, _background()) == 0
