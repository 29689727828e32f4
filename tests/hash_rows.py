"""Random packed PDQ rows and planted neighbours, shared by the index tests."""

from __future__ import annotations

import numpy as np


def random_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 256-bit hashes as ``(n, 4)`` uint64 rows."""
    return rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)


def flip(row: np.ndarray, rng: np.random.Generator, distance: int) -> np.ndarray:
    """A copy of one packed row with ``distance`` distinct random bits flipped."""
    out = row.copy()
    for bit in rng.choice(256, size=distance, replace=False):
        out[bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    return out
