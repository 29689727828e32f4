"""One decode per photo, shared by every intelligence signal.

A JPEG is decoded at a reduced scale (Pillow's ``draft``: the decoder's 1/2, 1/4 or 1/8 DCT
scaling, nearly free) to the smallest size whose long side is at least ``DETECT_SIDE``; other
formats are decoded in full and shrunk once. From that RGB copy come the grey copy (text
detector), the small grey copy for the face cascade and NudeNet's 320 x 320 input, each made
once with OpenCV's area resampling, never from the full-size image again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

#: The shared copy's long side is at least this (text lines stay readable by the detector).
DETECT_SIDE = 640
#: Long side of the grey copy the face cascade runs on: with the cascade's 20 px window the
#: smallest face found is 12.5 % of the photo's long side (reliably from 15 %, see ``faces``).
FACE_SIDE = 160


@dataclass
class SharedImage:
    """The reduced RGB copy of one photo and the derived copies, made on first use."""

    rgb: NDArray[np.uint8]
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def decode(cls, image: Image.Image) -> SharedImage:
        """Decode ``image`` (an opened PIL image) once at reduced size, upright (EXIF rotation)."""
        w, h = image.size
        shrink = DETECT_SIDE / max(w, h, 1)
        if shrink < 1:  # draft keeps both sides at least this large
            image.draft("RGB", (max(1, int(w * shrink)), max(1, int(h * shrink))))
        rgb = ImageOps.exif_transpose(image.convert("RGB"))
        array = np.asarray(rgb, dtype=np.uint8)
        # a non-JPEG (or a JPEG too large for 1/8) is still far bigger: shrink it once
        if max(array.shape[:2]) > 2 * DETECT_SIDE:
            array = _resize_long_side(array, DETECT_SIDE)
        return cls(np.ascontiguousarray(array))

    @property
    def grey(self) -> NDArray[np.uint8]:
        """Grey copy of the shared image (the text detector's input)."""
        if "grey" not in self._derived:
            import cv2

            self._derived["grey"] = cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY)
        out: NDArray[np.uint8] = self._derived["grey"]
        return out

    def grey_at_most(self, side: int) -> NDArray[np.uint8]:
        """The grey copy shrunk so its long side is at most ``side`` (the face cascade's input)."""
        key = f"grey{side}"
        if key not in self._derived:
            grey = self.grey
            self._derived[key] = (
                _resize_long_side(grey, side) if max(grey.shape[:2]) > side else grey
            )
        out: NDArray[np.uint8] = self._derived[key]
        return out

    def square(self, side: int) -> NDArray[np.uint8]:
        """The RGB image shrunk to ``side`` on its long side, padded black right and bottom."""
        key = f"square{side}"
        if key not in self._derived:
            small = _resize_long_side(self.rgb, side)
            padded = np.zeros((side, side, 3), dtype=np.uint8)
            padded[: small.shape[0], : small.shape[1]] = small
            self._derived[key] = padded
        out: NDArray[np.uint8] = self._derived[key]
        return out


def _resize_long_side(array: NDArray[np.uint8], side: int) -> NDArray[np.uint8]:
    import cv2

    h, w = array.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(array, size, interpolation=interpolation), dtype=np.uint8)
