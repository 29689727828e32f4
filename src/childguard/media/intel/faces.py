"""Counting faces with a frontal-face Haar cascade bundled with OpenCV (``frontalface_alt2``).

Of OpenCV's bundled frontal-face cascades, ``alt2`` (20 px window) gave the best recall for its
cost in ``bench/intel_bench.py``: on the 160 px grey copy it finds synthetic faces from 15 % of
the photo's long side (20 of 24 at 15 %, all from 17 %) in about 6 ms, where ``default`` on a
256 px copy took about 14.5 ms and found only about half of them below 20 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from childguard.errors import ConfigurationError

CASCADE = "haarcascade_frontalface_alt2.xml"
#: Step between pyramid levels: 1.2 keeps every face within about 10 % of a level's window.
SCALE_FACTOR = 1.2
#: Overlapping detections required; 3 finds small faces that 5 drops, with no false face on the
#: bench's photos.
MIN_NEIGHBORS = 3


class FaceCounter:
    """One loaded cascade, reused for every image."""

    def __init__(self) -> None:
        import cv2

        # One OpenCV thread: a Dask worker is one single-threaded process per core.
        cv2.setNumThreads(1)
        path = str(Path(cv2.__file__).parent / "data" / CASCADE)
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise ConfigurationError(f"OpenCV's face cascade cannot be loaded from {path}")

    def count(self, gray: NDArray[np.uint8]) -> int:
        """Faces found in the grey image ``gray`` (``FACE_SIDE`` px on its long side).

        The smallest window is the cascade's own 20 px, so faces under 20 / ``FACE_SIDE`` of
        the long side (12.5 %) are never found, and reliably only from about 15 %.
        """
        import cv2

        equalised = cv2.equalizeHist(gray)
        found = self.cascade.detectMultiScale(
            equalised, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(20, 20)
        )
        return len(found)
