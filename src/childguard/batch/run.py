"""Driving a backfill run from the client: start or resume, submit batches, record results.

``prepare_run`` checks the sources (refusing a missing or unreadable one before anything starts)
and creates the run's folder; ``open_run`` reopens one for ``--resume``; ``execute_run`` lists
the sources (the first batches scan meanwhile), then scans every file the manifest does not
cover, on the Dask client it is given, with a bounded number of batches in flight, writing each
finished batch durably (see ``manifest``). A batch whose worker died (``kill -9``, the memory
limit) is retried by Dask; one that keeps killing workers is split into single files, and a
single file that still kills its worker is listed as failed with that reason. The scheduler
going away stops the run with a message naming the ``--resume`` command.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from childguard.batch.case_seam import CaseSink, case_candidate
from childguard.batch.cutting import BatchCutter
from childguard.batch.manifest import (
    ListingWriter,
    RunSpec,
    RunStore,
    RunWriter,
    failed_of,
    new_run_id,
    runs_dir,
)
from childguard.batch.sources import SourceItem, check_sources, list_sources, pack_items
from childguard.batch.worker import (
    EncodedBatch,
    JobSpec,
    encode_batch,
    scan_batch_encoded,
    warm_runtime,
)
from childguard.config import Settings
from childguard.errors import ChildguardError, ServiceUnavailable

#: Called with (files done, files in the run) after each recorded batch; the number of files
#: is ``None`` while the sources are still being listed.
ProgressFn = Callable[[int, int | None], None]

#: While listing, batches are handed out and results recorded every this many files.
LISTING_STEP = 16

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
    """Check ``sources`` and create a new run; returns its store.

    The sources are listed by ``execute_run``, while the first batches already scan.
    """
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
    return RunStore.create(settings, spec)


def warm_workers(
    client: Any,
    settings: Settings,
    org_id: int,
    *,
    banks: Sequence[str] = (),
    intel: bool = True,
) -> list[Any]:
    """Have every worker open its runtime (database, banks' index) now, without waiting.

    Called before ``execute_run`` lists the sources, so that the workers open their runtime
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
    """Scan every file of the run that its manifest does not cover; returns the totals.

    A run whose listing is not complete (a new one, or one interrupted while listing) lists its
    sources here, handing out full batches as the files are found; the progress callback gets
    ``None`` as the total until the listing is complete.
    """
    started = time.perf_counter()
    with store.locked():
        summary = _RunDriver(store, settings, org_id, client, on_progress, sink).run()
        summary.failures = store.failures()
    summary.seconds = time.perf_counter() - started
    return summary


class _RunDriver:
    """One invocation of ``execute_run``: the batches in flight and what came back."""

    def __init__(
        self,
        store: RunStore,
        settings: Settings,
        org_id: int,
        client: Any,
        on_progress: ProgressFn | None,
        sink: CaseSink | None,
    ) -> None:
        spec = store.spec
        self.store = store
        self.settings = settings
        self.org_id = org_id
        self.client = client
        self.on_progress = on_progress
        self.sink = sink
        self.summary = RunSummary(run_id=spec.run_id, out=spec.out)
        self.job = JobSpec(
            spec.run_id, absolute_settings(settings), org_id, tuple(spec.banks), spec.intel
        )
        self.workers = _worker_count(client)
        self.window = max(4, 2 * self.workers)
        self.batch_of: dict[Any, list[SourceItem]] = {}
        self.listing: ListingWriter | None = None
        self.done = 0
        self.next_batch = 0

    def run(self) -> RunSummary:
        """Scan what is left; returns the totals (``failures`` and ``seconds`` aside)."""
        from distributed import as_completed

        done, self.next_batch = self.store.recover()
        listed = self.store.items()
        self.summary.already_done = self.done = len(done)
        self.summary.total = len(listed)
        pending = [item for item in listed if item.index not in done]
        if not self.store.listing_complete:
            spec = self.store.spec
            found = list_sources(spec.sources, self.settings)
            self.listing = self.store.continue_listing(listed, found)
        self.cutter = BatchCutter(
            pending,
            self.settings.backfill_batch_size,
            self.settings.backfill_batch_seconds,
            self.workers,
            listing=self.listing is not None,
        )
        self.writer = RunWriter(self.store)
        # On this run's client's loop: with no futures yet, as_completed would take the default
        # client's, and a run handed any other client (a second one in the process) never hears
        # of its futures finishing and waits forever.
        self.seq = as_completed(loop=self.client.loop)
        try:
            self._progress()
            if self.listing is not None:
                self._list_while_scanning(self.listing)
            self._submit()
            for future in self.seq:
                self._handle(future)
                self._submit()
        finally:
            self.writer.close()
            for future in self.batch_of:
                future.cancel()
        return self.summary

    def _list_while_scanning(self, listing: ListingWriter) -> None:
        """List the sources, handing out full batches and recording results as they come."""
        for n, item in enumerate(listing, 1):
            self.cutter.add(item)
            self.summary.total += 1
            if n % LISTING_STEP:
                continue
            self._submit()
            while self.seq.has_ready():
                for future in self.seq.next_batch(block=False):
                    self._handle(future)
                self._submit()
        self.listing = None
        self.cutter.listed()
        self._progress()

    def _progress(self) -> None:
        if self.on_progress:
            total = None if self.listing is not None else self.summary.total
            self.on_progress(self.done, total)

    def _submit(self) -> None:
        while self.cutter.ready() and len(self.batch_of) < self.window:
            batch = self.cutter.take()
            packed = pack_items(batch)
            future = self.client.submit(scan_batch_encoded, packed, self.job, pure=False)
            self.batch_of[future] = batch
            self.seq.add(future)

    def _handle(self, future: Any) -> None:
        """Record one finished batch (or hand its files out again one by one)."""
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        batch = self.batch_of.pop(future)
        spec = self.store.spec
        try:
            result: EncodedBatch = future.result()
        except KilledWorker:
            if len(batch) > 1:
                self.cutter.retry_singly(batch)
                return
            result = encode_batch([_died_line(batch[0], spec.run_id, WORKER_DIED)])
        except ChildguardError:
            # The worker could not open its runtime (database, index): nothing can be
            # scanned there, so the run stops with that message; --resume goes on.
            raise
        except (CancelledError, FutureCancelledError, OSError, TimeoutError) as exc:
            raise ServiceUnavailable(
                f"the Dask scheduler went away ({type(exc).__name__}) after "
                f"{self.done} of {self.summary.total} files; finish the run with "
                f"`childguard backfill --resume {spec.run_id}`"
            ) from None
        self.cutter.record(result.count, result.seconds)
        if self.listing is not None:
            self.listing.sync()  # a recorded index must be in the listing on disk
        files = [item.index for item in batch]
        self.writer.commit_text(self.next_batch, files, result.text, failed_of(result.notable))
        self.next_batch += 1
        self._count(result)
        self.done += len(batch)
        self._progress()

    def _count(self, result: EncodedBatch) -> None:
        summary = self.summary
        summary.scanned += result.count
        for line in result.notable:
            summary.failed += int("error" in line)
            summary.matched += int(bool(line.get("matched")))
            text = (line.get("intel") or {}).get("text", {})
            summary.flagged += int(bool(line.get("flagged") or text.get("flagged")))
            if self.sink is not None:
                candidate = case_candidate(line, self.org_id)
                if candidate is not None:
                    self.sink(candidate)
