"""A per-client sliding window for sign-in attempts (in the process's memory)."""

from __future__ import annotations

import threading
import time
from collections import deque


class Throttle:
    """At most ``per_minute`` attempts per client in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count an attempt of ``client``; False when it is over the limit (not counted)."""
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(client, deque())
            while window and now - window[0] > 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return False
            window.append(now)
            if len(self._seen) > 10_000:  # forget idle clients so memory stays bounded
                for key in [k for k, w in self._seen.items() if not w][:5000]:
                    del self._seen[key]
            return True
