"""Disclosure control cost and utility: time to protect tables and how much of them is hidden.

Usage: ``python bench/stats_bench.py [--months M] [--scale S] [--seed N]``

Generates synthetic monthly counts for every statistics table (a platform of ``--scale`` cases
a month on average, with a long tail of small categories), then builds each protected table
(month, quarter, year, totals) and prints, per table: cells, figures hidden (primary and
complementary), and the time taken; then the time of the whole summary (every table, timings,
proactive share).
"""

from __future__ import annotations

import argparse
import random
import time

from childguard.stats.counts import DIMENSIONS, MonthlyCounts, add, bucket_names
from childguard.stats.tables import build_table, summary


def synthetic(months: int, scale: int, seed: int) -> MonthlyCounts:
    """Counts with a few large categories and many small ones."""
    rng = random.Random(seed)
    counts: MonthlyCounts = {}
    for i in range(months):
        month = f"{2024 + i // 12}-{i % 12 + 1:02d}"
        for dim, vocab in DIMENSIONS.items():
            cats = list(vocab) if vocab else [f"org{j}" for j in range(8)]
            for rank, cat in enumerate(cats):
                mean = scale / (2**rank)
                n = max(0, int(rng.gauss(mean, mean / 3)))
                if n:
                    add(counts, month, dim, cat, n)
        for timing in ("hours_to_decision", "hours_to_report"):
            for b in bucket_names():
                add(counts, month, timing, b, rng.randint(0, scale // 4))
    return counts


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--scale", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = synthetic(args.months, args.scale, args.seed)
    print(f"{args.months} months, about {args.scale} cases a month in the largest category")
    print(f"{'table':32} {'cells':>6} {'figures':>8} {'hidden':>7} {'seconds':>8}")
    for dim in DIMENSIONS:
        start = time.perf_counter()
        table = build_table(counts, dim)
        took = time.perf_counter() - start
        figures = sum(len(r.values) + 1 for r in table.rows)
        cells = sum(len(r.values) for r in table.rows if r.level == "month")
        print(f"{dim:32} {cells:>6} {figures:>8} {table.hidden:>7} {took:>8.2f}")
    start = time.perf_counter()
    summary(counts)
    print(f"whole summary: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
