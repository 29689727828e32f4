"""Cutting a run's files into Dask tasks: batches sized by time, shrinking towards the end.

Every task costs the client and the scheduler a few milliseconds of Dask messages (about 6 ms
of the client process's CPU per task here), which on a machine whose cores all scan comes out
of the workers' time; a batch that takes long delays the progress bar and is scanned again when
its worker dies. So a batch is cut to take a worker about ``target_seconds`` (the client learns
the seconds per file from the batches that came back), within ``MIN_BATCH`` and the configured
maximum, and the tail of the run is cut smaller (at most half of what is left per worker) so
that the workers finish together instead of one scanning a last large batch alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from childguard.batch.sources import SourceItem

#: The smallest batch the tail of a run is cut into.
MIN_BATCH = 32

#: Each batch of the end of a run is at most what is left / (TAIL_SHARE * workers): a worker
#: holds a batch queued behind the one it scans, so halving again keeps the last ones even.
TAIL_SHARE = 2

#: The size of the batches sent before any has come back (nothing is known of the files yet).
FIRST_BATCH = 64


class BatchCutter:
    """Hands out the files of ``items`` in batches, each file once (retries aside).

    ``size`` is the most files per batch, ``target_seconds`` the time a batch should take a
    worker, ``workers`` how many share the run. While the sources are still being listed
    (``listing`` true), files are added with ``add`` and only full batches are handed out.
    """

    def __init__(
        self,
        items: Sequence[SourceItem],
        size: int,
        target_seconds: float,
        workers: int,
        *,
        listing: bool = False,
    ) -> None:
        self._items = list(items)
        self._next = 0
        self.listing = listing
        self._retries: deque[list[SourceItem]] = deque()
        self.size = max(1, size)
        self.target_seconds = target_seconds
        self.workers = max(1, workers)
        self._files_timed = 0
        self._seconds = 0.0
        self._last_per_file = 0.0

    def __bool__(self) -> bool:
        """True while some file has not been handed out (or may still be listed)."""
        return self.listing or bool(self._retries) or self._next < len(self._items)

    def add(self, item: SourceItem) -> None:
        """A file the listing found."""
        self._items.append(item)

    def listed(self) -> None:
        """The listing is complete: the end of the run is known."""
        self.listing = False

    def ready(self) -> bool:
        """True when a batch can be handed out now."""
        if self._retries:
            return True
        left = len(self._items) - self._next
        return left >= self.batch_size() if self.listing else left > 0

    def record(self, files: int, seconds: float) -> None:
        """A batch of ``files`` took a worker ``seconds``: learn the time per file."""
        if files > 0 and seconds >= 0:
            self._files_timed += files
            self._seconds += seconds
            self._last_per_file = seconds / files

    def seconds_per_file(self) -> float | None:
        """The time a file takes, as far as known: the mean so far, or the last batch's when
        it was slower (files of another kind, videos after images, shrink the next batches at
        once)."""
        if self._files_timed == 0 or self._seconds <= 0:
            return None
        return max(self._seconds / self._files_timed, self._last_per_file)

    def retry_singly(self, batch: Sequence[SourceItem]) -> None:
        """Hand out the files of ``batch`` again, one per batch, before any other file."""
        self._retries.extendleft([item] for item in reversed(batch))

    def batch_size(self) -> int:
        """How many files the next batch takes (before the end of the run is reached)."""
        per_file = self.seconds_per_file()
        by_time = FIRST_BATCH if per_file is None else round(self.target_seconds / per_file)
        if self.listing:
            return max(1, min(self.size, by_time))
        left = len(self._items) - self._next
        tail = max(MIN_BATCH, -(-left // (TAIL_SHARE * self.workers)))
        return max(1, min(self.size, by_time, tail))

    def take(self) -> list[SourceItem]:
        """The next batch (empty when no file is left to hand out now)."""
        if self._retries:
            return self._retries.popleft()
        n = self.batch_size()
        batch = list(self._items[self._next : self._next + n])
        self._next += len(batch)
        return batch
