"""Background work on a fixed interval: one daemon thread per schedule, stopped on shutdown."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("childguard.periodic")


class Periodic:
    """Calls ``tick`` every ``interval`` seconds in a daemon thread until ``stop``.

    With ``first_now`` the first call is made at once, else after one interval. An exception
    raised by ``tick`` is logged by its type only (its message may quote content) and the next
    tick retries; the thread keeps running. ``start`` does nothing for an interval of 0 or
    less, or when already started.
    """

    def __init__(
        self,
        tick: Callable[[], object],
        interval: float,
        *,
        name: str,
        first_now: bool = False,
    ) -> None:
        self.tick = tick
        self.interval = interval
        self.name = name
        self.first_now = first_now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start the thread; returns whether it started."""
        if self.interval <= 0 or self._thread is not None:
            return False
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, waiting up to ``timeout`` seconds for a tick in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        if self.first_now:
            self._run()
        while not self._stop.wait(self.interval):
            self._run()

    def _run(self) -> None:
        try:
            self.tick()
        except Exception as exc:  # keep the schedule alive; the next tick retries
            log.warning("%s failed", self.name, extra={"error": type(exc).__name__})
