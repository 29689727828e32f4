"""Benign test images with camera metadata, shared by the media intelligence tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

#: Wat Phnom, Phnom Penh (11.5736 N, 104.9231 E) and Angkor Wat (13.4125 N, 103.8670 E).
PHNOM_PENH = (11.5736, 104.9231)
ANGKOR = (13.4125, 103.8670)


def _dms(value: float) -> tuple[float, float, float]:
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    return (float(deg), float(minutes), round((minutes_f - minutes) * 60, 4))


def exif_jpeg(path: Path, lat: float, lon: float) -> Path:
    """A benign noise JPEG with camera, date, software and GPS EXIF tags."""
    img = Image.fromarray(np.random.default_rng(1).integers(0, 255, (60, 80, 3), dtype=np.uint8))
    exif = img.getexif()
    exif[0x010F] = "ExampleCam"
    exif[0x0110] = "Model X1"
    exif[0x0131] = "Photo Editor 2.0"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2024:05:06 07:08:09"
    exif_ifd[0xA431] = "SN-0042"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = _dms(abs(lat))
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = _dms(abs(lon))
    img.save(path, exif=exif)
    return path


def synthetic_face(side: int) -> np.ndarray:
    """A drawn cartoon face (grey ellipses: hair, brows, eyes, nose, mouth), ``side`` px square.

    Not a photograph of anyone: a shape OpenCV's frontal-face cascades take for a face, so tests
    and ``bench/intel_bench.py`` can check which face sizes the face count still finds.
    """
    import cv2

    s = 200
    img = np.full((s, s), 90, np.uint8)
    cv2.ellipse(img, (100, 105), (62, 80), 0, 0, 360, 200, -1)
    cv2.ellipse(img, (100, 40), (66, 40), 0, 180, 360, 40, -1)
    for x in (72, 128):
        cv2.ellipse(img, (x, 78), (16, 5), 0, 0, 360, 70, -1)
        cv2.ellipse(img, (x, 95), (13, 7), 0, 0, 360, 40, -1)
    cv2.ellipse(img, (100, 125), (10, 6), 0, 0, 360, 150, -1)
    cv2.ellipse(img, (100, 150), (22, 6), 0, 0, 360, 80, -1)
    blurred = cv2.GaussianBlur(img, (0, 0), 2)
    out: np.ndarray = cv2.resize(blurred, (side, side), interpolation=cv2.INTER_AREA)
    return out


def photo_with_face(background: np.ndarray, fraction: float, at: tuple[float, float]) -> np.ndarray:
    """``background`` (an RGB array) with a synthetic face ``fraction`` of its long side wide.

    ``at`` places the face's top-left corner as fractions of the free width and height.
    """
    out = background.copy()
    h, w = out.shape[:2]
    side = int(max(h, w) * fraction)
    x, y = int((w - side) * at[0]), int((h - side) * at[1])
    out[y : y + side, x : x + side] = synthetic_face(side)[..., None]
    return out
