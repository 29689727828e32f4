"""Hash many files on several cores, results in input order.

The command line's ``hash`` and ``scan`` hash each file in a worker process (hashing is CPU
bound and holds the GIL in parts), while matching, auditing and printing stay in the calling
process, in the order the files were given. At most a few files per worker are in flight, so
memory does not grow with the number of files.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from childguard.config import Settings
from childguard.errors import ChildguardError, HashingError
from childguard.media.scan import FileScan, scan_one

if TYPE_CHECKING:
    from concurrent.futures import Future

#: Files queued per worker ahead of the one being printed.
AHEAD_PER_WORKER = 4

_worker_settings: Settings | None = None


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(settings: Settings) -> None:
    global _worker_settings
    from childguard.runtime import tune_allocator

    tune_allocator()
    _worker_settings = settings


def _hash_in_worker(path: Path) -> FileScan:
    assert _worker_settings is not None
    return scan_one(path, _worker_settings, None)


def hash_files(
    files: Iterable[tuple[Path, ChildguardError | None]], settings: Settings, workers: int
) -> Iterator[FileScan]:
    """A ``FileScan`` with the signals (no matches) of each file, in the order of ``files``.

    A file whose walk failed (its error given) is yielded with that error, unhashed. ``workers``
    1 hashes in this process; more use a pool of that many processes.
    """
    if workers <= 1:
        for path, error in files:
            yield FileScan(str(path), error=error) if error else scan_one(path, settings, None)
        return
    # Imported here: one file needs no pool, and the pool's modules cost 5 ms of start-up.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers start in milliseconds with the hashing modules already imported
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(settings,),
    ) as pool:
        pending: deque[tuple[Path, FileScan | Future[FileScan]]] = deque()
        for path, error in files:
            if error is not None:
                pending.append((path, FileScan(str(path), error=error)))
            else:
                pending.append((path, pool.submit(_hash_in_worker, path)))
            while len(pending) > workers * AHEAD_PER_WORKER:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(entry: tuple[Path, FileScan | Future[FileScan]]) -> FileScan:
    path, item = entry
    if isinstance(item, FileScan):
        return item
    from concurrent.futures.process import BrokenProcessPool

    try:
        return item.result()
    except BrokenProcessPool:  # a worker was killed (out of memory, a signal): say so per file
        return FileScan(str(path), error=HashingError(f"{path.name}: the hashing process died"))
