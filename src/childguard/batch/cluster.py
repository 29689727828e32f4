"""The Dask cluster a backfill runs on: a ``LocalCluster`` by default, else an existing one."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from childguard.config import Settings
from childguard.errors import InvalidInput, ServiceUnavailable

#: Dask settings of the local cluster (the nanny hands them to each worker process). Each
#: timer of a worker wakes its event loop, which then takes the GIL from the scanning thread:
#: distributed's statistical profiler samples every thread's stack every 10 ms (a backfill's
#: tasks are all the same function: its profile tells nothing worth that); the event loop's
#: watchdog ticks every 20 ms; the memory monitor reads the process's memory every 100 ms and
#: the system monitor its CPU, memory and I/O every 500 ms. With the profiler off and the others
#: at these intervals, a worker scanned small images at 0.46-0.47 ms of its time per file
#: instead of 0.48-0.50 (the memory limit is still enforced twice a second).
WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
}


def default_workers() -> int:
    """One worker process per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(
    settings: Settings,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    processes: bool = True,
) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler`` (``tcp://host:8786``) or on a new local cluster.

    The local cluster has ``workers`` single-threaded worker processes (default: one per core),
    each limited to ``backfill_worker_memory_mb``; with ``processes=False`` they are threads of
    this process, without a memory limit of their own. It is shut down on exit. Raises
    ``ServiceUnavailable`` when the scheduler cannot be reached.
    """
    # distributed logs a lost scheduler with tracebacks on stderr; the run reports it itself
    # (with the --resume command), so only its critical messages are let through meanwhile.
    import distributed  # noqa: F401  (its import configures the loggers quieted here)

    names = ["distributed"] + [
        name for name in logging.root.manager.loggerDict if name.startswith("distributed.")
    ]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        with _client(settings, scheduler, workers, processes) as client:
            yield client
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextmanager
def _client(
    settings: Settings, scheduler: str | None, workers: int | None, processes: bool
) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if "://" not in scheduler:
            raise InvalidInput(f"--scheduler {scheduler!r}: give an address like tcp://host:8786")
        try:
            client = Client(scheduler, timeout=15)
        except (OSError, TimeoutError) as exc:
            raise ServiceUnavailable(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and workers < 1:
        raise InvalidInput("--workers must be at least 1")
    import dask

    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=processes,
            # A thread worker's memory monitor reads the whole host process (a server, a test
            # run): past 80 % of the limit it pauses and the run waits for it forever.
            memory_limit=f"{settings.backfill_worker_memory_mb}MiB" if processes else 0,
            dashboard_address=":0",  # a free port: several runs may share a machine
            silence_logs=logging.ERROR,
        )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
