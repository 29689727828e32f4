"""Where the benchmarks find their public reference images.

The full conformance set is read from ``$CHILDGUARD_CONFORMANCE_DATA/pdq`` (``make bench`` points
the variable at ``../shared/data`` when that exists); without it the benchmarks use the small set
every clone has in ``tests/data/pdq`` and say so, so their figures are labelled by their inputs.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCAL_PDQ = REPO / "tests" / "data" / "pdq"
CONFORMANCE_ENV = "CHILDGUARD_CONFORMANCE_DATA"
#: Photos the benchmarks derive their inputs from, in the full set and in the small one.
FULL_SOURCES = ("aaa-orig.jpg", "c.png", "pen-and-coaster.png", "wee.jpg", "square-512x512.jpg")
LOCAL_SOURCES = ("bridge-1-original.jpg", "wee.jpg", "square-256x256.jpg", "shrink-a-lot.jpg")


def pdq_data() -> Path:
    """The PDQ set (``images/``, ``expected.csv``): the full one if available, else the small."""
    raw = os.environ.get(CONFORMANCE_ENV, "")
    full = Path(raw) / "pdq" if raw else None
    if full is not None and (full / "expected.csv").is_file():
        return full
    return LOCAL_PDQ


def photo_sources() -> tuple[Path, ...]:
    """The source photos of the generated benchmark inputs."""
    data = pdq_data()
    names = LOCAL_SOURCES if data == LOCAL_PDQ else FULL_SOURCES
    return tuple(data / "images" / name for name in names)


def describe() -> str:
    """One line naming the image set in use (printed with the figures)."""
    if pdq_data() == LOCAL_PDQ:
        return f"images: the small set in tests/data/pdq ({CONFORMANCE_ENV} unset)"
    return f"images: the conformance set in {pdq_data()}"
