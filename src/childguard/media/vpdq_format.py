"""vPDQ hash strings and the "80 % of frames" match rule, shared by the signal and its index.

The string format and the rule are described in ``childguard.media.signals.vpdq``; this module
holds them apart from video decoding so that the index (``media.index.vpdq``) and the signal
both build on it without importing each other.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from childguard.errors import InvalidInput

FRAME_THRESHOLD = 31
MIN_QUALITY = 50
MATCH_PERCENT = 80.0
PDQ_BITS = 256
_HEX = re.compile(r"[0-9a-f]{64}")
_SHOW = 60
# Rows of the query compared at once, to keep the distance matrix small for long videos.
_CHUNK_ROWS = 1024


@dataclass(frozen=True)
class VpdqFeature:
    """One frame of a vPDQ hash: its PDQ hash, PDQ quality and time in the video."""

    pdq_hex: str
    quality: int
    timestamp: float

    def serialize(self) -> str:
        """The frame as one element of the hash string."""
        return f"{self.pdq_hex},{self.quality},{format(self.timestamp, '.3')}"


@dataclass(frozen=True)
class VpdqComparison:
    """How two vPDQ hashes compare.

    ``query_match_percent``: share of the query's unique good frames with a close frame in the
    compared video; ``compared_match_percent``: the same the other way round; ``distance``: the
    frame distance at which the query reaches ``match_percent`` (``PDQ_BITS`` when it cannot).
    """

    query_match_percent: float
    compared_match_percent: float
    distance: int
    matched: bool


def _parse_frame(hex_part: str, quality_part: str, time_part: str, where: str) -> VpdqFeature:
    pdq_hex = hex_part.strip().lower()
    if not _HEX.fullmatch(pdq_hex):
        raise InvalidInput(
            f"vpdq {where}: {hex_part.strip()[:_SHOW]!r} is not a PDQ hash (64 hex digits)"
        )
    try:
        quality = int(quality_part.strip())
    except ValueError:
        raise InvalidInput(
            f"vpdq {where}: quality {quality_part.strip()[:_SHOW]!r} is not an integer"
        ) from None
    if not 0 <= quality <= 100:
        raise InvalidInput(f"vpdq {where}: quality {quality} is outside 0-100")
    try:
        timestamp = float(time_part.strip())
    except ValueError:
        raise InvalidInput(
            f"vpdq {where}: timestamp {time_part.strip()[:_SHOW]!r} is not a number"
        ) from None
    if not (math.isfinite(timestamp) and timestamp >= 0):
        raise InvalidInput(f"vpdq {where}: timestamp {time_part.strip()[:_SHOW]!r} is negative")
    return VpdqFeature(pdq_hex, quality, timestamp)


def _parse_json(value: str) -> list[VpdqFeature]:
    try:
        items = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"vpdq hash is not valid JSON: {exc.msg} at character {exc.pos}"
        ) from None
    if not isinstance(items, list):
        raise InvalidInput('vpdq hash must be a JSON array of "hash,quality,timestamp" strings')
    features = []
    for number, item in enumerate(items):
        where = f"frame {number}"
        if not isinstance(item, str):
            raise InvalidInput(f'vpdq {where}: expected a "hash,quality,timestamp" string')
        parts = item.split(",")
        if len(parts) != 3:
            raise InvalidInput(
                f"vpdq {where}: {item[:_SHOW]!r} has {len(parts)} fields, "
                "expected 3 (hash,quality,timestamp)"
            )
        features.append(_parse_frame(parts[0], parts[1], parts[2], where=where))
    return features


def _parse_lines(value: str) -> list[VpdqFeature]:
    features = []
    for line_number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {line_number}"
        parts = line.split(",")
        if len(parts) != 4:
            raise InvalidInput(
                f"vpdq {where}: {line.strip()[:_SHOW]!r} has {len(parts)} fields, "
                "expected 4 (frame,quality,hash,timestamp) or a JSON array"
            )
        frame, quality, pdq_hex, timestamp = parts
        if not frame.strip().isdigit():
            raise InvalidInput(
                f"vpdq {where}: frame number {frame.strip()[:_SHOW]!r} is not a whole number"
            )
        features.append(_parse_frame(pdq_hex, quality, timestamp, where=where))
    return features


def parse_vpdq(value: str) -> list[VpdqFeature]:
    """The frames of a vPDQ hash string (JSON array or vpdq text lines).

    Raises ``InvalidInput`` naming the offending frame or line; an empty hash is refused.
    """
    text = value.strip()
    features = _parse_json(text) if text.startswith("[") else _parse_lines(text)
    if not features:
        raise InvalidInput("vpdq hash has no frames")
    return features


def format_vpdq(features: Sequence[VpdqFeature]) -> str:
    """The canonical hash string of ``features`` (see the module docstring)."""
    return json.dumps([f.serialize() for f in features])


def unique_good_hashes(
    features: Sequence[VpdqFeature], min_quality: int = MIN_QUALITY
) -> list[str]:
    """PDQ hex of the frames with quality >= ``min_quality``, first occurrence of each, in order."""
    seen: dict[str, None] = {}
    for f in features:
        if f.quality >= min_quality:
            seen.setdefault(f.pdq_hex, None)
    return list(seen)


def hashes_to_bits(hexes: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Hex PDQ hashes as an ``(n, 32)`` uint8 array."""
    out = np.zeros((len(hexes), PDQ_BITS // 8), dtype=np.uint8)
    for row, h in enumerate(hexes):
        out[row] = np.frombuffer(bytes.fromhex(h), dtype=np.uint8)
    return out


def nearest_distances(
    query: npt.NDArray[np.uint8], compared: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """For each query row, the distance to its nearest compared row, and the reverse.

    Both inputs are ``(n, 32)`` uint8 arrays; an empty side gives ``PDQ_BITS + 1`` distances.
    """
    q_best = np.full(len(query), PDQ_BITS + 1, dtype=np.int32)
    c_best = np.full(len(compared), PDQ_BITS + 1, dtype=np.int32)
    if len(query) == 0 or len(compared) == 0:
        return q_best, c_best
    for start in range(0, len(query), _CHUNK_ROWS):
        block = query[start : start + _CHUNK_ROWS]
        dist = np.bitwise_count(block[:, None, :] ^ compared[None, :, :]).sum(
            axis=2, dtype=np.int32
        )
        q_best[start : start + len(block)] = dist.min(axis=1)
        np.minimum(c_best, dist.min(axis=0), out=c_best)
    return q_best, c_best


def percent(count: int, total: int) -> float:
    """``count`` as a percentage of ``total`` (0 when ``total`` is 0), computed as vpdq does."""
    return count * 100 / total if total else 0.0


def rule_distance(nearest: Sequence[int] | npt.NDArray[np.int32], match_percent: float) -> int:
    """The frame distance at which ``match_percent`` of ``nearest`` distances are covered.

    That is the k-th smallest distance, k the least count whose percentage reaches
    ``match_percent``; ``PDQ_BITS`` when there are no distances.
    """
    ordered = sorted(int(d) for d in nearest)
    total = len(ordered)
    if total == 0:
        return PDQ_BITS
    k = max(1, math.ceil(match_percent * total / 100) - 1)
    while k < total and percent(k, total) < match_percent:
        k += 1
    return min(ordered[k - 1], PDQ_BITS)


def compare_vpdq(
    query: Sequence[VpdqFeature],
    compared: Sequence[VpdqFeature],
    *,
    max_distance: int = FRAME_THRESHOLD,
    min_quality: int = MIN_QUALITY,
    match_percent: float = MATCH_PERCENT,
) -> VpdqComparison:
    """Compare two videos' frames with the vPDQ rule (see the module docstring)."""
    q_bits = hashes_to_bits(unique_good_hashes(query, min_quality))
    c_bits = hashes_to_bits(unique_good_hashes(compared, min_quality))
    q_best, c_best = nearest_distances(q_bits, c_bits)
    q_pct = percent(int((q_best <= max_distance).sum()), len(q_best))
    c_pct = percent(int((c_best <= max_distance).sum()), len(c_best))
    return VpdqComparison(
        query_match_percent=q_pct,
        compared_match_percent=c_pct,
        distance=rule_distance(q_best, match_percent),
        matched=len(q_best) > 0 and q_pct >= match_percent,
    )
