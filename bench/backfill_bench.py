"""Backfill throughput on Dask: 1 and 2 local worker processes against ``childguard scan``.

Usage: ``python bench/backfill_bench.py [--count N] [--size PX] [--folder DIR]``

Generates ``--count`` (default 10,000) small benign noise images (``--size`` pixels square,
JPEG), a bank holding ten of them, then times on the same files, in a fresh data directory:

- ``childguard scan DIR --json`` (one process, the reference),
- ``childguard backfill DIR --workers 1 --no-intel`` (a ``LocalCluster`` of one worker),
- ``childguard backfill DIR --workers 2 --no-intel``,

and prints wall time (process start to exit) and files per second for each, the run's own
scanning time (without the cluster's start-up), the 2-worker speed-up (target >= 1.8x on two
cores) and one worker against ``scan`` (target: within 10 %). Every command's results are
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


def cli(args: list[str], env: dict[str, str], stdout: Path | None = None) -> float:
    """Run ``childguard ARGS``; returns its wall time in seconds."""
    start = time.perf_counter()
    with open(stdout or os.devnull, "w") as out:
        subprocess.run(
            [sys.executable, "-m", "childguard.cli.main", *args],
            env=env,
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "images"
        paths = make_images(folder, args.count, args.size)
        env = {**os.environ, "CHILDGUARD_DATA_DIR": str(Path(tmp) / "data")}
        env.pop("CHILDGUARD_DATABASE_URL", None)
        cli(["bank", "create", "BENCH"], env)
        cli(["bank", "add", "BENCH", *map(str, paths[:10])], env)
        n = len(paths)
        print(f"{n} images of {args.size}x{args.size} px, {os.cpu_count()} cores")
        scan_out = Path(tmp) / "scan.jsonl"
        t_scan = cli(["scan", str(folder), "--json"], env, scan_out)
        scanned = sum(1 for line in scan_out.read_text().splitlines() if '"path"' in line)
        assert scanned == n, (scanned, n)
        print(f"childguard scan             {t_scan:7.1f} s  {n / t_scan:7.1f} files/s")
        walls: dict[int, float] = {}
        for workers in (1, 2):
            out = Path(tmp) / f"backfill-{workers}.jsonl"
            summary_file = Path(tmp) / f"summary-{workers}.json"
            walls[workers] = cli(
                ["backfill", str(folder), "--workers", str(workers), "--no-intel",
                 "--out", str(out), "--json"],
                env,
                summary_file,
            )  # fmt: skip
            lines = out.read_text().splitlines()
            indices = sorted(json.loads(line)["index"] for line in lines)
            assert indices == list(range(n)), "each file once"
            summary = json.loads(summary_file.read_text().splitlines()[-1])["summary"]
            print(
                f"backfill --workers {workers}      {walls[workers]:7.1f} s  "
                f"{n / walls[workers]:7.1f} files/s  (scanning {summary['seconds']:.1f} s, "
                f"{summary['files_per_second']} files/s without cluster start-up)"
            )
        speedup = walls[1] / walls[2]
        one_vs_scan = walls[1] / t_scan - 1
        print(f"2 workers vs 1: {speedup:.2f}x (target >= 1.8x)")
        print(f"1 worker vs scan: {100 * one_vs_scan:+.1f} % time (target within 10 %)")


if __name__ == "__main__":
    main()
