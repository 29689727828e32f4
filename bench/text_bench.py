"""Text-risk speed: per-message analysis throughput and latency per language, and load time.

Usage: ``python bench/text_bench.py [--data datasets/text] [--rounds 3] [--limit N]``

Reads the hand-written conversations of ``datasets/text`` (realistic chat lengths), groups their
messages by the record's language (en, vi, km, and the code-mixed km-en / vi-en), and times
``RiskEngine.analyze_message`` (normalisation, language id, every applicable recognizer, the
model) on one core: messages per second and p50/p95 latency per message. A warm-up pass comes
first (the engine caches hashed word features, as a long-running service would). It also times
whole conversations through ``analyze_conversation`` (adds entities, the conversation scorer and
the intervention), and the model load: ``TextModel.load`` and ``RiskEngine.load`` in a fresh
process. Each figure is the best of ``--rounds`` rounds, to reduce the noise of other load on a
shared machine; the load average is printed so that noisy runs can be recognised. Latencies and
rates are given twice: wall-clock, and CPU time of this process (``time.thread_time``), which is
what one core delivers when other processes compete for it.

Targets (issue 5 §9): >= 2,000 messages/s per core, p95 <= 5 ms, load <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.training import load_data

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine
from childguard.textrisk.model import TextModel, shipped_model_path
t1 = time.perf_counter()
TextModel.load(shipped_model_path())
t2 = time.perf_counter()
RiskEngine.load(Settings())
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(latencies: list[float], width: int = 10) -> str:
    rate = len(latencies) / max(sum(latencies), 1e-9)
    return (
        f"{rate:{width}.0f} {_percentile(latencies, 0.5) * 1e3:7.3f} "
        f"{_percentile(latencies, 0.95) * 1e3:7.3f}"
    )


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("datasets/text"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="messages per language (0: all)")
    args = parser.parse_args()

    # Hand-written only: generated chats (datasets/text/synthetic) would change the figures' basis.
    conversations = [c for c in load_data([args.data], shared_cap=0) if c.source != "synthetic"]
    by_lang: dict[str, list[str]] = defaultdict(list)
    for conv in conversations:
        by_lang[conv.lang].extend(m.text for m in conv.messages)
    if args.limit:
        by_lang = defaultdict(list, {k: v[: args.limit] for k, v in by_lang.items()})
    engine = RiskEngine.load(Settings())
    for texts in by_lang.values():
        for text in texts:
            engine.analyze_message(text)

    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(
        f"{'language':9} {'messages':>8} {'chars':>6} | {'wall msg/s':>10} {'p50 ms':>7} "
        f"{'p95 ms':>7} | {'cpu msg/s':>9} {'p50 ms':>7} {'p95 ms':>7}"
    )
    every_wall: list[float] = []
    every_cpu: list[float] = []
    for lang in sorted(by_lang):
        texts = by_lang[lang]
        best: tuple[float, list[float], list[float]] = (float("inf"), [], [])
        for _ in range(args.rounds):
            wall, cpu = [], []
            for text in texts:
                t0, c0 = time.perf_counter(), time.thread_time()
                engine.analyze_message(text)
                cpu.append(time.thread_time() - c0)
                wall.append(time.perf_counter() - t0)
            if sum(wall) < best[0]:
                best = (sum(wall), wall, cpu)
        _, wall, cpu = best
        every_wall.extend(wall)
        every_cpu.extend(cpu)
        chars = statistics.mean(len(t) for t in texts)
        print(f"{lang:9} {len(texts):8d} {chars:6.0f} | {_row(wall)} | {_row(cpu, 9)}")
    print(f"{'all':9} {len(every_wall):8d} {'':6} | {_row(every_wall)} | {_row(every_cpu, 9)}")

    inputs = [c.as_input() for c in conversations]
    n_messages = sum(len(c["messages"]) for c in inputs)
    fastest = float("inf")
    for _ in range(args.rounds):
        start = time.perf_counter()
        for item in inputs:
            analyze_conversation(item, engine)
        fastest = min(fastest, time.perf_counter() - start)
    print(
        f"whole conversations: {len(inputs)} conversations, {n_messages / fastest:.0f} messages/s "
        f"({fastest / len(inputs) * 1e3:.2f} ms per conversation) incl. entities and scoring"
    )

    loads = []
    for _ in range(args.rounds):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SNIPPET], capture_output=True, text=True, check=True
        )
        loads.append(tuple(float(x) for x in out.stdout.split()))
    imports, model, eng = min(loads, key=lambda x: x[1] + x[2])
    print(
        f"load (fresh process): imports {imports:.3f} s, TextModel.load {model:.3f} s, "
        f"RiskEngine.load {eng:.3f} s"
    )


if __name__ == "__main__":
    main()
