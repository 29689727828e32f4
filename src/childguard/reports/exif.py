"""EXIF metadata of a media file for reports: camera, times and GPS position, as text."""

from __future__ import annotations

import io
from typing import Any

from PIL import ExifTags, UnidentifiedImageError

#: EXIF tags a report carries (others are left out: they rarely help and may be large).
WANTED = ("Make", "Model", "Software", "DateTime", "DateTimeOriginal", "DateTimeDigitized")


def _degrees(value: Any) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def exif_of(data: bytes) -> dict[str, str]:
    """Selected EXIF fields of an image (empty for other files or images without EXIF).

    GPS comes out as ``GPSLatitude``/``GPSLongitude`` in signed decimal degrees.
    """
    from childguard.media.decode import open_image

    try:
        with open_image(io.BytesIO(data)) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    merged = dict(exif.items())
    merged.update(exif.get_ifd(ExifTags.IFD.Exif).items())
    for tag_id, value in merged.items():
        name = ExifTags.TAGS.get(tag_id, "")
        if name in WANTED:
            out[name] = str(value).strip("\x00 ")[:200]
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude])
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return out
    if gps.get(ExifTags.GPS.GPSLatitudeRef) == "S":
        lat = -lat
    if gps.get(ExifTags.GPS.GPSLongitudeRef) == "W":
        lon = -lon
    out["GPSLatitude"] = f"{lat:.6f}"
    out["GPSLongitude"] = f"{lon:.6f}"
    return out
