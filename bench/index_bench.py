"""Benchmark childguard's PDQ multi-index against python-threatexchange's PDQIndex (HMA's index).

    .venv/bin/python bench/index_bench.py --sizes 1000000,10000000

For each bank size it builds a bank of random PDQ hashes, plants queries at distances 0-40 from
stored hashes, and measures each index in its own subprocesses (one to build and save, a fresh one
to load and query, so resident memory is the serving process's own):

- ``childguard``: ``PdqMihIndex`` (build from strings, save to a folder, memory-mapped load);
- ``pdqindex``: ``threatexchange.signal_type.pdq.pdq_index.PDQIndex`` (saved with pickle, as HMA
  does; batch queries through its faiss wrapper's ``search_with_distance_in_result``);
- ``faiss``: a bare ``faiss.IndexBinaryMultiHash`` (16 x 16 bits, one flip), in memory only;
- ``brute``: a numpy XOR/popcount scan, the recall reference.

Columns: build s, save s, load s, RSS MB (resident-set growth of the serving process after load
and all queries; file-backed pages of a memory map count), single-query p50/p99 ms, batch
queries/s, recall of planted neighbours at d <= 31, results beyond 31 (true distance recomputed),
and seconds until 100k added entries are visible to a query. ``OMP_NUM_THREADS`` is 1 in every
worker for fairness, unless set by the caller.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

SEED = 20261128
THRESHOLD = 31
N_QUERIES = 2000
N_SINGLE = 500
N_CHECK = 40
N_ADD = 100_000
IMPLS = ("childguard", "pdqindex", "faiss", "brute")

U64 = NDArray[np.uint64]


# -- data ------------------------------------------------------------------------------------


def bank_rows(n: int) -> U64:
    """The bank: ``n`` random 256-bit hashes, the same in every process."""
    return np.random.default_rng(SEED + n).integers(
        0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True
    )


def planted_queries(bank: U64) -> tuple[U64, NDArray[np.int64], NDArray[np.int64]]:
    """Queries made by flipping 0..40 bits of random stored rows: (queries, source row, d)."""
    rng = np.random.default_rng(SEED)
    src = rng.integers(0, len(bank), N_QUERIES)
    dist = np.arange(N_QUERIES) % 41
    queries = bank[src].copy()
    bits = queries.view(np.uint8).reshape(N_QUERIES, 32)
    for i, d in enumerate(dist):
        for b in rng.choice(256, size=int(d), replace=False):
            bits[i, b // 8] ^= np.uint8(1 << (b % 8))
    return queries, src.astype(np.int64), dist.astype(np.int64)


def to_hex(rows: U64) -> list[str]:
    raw = np.ascontiguousarray(rows).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def true_distance(bank: U64, rows: NDArray[np.int64], queries: U64) -> NDArray[np.int64]:
    distances: NDArray[np.int64] = (
        np.bitwise_count(bank[rows] ^ queries).sum(axis=1).astype(np.int64)
    )
    return distances


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- adapters: each returns per query a list of (entry id, distance) -------------------------


class Adapter:
    """One index under test; entry id = bank row."""

    name = ""
    single_radius = THRESHOLD

    def build(self, values: list[str]) -> None:
        raise NotImplementedError

    def save(self, folder: Path) -> None:
        raise NotImplementedError

    def load(self, folder: Path) -> None:
        raise NotImplementedError

    def single(self, value: str) -> list[tuple[int, int]]:
        raise NotImplementedError

    def batch(self, values: list[str]) -> list[list[tuple[int, int]]]:
        raise NotImplementedError

    def add_visible(self, values: list[str], start_id: int) -> float | None:
        return None


class Childguard(Adapter):
    name = "childguard"

    def build(self, values: list[str]) -> None:
        from childguard.media.index.pdq_mih import PdqMihIndex

        self.index = PdqMihIndex.build(zip(values, range(len(values)), strict=True))

    def save(self, folder: Path) -> None:
        self.index.save(folder / "pdq")

    def load(self, folder: Path) -> None:
        from childguard.media.index.pdq_mih import PdqMihIndex

        verify = os.environ.get("BENCH_VERIFY", "1") == "1"
        self.index = PdqMihIndex.load(folder / "pdq", verify=verify)

    def single(self, value: str) -> list[tuple[int, int]]:
        return [(m.entry_id, m.distance) for m in self.index.query(value, THRESHOLD)]

    def batch(self, values: list[str]) -> list[list[tuple[int, int]]]:
        res = self.index.query_many(values, THRESHOLD)
        return [[(m.entry_id, m.distance) for m in r] for r in res]

    def add_visible(self, values: list[str], start_id: int) -> float | None:
        t = time.perf_counter()
        for i, v in enumerate(values):
            self.index.add(v, start_id + i)
        ok = [m.entry_id for m in self.index.query(values[-1], 0)] == [start_id + len(values) - 1]
        ok = ok and [m.entry_id for m in self.index.query(values[0], 0)] == [start_id]
        return time.perf_counter() - t if ok else None


class PdqIndexAdapter(Adapter):
    name = "pdqindex"

    def build(self, values: list[str]) -> None:
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex

        self.index = PDQIndex(zip(values, range(len(values)), strict=True))

    def save(self, folder: Path) -> None:
        with open(folder / "pdqindex.pickle", "wb") as fh:
            # HMA pickles its index. Fast mode (no memo) keeps this worker's peak memory
            # ~2 GB lower at 10M entries and writes the same objects.
            pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.fast = True
            pickler.dump(self.index)

    def load(self, folder: Path) -> None:
        with open(folder / "pdqindex.pickle", "rb") as fh:
            self.index = pickle.load(fh)

    def single(self, value: str) -> list[tuple[int, int]]:
        return [(int(m.metadata), int(m.similarity_info.distance)) for m in self.index.query(value)]

    def batch(self, values: list[str]) -> list[list[tuple[int, int]]]:
        found = self.index.index.search_with_distance_in_result(values, THRESHOLD)
        entries = self.index.local_id_to_entry
        return [[(int(entries[i][1]), int(d)) for i, _, d in found[v]] for v in values]

    def add_visible(self, values: list[str], start_id: int) -> float | None:
        t = time.perf_counter()
        self.index.add_all(zip(values, range(start_id, start_id + len(values)), strict=True))
        ok = start_id + len(values) - 1 in [int(m.metadata) for m in self.index.query(values[-1])]
        return time.perf_counter() - t if ok else None


class FaissAdapter(Adapter):
    name = "faiss"

    def build(self, values: list[str]) -> None:
        import faiss

        self.index = faiss.IndexBinaryMultiHash(256, 16, 16)
        self.index.nflip = THRESHOLD // 16
        self.index.add(_u8(values))

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index_binary(self.index, str(folder / "faiss.index"))

    def load(self, folder: Path) -> None:
        import faiss

        self.index = faiss.read_index_binary(str(folder / "faiss.index"))  # type: ignore[assignment]
        self.index.nflip = THRESHOLD // 16

    def single(self, value: str) -> list[tuple[int, int]]:
        return self.batch([value])[0]

    def batch(self, values: list[str]) -> list[list[tuple[int, int]]]:
        lims, dist, ids = self.index.range_search(_u8(values), THRESHOLD + 1)
        return [
            list(
                zip(
                    ids[lims[i] : lims[i + 1]].tolist(),
                    dist[lims[i] : lims[i + 1]].tolist(),
                    strict=True,
                )
            )
            for i in range(len(values))
        ]


class BruteAdapter(Adapter):
    name = "brute"

    def build(self, values: list[str]) -> None:
        from childguard.media.index.pdq_codec import pack_hex

        self.rows = pack_hex(values)

    def save(self, folder: Path) -> None:
        np.save(folder / "brute.npy", self.rows)

    def load(self, folder: Path) -> None:
        self.rows = np.load(folder / "brute.npy")

    def single(self, value: str) -> list[tuple[int, int]]:
        from childguard.media.index.pdq_codec import pack_hex, row_distances

        q = pack_hex([value])[0]
        out: list[tuple[int, int]] = []
        step = 1 << 20
        for s in range(0, len(self.rows), step):
            d = row_distances(self.rows[s : s + step] ^ q)
            hit = np.flatnonzero(d <= THRESHOLD)
            out.extend(zip((hit + s).tolist(), d[hit].tolist(), strict=True))
        return out

    def batch(self, values: list[str]) -> list[list[tuple[int, int]]]:
        return [self.single(v) for v in values]


def _u8(values: list[str]) -> NDArray[np.uint8]:
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32)


ADAPTERS: dict[str, type[Adapter]] = {
    "childguard": Childguard,
    "pdqindex": PdqIndexAdapter,
    "faiss": FaissAdapter,
    "brute": BruteAdapter,
}


# -- worker phases ---------------------------------------------------------------------------


def phase_build(impl: str, n: int, folder: Path) -> dict[str, Any]:
    values = to_hex(bank_rows(n))
    gc.collect()
    base = rss_mb()
    adapter = ADAPTERS[impl]()
    t = time.perf_counter()
    adapter.build(values)
    build_s = time.perf_counter() - t
    del values
    gc.collect()
    built_mb = rss_mb() - base
    t = time.perf_counter()
    adapter.save(folder)
    save_s = time.perf_counter() - t
    return {"build_s": build_s, "save_s": save_s, "build_rss_mb": built_mb, "peak_mb": peak_mb()}


def phase_serve(impl: str, n: int, folder: Path, batch_queries: int) -> dict[str, Any]:
    bank = bank_rows(n)
    queries, src, dist = planted_queries(bank)
    values = to_hex(queries)
    add_values = to_hex(
        np.random.default_rng(SEED + 1).integers(
            0, 2**64 - 1, size=(N_ADD, 4), dtype=np.uint64, endpoint=True
        )
    )
    gc.collect()
    base = rss_mb()
    adapter = ADAPTERS[impl]()
    t = time.perf_counter()
    adapter.load(folder)
    load_s = time.perf_counter() - t
    after_load = rss_mb() - base
    # Single queries (warm-up excluded).
    for v in values[:20]:
        adapter.single(v)
    n_single = N_SINGLE if impl != "brute" else 20
    lat = []
    cpu = []
    single_res: dict[int, list[tuple[int, int]]] = {}
    for i in range(n_single):
        c = time.thread_time()
        t = time.perf_counter()
        single_res[i] = adapter.single(values[i])
        lat.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    p50, p99 = np.percentile(np.array(lat) * 1000, [50, 99])
    cpu50, cpu99 = np.percentile(np.array(cpu) * 1000, [50, 99])
    # Batch.
    nb = batch_queries if impl != "brute" else 20
    t = time.perf_counter()
    c = time.process_time()
    batch_res = adapter.batch(values[:nb])
    batch_qps = nb / (time.perf_counter() - t)
    batch_cpu_qps = nb / max(time.process_time() - c, 1e-9)
    after_queries = rss_mb() - base
    # Recall of planted neighbours and results beyond the threshold (true distance).
    want = dist[:nb] <= THRESHOLD
    found = np.array([int(src[i]) in {e for e, _ in batch_res[i]} for i in range(nb)])
    recall = float(found[want].mean())
    pairs = [(i, e) for i in range(nb) for e, _ in batch_res[i]]
    beyond = 0
    wrong_reported = 0
    if pairs:
        qi = np.array([p[0] for p in pairs])
        rows = np.array([p[1] for p in pairs])
        true = true_distance(bank, rows, queries[qi])
        beyond = int((true > THRESHOLD).sum())
        reported = np.array([d for i in range(nb) for _, d in batch_res[i]])
        wrong_reported = int((reported != true).sum())
    single_agree = all(
        sorted(single_res[i]) == sorted(batch_res[i]) for i in range(min(n_single, nb))
    )
    check = {i: sorted(batch_res[i]) for i in range(min(N_CHECK, nb))}
    del bank
    gc.collect()
    add_s = adapter.add_visible(add_values, 10**12)
    extra: dict[str, float] = {}
    if isinstance(adapter, Childguard):
        from childguard.media.index.pdq_mih import PdqMihIndex

        t = time.perf_counter()
        PdqMihIndex.load(folder / "pdq", verify=False, populate=False)
        extra["load_no_verify_s"] = time.perf_counter() - t
        t = time.perf_counter()
        adapter.index.compact()
        extra["compact_s"] = time.perf_counter() - t
    return {
        **extra,
        "load_s": load_s,
        "rss_load_mb": after_load,
        "rss_mb": after_queries,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "cpu_p50_ms": float(cpu50),
        "cpu_p99_ms": float(cpu99),
        "batch_cpu_qps": batch_cpu_qps,
        "loadavg": os.getloadavg()[0],
        "batch_qps": batch_qps,
        "recall": recall,
        "beyond": beyond,
        "wrong_distance": wrong_reported,
        "single_agrees_with_batch": single_agree,
        "add100k_s": add_s,
        "check": {str(k): v for k, v in check.items()},
    }


def worker(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    if args.phase == "build":
        out = phase_build(args.impl, args.size, folder)
    else:
        out = phase_serve(args.impl, args.size, folder, args.batch)
    print("RESULT " + json.dumps(out), flush=True)


# -- driver ----------------------------------------------------------------------------------


def run_phase(impl: str, phase: str, size: int, folder: Path, batch: int) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--impl",
        impl,
        "--phase",
        phase,
        "--size",
        str(size),
        "--folder",
        str(folder),
        "--batch",
        str(batch),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
    return {"error": f"{impl} {phase} failed (rc {proc.returncode})"}


def fmt(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="comma-separated bank sizes")
    parser.add_argument("--impls", default=",".join(IMPLS), help="comma-separated indexes")
    parser.add_argument("--batch", type=int, default=N_QUERIES, help="queries in the batch run")
    parser.add_argument("--workdir", default=None, help="where indexes are saved (temp dir)")
    parser.add_argument("--json", default=None, help="also write all results to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--impl", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    impls = [s for s in args.impls.split(",") if s]
    results: dict[str, dict[str, Any]] = {}
    root = Path(args.workdir or tempfile.mkdtemp(prefix="index-bench-"))
    header = (
        f"{'size':>9} {'index':<11} {'build s':>8} {'save s':>7} {'load s':>7} "
        f"{'RSS MB':>7} {'p50 ms':>7} {'p99 ms':>7} {'batch q/s':>9} {'recall':>7} "
        f"{'>31':>4} {'add100k s':>9}"
    )
    print(header, flush=True)
    for size in sizes:
        for impl in impls:
            folder = root / f"{impl}-{size}"
            folder.mkdir(parents=True, exist_ok=True)
            r = run_phase(impl, "build", size, folder, args.batch)
            if "error" not in r:
                r.update(run_phase(impl, "serve", size, folder, args.batch))
            shutil.rmtree(folder, ignore_errors=True)
            results[f"{size}/{impl}"] = r
            if "error" in r:
                print(f"{size:>9} {impl:<11} {r['error']}", flush=True)
                continue
            print(
                f"{size:>9} {impl:<11} {fmt(r.get('build_s'), '8.1f')} "
                f"{fmt(r.get('save_s'), '7.2f')} "
                f"{fmt(r.get('load_s'), '7.2f')} {fmt(r.get('rss_mb'), '7.0f')} "
                f"{fmt(r.get('p50_ms'), '7.2f')} {fmt(r.get('p99_ms'), '7.2f')} "
                f"{fmt(r.get('batch_qps'), '9.0f')} {fmt(r.get('recall'), '7.1%')} "
                f"{fmt(r.get('beyond'), '4d')} {fmt(r.get('add100k_s'), '9.2f')}",
                flush=True,
            )
        _compare(size, impls, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


def _compare(size: int, impls: list[str], results: dict[str, dict[str, Any]]) -> None:
    ours = results.get(f"{size}/childguard", {})
    ref = results.get(f"{size}/brute", {})
    for impl in impls:
        r = results.get(f"{size}/{impl}", {})
        if impl != "brute" and "check" in r and "check" in ref:
            agree = all(r["check"].get(k) == v for k, v in ref["check"].items())
            print(
                f"  {impl}: first {len(ref['check'])} batch results equal brute force: "
                f"{'yes' if agree else 'NO'}; wrong distances {r.get('wrong_distance')}; "
                f"single == batch: {fmt(r.get('single_agrees_with_batch'), '')}"
            )
    them = results.get(f"{size}/pdqindex", {})
    if "batch_qps" in ours and "batch_qps" in them:
        print(
            f"  childguard vs PDQIndex at {size}: "
            f"batch x{ours['batch_qps'] / them['batch_qps']:.1f}, "
            f"p99 x{them['p99_ms'] / ours['p99_ms']:.1f} faster, "
            f"RSS {ours['rss_mb'] / max(them['rss_mb'], 1):.2f} of theirs, "
            f"load x{them['load_s'] / max(ours['load_s'], 1e-9):.1f} faster, "
            f"build x{them['build_s'] / ours['build_s']:.1f} faster"
        )
    for key in (
        "build_rss_mb",
        "peak_mb",
        "rss_load_mb",
        "cpu_p50_ms",
        "cpu_p99_ms",
        "batch_cpu_qps",
        "loadavg",
        "load_no_verify_s",
        "compact_s",
    ):
        row = ", ".join(
            f"{i} {results[f'{size}/{i}'].get(key, float('nan')):.2f}"
            for i in impls
            if key in results.get(f"{size}/{i}", {})
        )
        print(f"  {key}: {row}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
