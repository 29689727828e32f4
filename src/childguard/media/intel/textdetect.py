"""A cheap detector of text in an image: OCR runs only where it says text is likely.

Text lines have strong, dense, horizontal stroke edges: the morphological gradient of a small
grey copy is binarised (Otsu), joined horizontally, and the connected regions shaped like text
lines (wider than tall, a plausible height, densely filled) are counted. A few milliseconds per
image; it errs on the side of "maybe text" since missing an advertisement costs more than one
needless OCR pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Text-like regions from which an image likely holds text.
MIN_TEXT_REGIONS = 3


@dataclass(frozen=True)
class TextLikelihood:
    """The detector's verdict and the number of text-line-like regions it counted."""

    likely: bool
    regions: int


def detect_text(gray: NDArray[np.uint8]) -> TextLikelihood:
    """Whether the (small, ~640 px) grey image ``gray`` likely holds text."""
    import cv2

    height = gray.shape[0]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, kernel)
    _, binary = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    joined = cv2.morphologyEx(
        binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1))
    )
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = 0
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if h < 6 or h > max(12, height // 5) or w < 2 * h:
            continue
        fill = float(np.count_nonzero(binary[y : y + h, x : x + w])) / float(w * h)
        if fill >= 0.35:
            regions += 1
    return TextLikelihood(regions >= MIN_TEXT_REGIONS, regions)
