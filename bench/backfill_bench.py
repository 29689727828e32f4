"""Backfill throughput on Dask: 1 and 2 local worker processes against ``childguard scan``.

Usage: ``python bench/backfill_bench.py [--count N] [--size PX] [--folder DIR] [--batch B]
[--runs R]``

Generates ``--count`` (default 10,000) small benign noise images (``--size`` pixels square,
JPEG) and a bank holding ten of them, reads every file once (so that no run pays for a cold
page cache), then runs ``--runs`` rounds (default 3) of, on the same files:

- the baseline, ``childguard scan --workers 1 --json FOLDER`` as a user runs it (one process,
  its JSON lines written to a file), timed by its own clock: the ``seconds`` of its summary line,
  from listing the files to the last one (its start-up and opening the banks' index are not
  counted);
- for reference, ``scan``'s loop in this process with no output and the BLAS/OpenMP pools
  limited to one thread, as in a Dask worker (``scan_one`` and ``json.dumps`` per file);
- ``backfill --no-intel`` on a fresh ``LocalCluster`` of 1, then 2 single-threaded worker
  processes, each run in a process of its own, as the command runs. The cluster is started,
  and its workers have imported the scanning code, before the timer starts (Dask's start-up,
  3-16 s depending on the machine's load, is not scanning);
  the time runs from the workers' warm-up and ``prepare_run`` to the last recorded result (as
  in the command, the workers open their runtime while the client lists the sources, and the
  first batches scan while the listing goes on).

It prints every run, the medians, the 2-worker speed-up (target >= 1.8x on two cores) and one
worker against ``scan`` (target: within 10 %), per round and on the medians, and the load average:
other processes on a shared machine take cores from the workers. Every backfill's output is
checked to cover each file once.
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


def warm_page_cache(paths: list[Path]) -> None:
    """Read every file once, so that the first timed run does not pay for a cold cache."""
    for path in paths:
        path.read_bytes()


#: ``childguard scan`` in one process, one JSON line per file.
SCAN_ARGS = ("scan", "--workers", "1", "--json")


def scan_command(folder: Path, out: Path) -> tuple[float, int]:
    """``childguard scan --workers 1 --json FOLDER > OUT``: (its own seconds, files)."""
    with out.open("w") as handle:
        subprocess.run(
            [sys.executable, "-m", "childguard.cli.main", *SCAN_ARGS, str(folder)],
            stdout=handle,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    summary = json.loads(out.read_text().splitlines()[-1])["summary"]
    assert summary["errors"] == 0, summary
    return float(summary["seconds"]), int(summary["files"])


def scan_loop(folder: Path) -> tuple[float, int]:
    """``scan``'s loop over ``folder`` in this process, no output, one BLAS/OpenMP thread.

    Limited to one thread as in a Dask worker (distributed sets ``OMP_NUM_THREADS=1`` and the
    like for its worker processes).
    """
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(limits=1):
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


def backfill(folder: Path, workers: int, out: Path, batch: int | None) -> float:
    """Seconds of one ``backfill --no-intel`` of ``workers`` processes, in a process of its own.

    One process per run, as the command is: a process that has run several clusters uses
    more CPU with each (0.57 s of client CPU in a first 2-worker run, 0.84 s in a fourth).
    """
    args = [sys.executable, __file__, "--folder", str(folder), "--one-backfill", str(workers)]
    args += ["--out", str(out)] + (["--batch", str(batch)] if batch else [])
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"backfill with {workers} workers failed:\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.splitlines()[-1])["seconds"])


def one_backfill(folder: Path, workers: int, out: Path, batch: int | None) -> dict[str, Any]:
    """One ``backfill --no-intel`` on a warm local cluster of ``workers`` processes."""
    from childguard.batch.cluster import dask_client
    from childguard.batch.run import execute_run, prepare_run, warm_workers
    from childguard.cli.context import open_context
    from childguard.config import Settings

    settings = Settings()
    if batch:
        settings = settings.model_copy(update={"backfill_batch_size": batch})
    ctx = open_context(settings)
    with dask_client(settings, workers=workers) as client:
        client.wait_for_workers(workers)
        client.run(_warm)
        start = time.perf_counter()
        # as the command does: the workers open their runtime while the sources are listed
        warming = warm_workers(client, settings, ctx.org.id, intel=False)
        store = prepare_run(settings, [str(folder)], out=str(out), intel=False)
        summary = execute_run(store, settings, ctx.org.id, client)
        seconds = time.perf_counter() - start
        del warming
    ctx.db.dispose()
    lines = out.read_text().splitlines()
    indices = sorted(json.loads(line)["index"] for line in lines)
    assert indices == list(range(summary.total)), "each file once"
    assert summary.failed == 0, summary.to_public()
    return {"seconds": seconds, "files": summary.total}


def median(values: list[float]) -> float:
    """The median of ``values``."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--batch", type=int, default=None, help="backfill_batch_size")
    parser.add_argument("--runs", type=int, default=3, help="rounds of every run")
    parser.add_argument("--one-backfill", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_backfill:  # one timed run, in this process (see ``backfill``)
        print(json.dumps(one_backfill(args.folder, args.one_backfill, args.out, args.batch)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "images"
        paths = make_images(folder, args.count, args.size)
        warm_page_cache(paths)
        data = Path(tmp) / "data"
        os.environ["CHILDGUARD_DATA_DIR"] = str(data)
        os.environ.pop("CHILDGUARD_DATABASE_URL", None)
        cli(["bank", "create", "BENCH"], dict(os.environ))
        cli(["bank", "add", "BENCH", *map(str, paths[:10])], dict(os.environ))
        n = len(paths)
        load = os.getloadavg()
        print(f"{n} images of {args.size}x{args.size} px, {os.cpu_count()} cores, load average "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start")  # fmt: skip
        names = ("scan", "loop", "backfill 1", "backfill 2")
        times: dict[str, list[float]] = {name: [] for name in names}
        for round_no in range(args.runs):
            seconds, files = scan_command(folder, Path(tmp) / "scan.jsonl")
            assert files == n, (files, n)
            times["scan"].append(seconds)
            seconds, files = scan_loop(folder)
            assert files == n, (files, n)
            times["loop"].append(seconds)
            for w in (1, 2):
                out = Path(tmp) / f"out-{round_no}-{w}.jsonl"
                times[f"backfill {w}"].append(backfill(folder, w, out, args.batch))
        load = os.getloadavg()
        labels = {
            "scan": "scan --workers 1 (baseline)",
            "loop": "scan's loop in-process",
            "backfill 1": "backfill --workers 1",
            "backfill 2": "backfill --workers 2",
        }
        runs = "  ".join(f"{f'run {i + 1}':>6s}" for i in range(args.runs))
        print(f"{'seconds':30s} {runs}  {'median':>6s}  files/s")
        for name in names:
            row = "  ".join(f"{t:6.2f}" for t in times[name])
            mid = median(times[name])
            print(f"{labels[name]:30s} {row}  {mid:6.2f}  {n / mid:7.1f}")
        speedups = [a / b for a, b in zip(times["backfill 1"], times["backfill 2"], strict=True)]
        print(
            "2 workers vs 1: "
            + ", ".join(f"{x:.2f}x" for x in speedups)
            + f"; medians {median(times['backfill 1']) / median(times['backfill 2']):.2f}x"
            + " (target >= 1.8x)"
        )
        for base, label in (("scan", "scan --workers 1"), ("loop", "scan's loop in-process")):
            ratios = [a / b - 1 for a, b in zip(times["backfill 1"], times[base], strict=True)]
            mid = median(times["backfill 1"]) / median(times[base]) - 1
            print(
                f"1 worker vs {label}: "
                + ", ".join(f"{100 * x:+.1f} %" for x in ratios)
                + f"; medians {100 * mid:+.1f} % time"
                + (" (target within 10 %)" if base == "scan" else "")
            )
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end")


if __name__ == "__main__":
    main()
