"""Counting faces with the frontal-face Haar cascade bundled with OpenCV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from childguard.errors import ConfigurationError

CASCADE = "haarcascade_frontalface_default.xml"


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
        """Faces found in the grey image ``gray`` (about 256 px on its long side).

        The cascade's cost is mostly its smallest windows: a 20 px minimum on a 256 px image
        finds faces down to 7.8 % of the long side at about 60 % of the cost of 24 px on 320 px.
        """
        import cv2

        equalised = cv2.equalizeHist(gray)
        found = self.cascade.detectMultiScale(
            equalised, scaleFactor=1.3, minNeighbors=5, minSize=(20, 20)
        )
        return len(found)
