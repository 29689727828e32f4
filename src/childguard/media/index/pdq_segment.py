"""An immutable segment of PDQ hashes searched by multi-index hashing (MIH).

Layout. Each 256-bit hash is four uint64 words; every word is cut into three substrings of
21, 21 and 22 bits, giving 12 substrings ("chunks"). Pigeonhole: if two hashes differ in at most
``r`` bits and the chunks get flip budgets ``t_k`` with ``sum(t_k + 1) >= r + 1``, then some chunk
``k`` differs in at most ``t_k`` bits. At the PDQ threshold 31, 8 chunks get budget 2 and 4 get
budget 1 (8*3 + 4*2 = 32), so probing every key within those budgets finds every neighbour.

Each chunk has a table addressed by the chunk's top ``address_bits`` bits (at most 21, fewer for
small segments so the tables stay proportional to the data): ``offsets[k]`` (CSR row starts) and
``postings[k-1]`` (row numbers grouped by address). Rows are stored sorted by chunk 0's address, so
chunk 0 needs no postings. A probe whose prefix matches yields candidates; each candidate is then
verified exactly with popcount over the four words, so results are exact whatever the prefix
length. When the probe budget for a radius would cost more than a scan, the segment scans.

12 chunks of ~21 bits were measured faster at 10M than 16 chunks of 16 bits (one flip each) or
32 chunks of 8 bits (exact): ~9k candidates per query instead of ~42k or ~1.2M, for about the
same table memory (see ``bench/index_bench.py``).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from childguard.errors import StorageError
from childguard.media.index.pdq_codec import WORDS, U64Rows, row_distances
from childguard.media.native import _mih

#: (word, low bit, width) of each chunk.
CHUNKS: tuple[tuple[int, int, int], ...] = tuple(
    (w, lo, width) for w in range(WORDS) for lo, width in ((0, 21), (21, 21), (42, 22))
)
N_CHUNKS = len(CHUNKS)
MAX_ADDRESS_BITS = 21
MIN_ADDRESS_BITS = 8
#: Segments smaller than this are scanned; tables would not pay for themselves.
MIN_TABLE_ROWS = 2048
#: Queries per vectorised block, bounding temporary memory (~50 MB at 10M rows).
QUERY_BLOCK = 64
#: Rows per block when scanning.
SCAN_BLOCK = 1 << 18
#: Threads building tables (each holds ~16 bytes per row of temporaries).
BUILD_THREADS = 2

I64 = NDArray[np.int64]
U32 = NDArray[np.uint32]
#: Table dtypes the C probe reads (entry widths 4 and 8 bytes).
_NATIVE_TABLE_DTYPES = (np.dtype(np.uint32), np.dtype(np.int64))


def address_bits_for(rows: int) -> int:
    """Table address width for a segment of ``rows`` rows (about one row per bucket)."""
    return max(MIN_ADDRESS_BITS, min(MAX_ADDRESS_BITS, math.ceil(math.log2(max(rows, 2)))))


def chunk_addresses(hashes: U64Rows, address_bits: int) -> NDArray[np.uint64]:
    """``(n, 12)`` table addresses: the top ``address_bits`` bits of each chunk of each row."""
    words, shifts = _address_layout(address_bits)
    out = np.take(hashes, words, axis=1)
    out >>= shifts
    out &= np.uint64((1 << address_bits) - 1)
    return out


@lru_cache(maxsize=32)
def _address_layout(address_bits: int) -> tuple[NDArray[np.intp], NDArray[np.uint64]]:
    words = np.array([w for w, _, _ in CHUNKS], dtype=np.intp)
    shifts = np.array([lo + width - address_bits for _, lo, width in CHUNKS], dtype=np.uint64)
    return words, shifts


@lru_cache(maxsize=64)
def _flip_masks(bits: int, budget: int) -> NDArray[np.uint64]:
    """Every ``bits``-bit mask with at most ``budget`` bits set, fewest bits first."""
    masks = [0]
    for t in range(1, budget + 1):
        masks.extend(_masks_with(bits, t))
    return np.array(masks, dtype=np.uint64)


def _masks_with(bits: int, count: int) -> list[int]:
    from itertools import combinations

    return [sum(1 << b for b in combo) for combo in combinations(range(bits), count)]


@dataclass(frozen=True)
class ProbePlan:
    """Which keys to probe for one radius: per probe its chunk and XOR mask."""

    chunk: NDArray[np.int64]
    mask: NDArray[np.uint64]
    #: Offset of each probe's chunk table in the flattened offsets array.
    table_base: NDArray[np.uint64]
    #: Probes on chunk 0 (they come first).
    chunk0_probes: int

    @property
    def size(self) -> int:
        """Number of probes per query."""
        return len(self.chunk)


@lru_cache(maxsize=512)
def probe_plan(radius: int, address_bits: int, max_probes: int) -> ProbePlan | None:
    """Cheapest flip budgets covering ``radius`` by the pigeonhole rule, or None if too costly.

    Budgets are raised greedily on the chunk whose next budget adds the fewest probes until
    ``sum(t_k + 1) >= radius + 1``; a chunk may never exceed its address width (that would
    probe its whole table).
    """
    budgets = [-1] * N_CHUNKS
    cost = 0
    for _ in range(radius + 1):
        best, best_cost = -1, 0
        for k in range(N_CHUNKS):
            nxt = budgets[k] + 1
            if nxt >= address_bits:
                continue
            extra = math.comb(address_bits, nxt)
            if best < 0 or extra < best_cost:
                best, best_cost = k, extra
        if best < 0:
            return None
        budgets[best] += 1
        cost += best_cost
        if cost > max_probes:
            return None
    chunks: list[NDArray[np.int64]] = []
    masks: list[NDArray[np.uint64]] = []
    for k, t in enumerate(budgets):
        if t < 0:
            continue
        m = _flip_masks(address_bits, t)
        chunks.append(np.full(len(m), k, dtype=np.int64))
        masks.append(m)
    chunk = np.concatenate(chunks)
    stride = (1 << address_bits) + 1
    return ProbePlan(
        chunk, np.concatenate(masks), (chunk * stride).astype(np.uint64), int((chunk == 0).sum())
    )


@dataclass(frozen=True)
class Hits:
    """Matches of a query batch: query number, segment row and distance, one per (query, row)."""

    query: I64
    row: I64
    distance: NDArray[np.int32]

    @staticmethod
    def empty() -> Hits:
        """No hits."""
        z = np.zeros(0, dtype=np.int64)
        return Hits(z, z, np.zeros(0, dtype=np.int32))

    @staticmethod
    def concat(parts: list[Hits]) -> Hits:
        """Hits of several blocks, in order."""
        if not parts:
            return Hits.empty()
        if len(parts) == 1:
            return parts[0]
        return Hits(
            np.concatenate([p.query for p in parts]),
            np.concatenate([p.row for p in parts]),
            np.concatenate([p.distance for p in parts]),
        )


@dataclass(frozen=True)
class MihArrays:
    """The arrays of one segment, in memory or memory-mapped from disk.

    ``hashes`` (n, 4) uint64 rows sorted by chunk 0's address; ``ids`` (n,) int64 entry ids;
    ``offsets`` (12, 2**address_bits + 1) uint32 and ``postings`` (11, n) uint32 (absent when
    the segment is scanned); ``id_sorted`` (n,) int64 and ``id_rows`` (n,) uint32: the ids in
    ascending order and the row of each, to find an entry's rows without a scan.
    """

    hashes: U64Rows
    ids: I64
    offsets: U32 | None
    postings: U32 | None
    id_sorted: I64
    id_rows: U32
    address_bits: int


class MihSegment:
    """An immutable set of (hash, entry id) rows answering exact radius queries."""

    def __init__(self, arrays: MihArrays) -> None:
        self.arrays = arrays
        self._n = len(arrays.ids)
        self._offsets_flat = None if arrays.offsets is None else arrays.offsets.reshape(-1)
        self._postings_flat = None if arrays.postings is None else arrays.postings.reshape(-1)

    def __len__(self) -> int:
        return self._n

    @classmethod
    def build(cls, hashes: U64Rows, ids: I64) -> MihSegment:
        """Build a segment from packed rows and their entry ids (copies, never mutates them)."""
        n = len(ids)
        if n >= 1 << 32:
            raise ValueError("a segment holds fewer than 2**32 rows")
        bits = address_bits_for(n)
        if n < MIN_TABLE_ROWS:
            hashes = np.ascontiguousarray(hashes, dtype=np.uint64).copy()
            ids = np.asarray(ids, dtype=np.int64).copy()
            return cls(_with_id_order(hashes, ids, None, None, bits))
        w0, lo0, width0 = CHUNKS[0]
        addr0 = (hashes[:, w0] >> np.uint64(lo0 + width0 - bits)) & np.uint64((1 << bits) - 1)
        order = _sort_rows_by(addr0)
        hashes = np.ascontiguousarray(hashes[order], dtype=np.uint64)
        ids_in = np.asarray(ids, dtype=np.int64)
        ids = ids_in[order]
        id_order = None
        if bool(np.all(ids_in[1:] >= ids_in[:-1])):
            # Input already in id order: the id order is the inverse of the row permutation.
            id_order = np.empty(n, dtype=np.uint32)
            id_order[order] = np.arange(n, dtype=np.uint32)
        del addr0, order, ids_in
        size = 1 << bits
        offsets = np.zeros((N_CHUNKS, size + 1), dtype=np.uint32)
        postings = np.empty((N_CHUNKS - 1, n), dtype=np.uint32)
        mask = np.uint64(size - 1)

        def table(k: int) -> None:
            w, lo, width = CHUNKS[k]
            addr = (hashes[:, w] >> np.uint64(lo + width - bits)) & mask
            np.cumsum(np.bincount(addr.astype(np.intp), minlength=size), out=offsets[k, 1:])
            if k:
                postings[k - 1] = _sort_rows_by(addr)

        # NumPy's sort releases the GIL: two tables at a time use both cores of a small machine.
        with ThreadPoolExecutor(max_workers=BUILD_THREADS) as pool:
            list(pool.map(table, range(N_CHUNKS)))
        return cls(_with_id_order(hashes, ids, offsets, postings, bits, id_order))

    def query(self, queries: U64Rows, radius: int) -> Hits:
        """Every (query, row) pair within ``radius`` bits, each once."""
        if self._n == 0 or len(queries) == 0 or radius < 0:
            return Hits.empty()
        plan = self.probe_plan_for(radius)
        parts = []
        for start in range(0, len(queries), QUERY_BLOCK):
            block = queries[start : start + QUERY_BLOCK]
            hits = self._probe(block, radius, plan) if plan else self._scan(block, radius)
            if start:
                hits = Hits(hits.query + start, hits.row, hits.distance)
            parts.append(hits)
        return Hits.concat(parts)

    def probe_plan_for(self, radius: int) -> ProbePlan | None:
        """The probes for ``radius``, or None when scanning is cheaper."""
        if self._offsets_flat is None:
            return None
        # A probe costs about as much as a verified candidate; a scanned row ~1/8 of one.
        occupancy = self._n / (1 << self.arrays.address_bits)
        budget = int(self._n / 8 / (1.0 + occupancy))
        return probe_plan(radius, self.arrays.address_bits, budget)

    def _probe(self, queries: U64Rows, radius: int, plan: ProbePlan) -> Hits:
        offsets, postings = self._offsets_flat, self._postings_flat
        assert offsets is not None and postings is not None
        if offsets.dtype != postings.dtype or offsets.dtype not in _NATIVE_TABLE_DTYPES:
            return self._probe_numpy(queries, radius, plan)
        try:
            q, r, d = _mih.probe(
                np.ascontiguousarray(self.arrays.hashes),
                offsets,
                postings,
                np.ascontiguousarray(queries, dtype=np.uint64),
                plan.chunk,
                plan.mask,
                plan.table_base,
                offsets.dtype.itemsize,
                self.arrays.address_bits,
                radius,
            )
        except ValueError as exc:  # the probe bounds-checks every table position it reads
            raise StorageError(
                f"the PDQ index is damaged ({exc}); delete the index folder under the data "
                "directory and restart: it is rebuilt from the database"
            ) from exc
        return Hits(
            np.frombuffer(q, dtype=np.int64),
            np.frombuffer(r, dtype=np.int64),
            np.frombuffer(d, dtype=np.int32),
        )

    def _probe_numpy(self, queries: U64Rows, radius: int, plan: ProbePlan) -> Hits:
        """``_probe`` in numpy: the reference the C probe is tested against."""
        assert self._offsets_flat is not None and self._postings_flat is not None
        nq = len(queries)
        q_addr = chunk_addresses(queries, self.arrays.address_bits)  # (Q, 12)
        # Probes chunk-major, (P, Q): chunk 0's probes, whose positions are rows, come first.
        keys = q_addr.T[plan.chunk]
        keys ^= plan.mask[:, None]
        keys += plan.table_base[:, None]
        flat = keys.reshape(-1).view(np.int64)
        starts = np.take(self._offsets_flat, flat).astype(np.int64)
        lens = np.take(self._offsets_flat[1:], flat).astype(np.int64)
        lens -= starts
        n0 = plan.chunk0_probes * nq
        starts.reshape(plan.size, nq)[plan.chunk0_probes :] += (
            plan.chunk[plan.chunk0_probes :, None] - 1
        ) * self._n
        ends = np.cumsum(lens)
        total = int(ends[-1]) if len(ends) else 0
        if total == 0:
            return Hits.empty()
        c0 = int(ends[n0 - 1]) if n0 else 0
        rows = np.arange(total, dtype=np.int64)
        rows += np.repeat(starts - (ends - lens), lens)
        rows[c0:] = np.take(self._postings_flat, rows[c0:])
        if nq == 1:
            qidx = np.zeros(total, dtype=np.int64)
        else:
            qidx = np.repeat(np.arange(len(flat), dtype=np.int64) % nq, lens)
        return _verify(self.arrays.hashes, queries, rows, qidx, radius, self._n)

    def _scan(self, queries: U64Rows, radius: int) -> Hits:
        return scan_rows(self.arrays.hashes, queries, radius)

    def _scan_numpy(self, queries: U64Rows, radius: int) -> Hits:
        """``_scan`` in numpy: the reference the C scan is tested against."""
        parts: list[Hits] = []
        hashes = self.arrays.hashes
        for start in range(0, self._n, SCAN_BLOCK):
            block = hashes[start : start + SCAN_BLOCK]
            for qi in range(len(queries)):
                dist = row_distances(block ^ queries[qi])
                found = np.flatnonzero(dist <= radius)
                if len(found):
                    parts.append(
                        Hits(
                            np.full(len(found), qi, dtype=np.int64),
                            found.astype(np.int64) + start,
                            dist[found],
                        )
                    )
        return Hits.concat(parts)

    def find(self, entry_id: int) -> int:
        """The first row holding ``entry_id``, or -1."""
        a = self.arrays
        pos = int(a.id_sorted.searchsorted(entry_id))
        if pos < self._n and int(a.id_sorted[pos]) == entry_id:
            return int(a.id_rows[pos])
        return -1

    def rows_of(self, entry_ids: I64) -> I64:
        """Rows holding any of ``entry_ids``."""
        a = self.arrays
        lo = np.searchsorted(a.id_sorted, entry_ids, side="left")
        hi = np.searchsorted(a.id_sorted, entry_ids, side="right")
        pos, _ = _expand(
            lo.astype(np.int64), (hi - lo).astype(np.int64), np.zeros(len(lo), np.int64)
        )
        return np.asarray(a.id_rows[pos], dtype=np.int64)


def scan_rows(
    hashes: U64Rows, queries: U64Rows, radius: int, dead: NDArray[np.bool_] | None = None
) -> Hits:
    """Brute force: every (query, row) pair within ``radius``, ordered by (query, row).

    Rows where ``dead`` is true are skipped. One native call for all queries.
    """
    if len(hashes) == 0 or len(queries) == 0:
        return Hits.empty()
    try:
        q, r, d = _mih.scan(
            np.ascontiguousarray(hashes, dtype=np.uint64),
            np.ascontiguousarray(queries, dtype=np.uint64),
            b"" if dead is None else np.ascontiguousarray(dead, dtype=np.bool_),
            min(radius, 8 * 8 * WORDS),  # no distance exceeds 256; keeps the radius a C int
        )
    except ValueError as exc:
        raise StorageError(f"PDQ rows and their tombstones disagree ({exc}); restart") from exc
    return Hits(
        np.frombuffer(q, dtype=np.int64),
        np.frombuffer(r, dtype=np.int64),
        np.frombuffer(d, dtype=np.int32),
    )


def _sort_rows_by(addr: NDArray[np.uint64]) -> U32:
    """Row numbers ordered by ``addr`` (ties by row), via one sort of ``addr << 32 | row``."""
    key = (addr << np.uint64(32)) | np.arange(len(addr), dtype=np.uint64)
    key.sort()
    return (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _with_id_order(
    hashes: U64Rows,
    ids: I64,
    offsets: U32 | None,
    postings: U32 | None,
    bits: int,
    id_rows: U32 | None = None,
) -> MihArrays:
    if id_rows is None:
        id_rows = np.argsort(ids, kind="stable").astype(np.uint32)
    return MihArrays(hashes, ids, offsets, postings, ids[id_rows], id_rows, bits)


def _expand(starts: I64, lens: I64, owner: I64) -> tuple[I64, I64]:
    """Concatenate ranges ``[start, start + len)`` and repeat each range's owner alongside."""
    total = int(lens.sum())
    if total == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    ends = np.cumsum(lens)
    pos = np.arange(total, dtype=np.int64)
    pos += np.repeat(starts - (ends - lens), lens)
    return pos, np.repeat(owner, lens)


def _verify(hashes: U64Rows, queries: U64Rows, rows: I64, qidx: I64, radius: int, n: int) -> Hits:
    """Exact distances of candidate pairs; keep those within ``radius``, each pair once."""
    if len(rows) == 0:
        return Hits.empty()
    x = np.take(hashes, rows, axis=0)
    x ^= queries[0] if len(queries) == 1 else np.take(queries, qidx, axis=0)
    dist = row_distances(x)
    keep = np.flatnonzero(dist <= radius)
    if len(keep) == 0:
        return Hits.empty()
    pair = qidx[keep] * n + rows[keep]
    pair, first = np.unique(pair, return_index=True)
    return Hits(pair // n, pair % n, dist[keep][first])
