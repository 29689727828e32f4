"""vPDQ index: every banked video's unique good frames in one PDQ frame index, aggregated per video.

A query video's unique good frames are looked up in the frame index in one batch; each frame hit
is mapped back to its video, and a video is returned only when at least ``match_percent`` of the
query's frames hit it (the vPDQ rule, see ``childguard.media.signals.vpdq``). The cost is that of
the frame lookups, not of a scan over videos.

The frame index is any ``SignalIndex`` over PDQ hex strings whose entry ids are frame rows; a
factory picks it (by default the multi-index ``PdqMihIndex``; bulk loads use the class's
``build``).
Rows of one video are consecutive; a removed video's rows are dropped from the frame index and
marked dead here (their row ids are not reused until the next ``load``).

On disk (``save``/``load``): a NumPy ``.npz`` archive read with ``allow_pickle=False`` holding
``format_version`` (int64[1], 1), ``entry_ids`` (int64[E]), ``frame_counts`` (int64[E], unique
good frames per video, in entry order), ``frame_hashes`` (uint8[N, 32], those frames' PDQ hashes
in the same order, N = sum of frame_counts), ``params`` (float64[2]: min quality, match percent)
and ``checksum`` (uint8[32], SHA-256 of the raw bytes of the five arrays above, in that order).
It is written to a temporary file and renamed over the target, so a crash leaves the previous
file intact; a file that fails any check raises ``StorageError``.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from childguard.errors import StorageError
from childguard.media.index.files import write_npz_atomic
from childguard.media.index.pdq_mih import PdqMihIndex
from childguard.media.signals.base import IndexMatch, SignalIndex
from childguard.media.vpdq_format import (
    MATCH_PERCENT,
    MIN_QUALITY,
    PDQ_BITS,
    hashes_to_bits,
    parse_vpdq,
    percent,
    rule_distance,
    unique_good_hashes,
)

FORMAT_VERSION = 1
_HASH_BYTES = PDQ_BITS // 8
_DEAD = -1


def default_frame_index_factory() -> SignalIndex:
    """An empty exact PDQ frame index: the multi-index one, so frame lookups are not a scan."""
    return PdqMihIndex.build([])


class VpdqIndex(SignalIndex):
    """Banked videos by entry id, queried with the vPDQ frame-share rule.

    ``query(value, max_distance)``: ``max_distance`` is the per-frame PDQ distance (31). A hit's
    ``distance`` is the frame distance at which the query reaches ``match_percent`` of its frames
    (so it is <= ``max_distance``); ``detail`` holds ``query_match_percent`` and
    ``compared_match_percent``. Videos without good frames are held but never match.
    """

    def __init__(
        self,
        *,
        min_quality: int = MIN_QUALITY,
        match_percent: float = MATCH_PERCENT,
        frame_index_factory: Callable[[], SignalIndex] = default_frame_index_factory,
    ) -> None:
        self.min_quality = min_quality
        self.match_percent = match_percent
        self._frames = frame_index_factory()
        # Frame rows: row id -> owning entry (or _DEAD), and the row's PDQ hash for saving.
        self._row_entry = np.zeros(0, dtype=np.int64)
        self._row_bits = np.zeros((0, _HASH_BYTES), dtype=np.uint8)
        # Entry -> (first row, number of rows); rows of one entry are consecutive.
        self._entries: dict[int, tuple[int, int]] = {}

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> VpdqIndex:
        index = cls()
        index._bulk_add(
            (unique_good_hashes(parse_vpdq(v), index.min_quality), i) for v, i in entries
        )
        return index

    def _bulk_add(self, videos: Iterable[tuple[list[str], int]]) -> None:
        """Fill an empty index with one frame-index build; a repeated entry id keeps its last."""
        latest: dict[int, list[str]] = {}
        for frames, entry_id in videos:
            latest.pop(entry_id, None)
            latest[entry_id] = frames
        hexes: list[str] = []
        owners: list[int] = []
        for entry_id, frames in latest.items():
            self._entries[entry_id] = (len(hexes), len(frames))
            hexes.extend(frames)
            owners.extend([entry_id] * len(frames))
        self._row_entry = np.array(owners, dtype=np.int64)
        self._row_bits = hashes_to_bits(hexes)
        self._frames = type(self._frames).build(zip(hexes, range(len(hexes)), strict=True))

    def _drop(self, entry_id: int) -> None:
        start, count = self._entries.pop(entry_id)
        self._row_entry[start : start + count] = _DEAD

    def add(self, value: str, entry_id: int) -> None:
        frames = unique_good_hashes(parse_vpdq(value), self.min_quality)
        self.remove(entry_id)
        start = len(self._row_entry)
        self._entries[entry_id] = (start, len(frames))
        self._row_entry = np.concatenate(
            [self._row_entry, np.full(len(frames), entry_id, dtype=np.int64)]
        )
        self._row_bits = np.vstack([self._row_bits, hashes_to_bits(frames)])
        for offset, h in enumerate(frames):
            self._frames.add(h, start + offset)

    def remove(self, entry_id: int) -> None:
        span = self._entries.get(entry_id)
        if span is None:
            return
        start, count = span
        for row in range(start, start + count):
            self._frames.remove(row)
        self._drop(entry_id)

    def query(self, value: str, max_distance: int) -> list[IndexMatch]:
        query_frames = unique_good_hashes(parse_vpdq(value), self.min_quality)
        if not query_frames:
            return []
        hits = self._frames.query_many(query_frames, max_distance)
        # entry -> {query frame -> nearest distance}, entry -> {banked rows hit}
        nearest: dict[int, dict[int, int]] = {}
        rows_hit: dict[int, set[int]] = {}
        for q, matches in enumerate(hits):
            for m in matches:
                entry = (
                    int(self._row_entry[m.entry_id]) if m.entry_id < len(self._row_entry) else _DEAD
                )
                if entry == _DEAD:
                    continue
                per_frame = nearest.setdefault(entry, {})
                per_frame[q] = min(per_frame.get(q, PDQ_BITS), m.distance)
                rows_hit.setdefault(entry, set()).add(m.entry_id)
        total = len(query_frames)
        out = []
        for entry, per_frame in nearest.items():
            q_pct = percent(len(per_frame), total)
            if q_pct < self.match_percent:
                continue
            unmatched = [PDQ_BITS + 1] * (total - len(per_frame))
            distance = rule_distance([*per_frame.values(), *unmatched], self.match_percent)
            c_pct = percent(len(rows_hit[entry]), self._entries[entry][1])
            out.append(
                IndexMatch(
                    entry,
                    distance,
                    {"query_match_percent": q_pct, "compared_match_percent": c_pct},
                )
            )
        out.sort(key=lambda m: (m.distance, m.entry_id))
        return out

    def __len__(self) -> int:
        return len(self._entries)

    def _arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The saved arrays: live entries in row order and their frames, dead rows left out."""
        order = sorted(self._entries.items(), key=lambda kv: kv[1][0])
        rows = [np.arange(start, start + count, dtype=np.int64) for _, (start, count) in order]
        live_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        return {
            "format_version": np.array([FORMAT_VERSION], dtype=np.int64),
            "entry_ids": np.array([e for e, _ in order], dtype=np.int64),
            "frame_counts": np.array([c for _, (_, c) in order], dtype=np.int64),
            "frame_hashes": self._row_bits[live_rows].reshape(-1, _HASH_BYTES),
            "params": np.array([self.min_quality, self.match_percent], dtype=np.float64),
        }

    @staticmethod
    def _checksum(arrays: dict[str, npt.NDArray[np.generic]]) -> npt.NDArray[np.uint8]:
        digest = hashlib.sha256()
        for name in ("format_version", "entry_ids", "frame_counts", "frame_hashes", "params"):
            digest.update(np.ascontiguousarray(arrays[name]).tobytes())
        return np.frombuffer(digest.digest(), dtype=np.uint8).copy()

    def save(self, path: Path) -> None:
        arrays = self._arrays()
        arrays["checksum"] = self._checksum(arrays)
        write_npz_atomic(path, arrays)

    @classmethod
    def load(cls, path: Path) -> VpdqIndex:
        bad = f"vPDQ index {path.name} is corrupt or truncated; rebuild it from the banks"
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise StorageError(bad) from exc
        try:
            version, ids, counts = (
                arrays["format_version"],
                arrays["entry_ids"],
                arrays["frame_counts"],
            )
            bits, params, checksum = arrays["frame_hashes"], arrays["params"], arrays["checksum"]
        except KeyError as exc:
            raise StorageError(bad) from exc
        consistent = (
            ids.dtype == np.int64
            and counts.dtype == np.int64
            and bits.dtype == np.uint8
            and params.shape == (2,)
            and ids.ndim == 1
            and ids.shape == counts.shape
            and bits.ndim == 2
            and bits.shape[1] == _HASH_BYTES
            and int(counts.sum()) == len(bits)
            and bool((counts >= 0).all())
            and checksum.dtype == np.uint8
        )
        if not consistent or not np.array_equal(checksum, cls._checksum(arrays)):
            raise StorageError(bad)
        if version.tolist() != [FORMAT_VERSION]:
            raise StorageError(f"vPDQ index {path.name} has an unknown format version; rebuild it")
        index = cls(min_quality=int(params[0]), match_percent=float(params[1]))
        hexes = [row.tobytes().hex() for row in bits]
        bounds = np.concatenate([[0], np.cumsum(counts)])
        index._bulk_add((hexes[bounds[i] : bounds[i + 1]], int(e)) for i, e in enumerate(ids))
        return index
