"""A nudity score from NudeNet's 320n detector (YOLOv8n, MIT licence), run with onnxruntime.

The model file ships inside the ``nudenet`` PyPI package; this module only loads it and does its
own pre- and post-processing: the image is resized to 320 px on its long side and padded to a
320 x 320 square (right and bottom, as NudeNet does), and the score is the highest confidence of
any *exposed* body-part class over all anchor boxes (0 to 1). It orders review; it never decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from childguard.errors import ConfigurationError

MODEL_NAME = "NudeNet 320n (YOLOv8n, nudenet 3.4 package)"
INPUT_SIZE = 320
#: NudeNet 3.4 class order (the model's output rows 4..21).
LABELS = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED",
    "BELLY_COVERED", "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE",
    "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)  # fmt: skip
EXPOSED = (
    "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "ANUS_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
)  # fmt: skip
_EXPOSED_ROWS = [4 + LABELS.index(label) for label in EXPOSED]
#: Exposed classes at or above this confidence are listed by name in the explanation.
LIST_FROM = 0.25


def model_path() -> Path:
    """The ONNX file inside the installed ``nudenet`` package."""
    try:
        import nudenet
    except ImportError:
        raise ConfigurationError(
            "the nudenet package is missing (pip install nudenet, or set "
            "CHILDGUARD_INTEL_NUDITY=false)"
        ) from None
    path = Path(nudenet.__file__).parent / "320n.onnx"
    if not path.is_file():
        raise ConfigurationError(f"NudeNet's model file is missing at {path}")
    return path


class NudityScorer:
    """One onnxruntime session (single-threaded, CPU) reused for every image."""

    def __init__(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def score(self, image: Image.Image) -> dict[str, Any]:
        """``{"score", "model", "exposed"}`` for an RGB image (any size)."""
        from childguard.media.intel.shared_image import SharedImage

        return self.score_square(SharedImage.decode(image).square(INPUT_SIZE))

    def score_square(self, square: NDArray[np.uint8]) -> dict[str, Any]:
        """The score of an ``INPUT_SIZE`` square RGB array, padded right and bottom."""
        blob = square.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        output = self.session.run(None, {self.input_name: blob})[0][0]
        exposed = output[_EXPOSED_ROWS]
        per_label = exposed.max(axis=1)
        listed = {
            label: round(float(s), 3)
            for label, s in zip(EXPOSED, per_label, strict=True)
            if s >= LIST_FROM
        }
        return {
            "score": round(float(per_label.max()), 4),
            "model": MODEL_NAME,
            "exposed": listed,
        }
