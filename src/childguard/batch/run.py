"""Driving a backfill run from the client: start or resume, submit batches, record results.

``prepare_run`` checks the sources (refusing a missing or unreadable one before anything starts),
lists them once and creates the run's folder; ``open_run`` reopens one for ``--resume``;
``execute_run`` scans every file the manifest does not cover, on the Dask client it is given,
with a bounded number of batches in flight, writing each finished batch durably (see
``manifest``). A batch whose worker died (``kill -9``, the memory limit) is retried by Dask; one
that keeps killing workers is split into single files, and a single file that still kills its
worker is listed as failed with that reason. The scheduler going away stops the run with a
message naming the ``--resume`` command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from childguard.batch.case_seam import CaseSink, case_candidate
from childguard.batch.manifest import (
    RunSpec,
    RunStore,
    RunWriter,
    failed_of,
    new_run_id,
    runs_dir,
)
from childguard.batch.sources import SourceItem, check_sources, list_sources
from childguard.batch.worker import (
    EncodedBatch,
    JobSpec,
    encode_batch,
    scan_batch_encoded,
    warm_runtime,
)
from childguard.config import Settings
from childguard.errors import ChildguardError, ServiceUnavailable

#: Called with (files done, files in the run) after each recorded batch.
ProgressFn = Callable[[int, int], None]

WORKER_DIED = "the worker process died while scanning this file (memory limit or crash)"


@dataclass
class RunSummary:
    """Totals of one invocation (a first run or a resume) of a backfill run."""

    run_id: str
    out: str
    total: int = 0
    already_done: int = 0
    scanned: int = 0
    matched: int = 0
    flagged: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def to_public(self) -> dict[str, Any]:
        """JSON form printed by ``childguard backfill --json``."""
        return {
            "run_id": self.run_id,
            "out": self.out,
            "files": self.total,
            "already_done": self.already_done,
            "scanned": self.scanned,
            "matched": self.matched,
            "flagged": self.flagged,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "files_per_second": round(self.scanned / self.seconds, 2) if self.seconds else None,
        }


def absolute_settings(settings: Settings) -> Settings:
    """``settings`` with an absolute data directory, valid in worker processes started elsewhere."""
    return settings.model_copy(update={"data_dir": settings.data_dir.absolute()})


def prepare_run(
    settings: Settings,
    sources: Sequence[str],
    *,
    out: str | None = None,
    banks: Sequence[str] = (),
    intel: bool = True,
    case: bool = False,
) -> RunStore:
    """Check and list ``sources`` and create a new run; returns its store."""
    check_sources(sources, settings)
    run_id = new_run_id()
    out_path = Path(out) if out else runs_dir(settings) / run_id / "results.jsonl"
    spec = RunSpec(
        run_id=run_id,
        sources=list(sources),
        out=str(out_path.absolute()),
        banks=list(banks),
        intel=intel,
        case=case,
    )
    return RunStore.create(settings, spec, list_sources(sources, settings))


def warm_workers(
    client: Any,
    settings: Settings,
    org_id: int,
    *,
    banks: Sequence[str] = (),
    intel: bool = True,
) -> list[Any]:
    """Have every worker open its runtime (database, banks' index) now, without waiting.

    Called before ``prepare_run`` lists the sources, so that the workers open their runtime
    while the client lists: a run's first batch then finds it open. Returns the tasks'
    futures: keep them until the run is over (Dask cancels a task whose future is dropped).
    """
    job = JobSpec("", absolute_settings(settings), org_id, tuple(banks), intel)
    try:
        workers = list(client.scheduler_info()["workers"])
    except (KeyError, OSError, TypeError):
        return []
    return [client.submit(warm_runtime, job, workers=[address], pure=False) for address in workers]


def open_run(settings: Settings, run_id: str) -> RunStore:
    """Reopen run ``run_id`` for ``--resume``."""
    return RunStore.open(settings, run_id)


#: The smallest batch the tail of a run is cut into (see ``batches``).
MIN_BATCH = 16


def batches(items: Sequence[SourceItem], size: int, workers: int) -> list[list[SourceItem]]:
    """``items`` in batches of at most ``size``, shrinking towards the end of the run.

    Each batch is at most half of what is left per worker (and at least ``MIN_BATCH``), so
    the last batches are small and the workers finish together instead of one worker scanning
    a last full batch alone. Every batch costs the client and the scheduler a few milliseconds
    of Dask messages, so the batches are as large as that allows.
    """
    out: list[list[SourceItem]] = []
    start = 0
    while start < len(items):
        left = len(items) - start
        n = min(size, max(MIN_BATCH, -(-left // (2 * max(1, workers)))))
        out.append(list(items[start : start + n]))
        start += n
    return out


def _died_line(item: SourceItem, run_id: str, reason: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "index": item.index,
        "path": item.path,
        "error": {"code": "worker_died", "message": f"{item.path}: {reason}"},
    }


def _worker_count(client: Any) -> int:
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except (KeyError, OSError, TypeError):
        return 1


def execute_run(
    store: RunStore,
    settings: Settings,
    org_id: int,
    client: Any,
    *,
    on_progress: ProgressFn | None = None,
    sink: CaseSink | None = None,
) -> RunSummary:
    """Scan every file of the run that its manifest does not cover; returns the totals."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    started = time.perf_counter()
    spec = store.spec
    summary = RunSummary(run_id=spec.run_id, out=spec.out)
    job = JobSpec(spec.run_id, absolute_settings(settings), org_id, tuple(spec.banks), spec.intel)
    with store.locked():
        done, next_batch = store.recover()
        items = store.items()
        summary.total = len(items)
        summary.already_done = len(done)
        pending = [item for item in items if item.index not in done]
        progress_done = len(done)
        if on_progress:
            on_progress(progress_done, summary.total)
        workers = _worker_count(client)
        queue = batches(pending, settings.backfill_batch_size, workers)
        queue.reverse()
        window = max(4, 2 * workers)
        batch_of: dict[Any, list[SourceItem]] = {}
        writer = RunWriter(store)
        seq = as_completed()

        def submit() -> None:
            while queue and len(batch_of) < window:
                batch = queue.pop()
                future = client.submit(scan_batch_encoded, batch, job, pure=False)
                batch_of[future] = batch
                seq.add(future)

        try:
            submit()
            for future in seq:
                batch = batch_of.pop(future)
                try:
                    result: EncodedBatch = future.result()
                except KilledWorker:
                    if len(batch) > 1:
                        queue.extend([item] for item in reversed(batch))
                        submit()
                        continue
                    result = encode_batch([_died_line(batch[0], spec.run_id, WORKER_DIED)])
                except ChildguardError:
                    # The worker could not open its runtime (database, index): nothing can be
                    # scanned there, so the run stops with that message; --resume goes on.
                    raise
                except (CancelledError, FutureCancelledError, OSError, TimeoutError) as exc:
                    raise ServiceUnavailable(
                        f"the Dask scheduler went away ({type(exc).__name__}) after "
                        f"{progress_done} of {summary.total} files; finish the run with "
                        f"`childguard backfill --resume {spec.run_id}`"
                    ) from None
                files = [item.index for item in batch]
                writer.commit_text(next_batch, files, result.text, failed_of(result.notable))
                next_batch += 1
                summary.scanned += result.count
                for line in result.notable:
                    summary.failed += int("error" in line)
                    summary.matched += int(bool(line.get("matched")))
                    flagged = line.get("flagged") or (line.get("intel") or {}).get("text", {}).get(
                        "flagged"
                    )
                    summary.flagged += int(bool(flagged))
                    if sink is not None:
                        candidate = case_candidate(line, org_id)
                        if candidate is not None:
                            sink(candidate)
                progress_done += len(batch)
                if on_progress:
                    on_progress(progress_done, summary.total)
                submit()
        finally:
            writer.close()
            for future in batch_of:
                future.cancel()
        summary.failures = store.failures()
    summary.seconds = time.perf_counter() - started
    return summary
