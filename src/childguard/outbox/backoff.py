"""When a failed delivery is tried again: exponential backoff with full jitter, capped."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures: ``base * 2**(n-1)`` up to ``cap``.

    The delay is drawn uniformly between half and all of that figure, so receivers that come
    back are not hit by every sender at the same instant.
    """

    base_seconds: float = 10.0
    cap_seconds: float = 3600.0

    def delay(self, failures: int, rng: random.Random | None = None) -> timedelta:
        """The wait after ``failures`` failed attempts (``failures`` ≥ 1)."""
        exponent = min(max(failures, 1) - 1, 32)
        ceiling = min(self.base_seconds * (2.0**exponent), self.cap_seconds)
        draw = (rng or random).uniform(0.5, 1.0)
        return timedelta(seconds=ceiling * draw)
