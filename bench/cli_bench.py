"""Start-up time of the ``childguard`` command against a bare ``python -c pass``.

    .venv/bin/python bench/cli_bench.py --runs 15

Each command runs ``--runs`` times, interleaved with the others so that a shared machine's drift
touches all of them alike; the median wall time and CPU time (user + system, which a busy machine
inflates less) of each are printed with their excess over the bare interpreter's. The verdict
compares wall time. Targets (issue 13): ``--version`` and ``--help`` within 0.15 s of
``python -c pass``, ``hash one.jpg`` within 0.3 s. The load average is printed: figures taken on
a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PHOTO = REPO / "tests" / "data" / "pdq" / "images" / "wee.jpg"
TARGETS = {"--version": 0.15, "--help": 0.15, "hash one.jpg": 0.3}


def main(argv: list[str] | None = None) -> int:
    """Time each command and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "childguard.cli.main"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [*cli, "--version"],
        "--help": [*cli, "--help"],
        "hash one.jpg": [*cli, "hash", str(PHOTO)],
    }
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as tmp:
        env["CHILDGUARD_DATA_DIR"] = tmp
        for _ in range(args.runs):
            for name, argv_ in commands.items():
                start = time.perf_counter()
                proc = subprocess.Popen(argv_, env=env, stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(proc.pid, 0)
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                if status != 0:
                    raise SystemExit(f"{name} failed")
    base_wall = statistics.median(wall["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    print("median seconds; 'over' = more than python -c pass; CPU = user + system time")
    print(f"{'command':16} {'wall':>7} {'over':>7} {'CPU':>7} {'over':>7} {'target':>7}")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if w - base_wall <= target else "MISSED")
        shown = f"{target:.2f}" if target is not None else ""
        print(
            f"{name:16} {w:7.3f} {w - base_wall:7.3f} {c:7.3f} {c - base_cpu:7.3f} "
            f"{shown:>7} {verdict}"
        )
    print(
        f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {args.runs} runs each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
