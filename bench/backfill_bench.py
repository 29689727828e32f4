"""Backfill throughput on Dask: 1 and 2 local worker processes against ``childguard scan``.

Usage: ``python bench/backfill_bench.py [--count N] [--size PX] [--folder DIR] [--batch B]``

Generates ``--count`` (default 10,000) small benign noise images (``--size`` pixels square,
JPEG) and a bank holding ten of them, then, in this one process and on the same files:

- the baseline: ``childguard scan``'s own loop in one process (opening the banks' index, listing
  the files, then ``scan_one`` with that matcher), timed from opening the index to the last
  file, as a backfill is timed from listing to its last result (its worker opens its index on
  its first batch); once with the BLAS/OpenMP pools limited to one thread as in a Dask worker
  (the one-core baseline) and once with the default threads;
- ``backfill --no-intel`` on a ``LocalCluster`` of 1, then 2 single-threaded worker processes.
  The cluster is started, and its workers have imported the scanning code, before the timer
  starts (Dask's start-up, 10-16 s on a loaded machine, is not scanning); the time runs from
  the workers' warm-up and ``prepare_run`` (listing the sources, while the workers open their
  runtime, as the command does) to the last recorded result, and is also given from the first
  result on.

It prints each run's seconds and files per second side by side, the 2-worker speed-up (target
>= 1.8x on two cores), one worker against the baseline (target: within 10 %), and the load
average, since other processes on a shared machine take cores from the workers. Every backfill's
output is checked to cover each file once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def make_images(folder: Path, count: int, size: int) -> list[Path]:
    """``count`` distinct benign noise JPEGs (reused when the folder already holds them)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"img{i:05d}.jpg" for i in range(count)]
    rng = np.random.default_rng(11)
    for path in paths:
        if path.exists():
            continue
        base = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
        Image.fromarray(base).resize((size, size), Image.Resampling.BICUBIC).save(path, quality=90)
    return paths


def cli(args: list[str], env: dict[str, str]) -> None:
    """Run ``childguard ARGS`` (set-up only)."""
    subprocess.run(
        [sys.executable, "-m", "childguard.cli.main", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def baseline(folder: Path, one_thread: bool) -> tuple[float, int]:
    """``childguard scan``'s loop over ``folder``: (seconds, files).

    ``one_thread`` limits the BLAS/OpenMP pools to one thread, as in a Dask worker (distributed
    sets ``OMP_NUM_THREADS=1`` and the like for its worker processes); without it, ``scan``'s
    hashing uses a second core here, so it is not a one-core figure.
    """
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1 if one_thread else None):
        return _baseline(folder)


def _baseline(folder: Path) -> tuple[float, int]:
    from childguard.cli.context import open_context
    from childguard.config import Settings
    from childguard.media.matcher import Matcher
    from childguard.media.scan import FileScan, ScanSummary, iter_files, scan_one

    settings = Settings()
    ctx = open_context(settings)
    # Timed as the backfill is: from listing the files and opening the banks' index (a
    # backfill's worker opens its own on its first batch) to the last file.
    start = time.perf_counter()
    matcher = Matcher(ctx.db, settings, org_id=ctx.org.id, persist=True)
    files = list(iter_files([folder]))
    summary = ScanSummary()
    for path, error in files:
        scan = FileScan(str(path), error=error) if error else scan_one(path, settings, matcher)
        summary.add(scan)
        json.dumps(scan.scan_public())  # scan --json prints each result
    seconds = time.perf_counter() - start
    ctx.db.dispose()
    assert summary.errors == 0, summary.to_public()
    return seconds, summary.files


def _warm() -> None:
    """Import the scanning code in a worker (process start-up, not scanning)."""
    import childguard.batch.worker
    import childguard.media.matcher
    import childguard.media.scan  # noqa: F401


def backfill(folder: Path, workers: int, out: Path, batch: int | None) -> dict[str, Any]:
    """One ``backfill --no-intel`` on a warm local cluster of ``workers`` processes."""
    from childguard.batch.cluster import dask_client
    from childguard.batch.run import execute_run, prepare_run, warm_workers
    from childguard.cli.context import open_context
    from childguard.config import Settings

    settings = Settings()
    if batch:
        settings = settings.model_copy(update={"backfill_batch_size": batch})
    ctx = open_context(settings)
    first: list[tuple[float, int]] = []

    def progress(done: int, total: int) -> None:
        if done and not first:
            first.append((time.perf_counter(), done))

    with dask_client(settings, workers=workers) as client:
        client.wait_for_workers(workers)
        client.run(_warm)
        start = time.perf_counter()
        # as the command does: the workers open their runtime while the sources are listed
        warming = warm_workers(client, settings, ctx.org.id, intel=False)
        store = prepare_run(settings, [str(folder)], out=str(out), intel=False)
        summary = execute_run(store, settings, ctx.org.id, client, on_progress=progress)
        seconds = time.perf_counter() - start
        del warming
    ctx.db.dispose()
    lines = out.read_text().splitlines()
    indices = sorted(json.loads(line)["index"] for line in lines)
    assert indices == list(range(summary.total)), "each file once"
    assert summary.failed == 0, summary.to_public()
    end = start + seconds
    first_at, first_done = first[0] if first else (start, 0)
    return {
        "seconds": seconds,
        "files": summary.total,
        "rate_after_first": (summary.total - first_done) / max(end - first_at, 1e-9),
        "first_batch": first_at - start,
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--batch", type=int, default=None, help="backfill_batch_size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "images"
        paths = make_images(folder, args.count, args.size)
        data = Path(tmp) / "data"
        os.environ["CHILDGUARD_DATA_DIR"] = str(data)
        os.environ.pop("CHILDGUARD_DATABASE_URL", None)
        cli(["bank", "create", "BENCH"], dict(os.environ))
        cli(["bank", "add", "BENCH", *map(str, paths[:10])], dict(os.environ))
        n = len(paths)
        load = os.getloadavg()
        print(f"{n} images of {args.size}x{args.size} px, {os.cpu_count()} cores, load average "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start")  # fmt: skip
        scans = {}
        for one_thread in (True, False):
            scans[one_thread], files = baseline(folder, one_thread)
            assert files == n, (files, n)
        runs = {w: backfill(folder, w, Path(tmp) / f"out-{w}.jsonl", args.batch) for w in (1, 2)}
        load = os.getloadavg()
        print(f"{'run':30s} {'seconds':>8s} {'files/s':>8s}  files/s from the 1st result")
        for one_thread, label in (
            (True, "scan, 1 thread (baseline)"),
            (False, "scan, default threads"),
        ):
            print(f"{label:30s} {scans[one_thread]:8.1f} {n / scans[one_thread]:8.1f}")
        for w, r in runs.items():
            print(
                f"{f'backfill --workers {w}':30s} {r['seconds']:8.1f} {n / r['seconds']:8.1f}  "
                f"{r['rate_after_first']:8.1f}  (first batch after {r['first_batch']:.1f} s)"
            )
        speedup = runs[1]["seconds"] / runs[2]["seconds"]
        print(f"2 workers vs 1: {speedup:.2f}x (target >= 1.8x)")
        for one_thread, label in ((True, "scan, 1 thread"), (False, "scan, default threads")):
            ratio = runs[1]["seconds"] / scans[one_thread] - 1
            print(f"1 worker vs {label}: {100 * ratio:+.1f} % time (target within 10 %)")
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")


if __name__ == "__main__":
    main()
