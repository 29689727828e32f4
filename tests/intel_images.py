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
