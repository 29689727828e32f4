"""vPDQ: the PDQ hashes of frames sampled from a video, and the "80 % of frames" match rule.

Hash string (the format python-threatexchange and HMA exchange as their ``vpdq`` signal): a JSON
array with one string per sampled frame, in frame order, ``"<pdq hex>,<quality>,<timestamp>"``;
the PDQ hash is 64 lowercase hex digits, the quality an integer 0-100, the timestamp the frame's
time in seconds written with Python's ``format(t, ".3")`` (three significant digits, so
``12.5``, ``0.033``, ``1.23e+02``). The array is written with ``json.dumps`` defaults
(``", "`` between items). ``validate`` also reads vpdq's text output, one
``<frame number>,<quality>,<pdq hex>,<timestamp>`` line per frame, and rewrites it as above.

Matching: a query video matches a compared video when at least ``match_percent`` (80 %) of the
query's unique good-quality frames (quality >= 50, duplicates removed) lie within 31 bits of some
good frame of the compared video. Both directions' percentages are reported, as vpdq and HMA do.
The single ``distance`` of two videos is the frame distance at which the rule is first met:
sort each query frame's nearest distance, take the one at the ``match_percent`` rank; so
``distance <= 31`` exactly when the rule holds at 31.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from childguard.config import Settings
from childguard.errors import HashingError, InvalidInput, TooLarge
from childguard.media.signals.base import (
    ContentKind,
    HashResult,
    LookupHash,
    MediaFile,
    SignalIndex,
    SignalType,
)
from childguard.media.tempfiles import on_disk
from childguard.media.video import (
    VideoInfo,
    VpdqFrame,
    check_video_limits,
    last_video_time,
    probe_video,
    run_vpdq_worker,
)

FRAME_THRESHOLD = 31
MIN_QUALITY = 50
MATCH_PERCENT = 80.0
PDQ_BITS = 256
_HEX = re.compile(r"[0-9a-f]{64}")
_SHOW = 60
# Rows of the query compared at once, to keep the distance matrix small for long videos.
_CHUNK_ROWS = 1024
# A decode that yields fewer sampled frames than this share of the expected count was cut short.
_TRUNCATION_SHARE = 0.9
# Without a frame count: the last video packet must lie within max(2.5 s, 5 % of the length) of
# the recorded end, looked for in the last 5 s.
_TAIL_SECONDS = 5.0
_TRUNCATION_TIME_SHARE = 0.05


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


def _check_complete(frames: list[VpdqFrame], info: VideoInfo, spf: float, path: Path) -> None:
    """Refuse a decode that stopped early: vpdq keeps what it decoded before the damage.

    With a frame count (MP4, MOV, AVI) the sampled frames are counted; without one (Matroska,
    WebM) the last video packet must lie near the recorded end (a count from duration x frame
    rate would refuse valid variable-frame-rate files).
    """
    if info.frame_count and info.fps > 0:
        expected = math.ceil(info.frame_count / max(1, int(spf * info.fps)))
        if len(frames) < _TRUNCATION_SHARE * expected - 1:
            raise HashingError(
                f"{path.name} is truncated or damaged: decoded {len(frames)} of "
                f"{expected} sampled frames"
            )
        return
    end = info.video_duration
    if end is None:
        return
    last = last_video_time(path, max(0.0, end - _TAIL_SECONDS))
    if last is None or end - last > max(_TAIL_SECONDS / 2, _TRUNCATION_TIME_SHARE * end):
        stop = "no frame" if last is None else f"frames only up to {last:.1f} s"
        raise HashingError(
            f"{path.name} is truncated or damaged: it holds {stop} of its {end:.1f} s"
        )


def hash_video(media: MediaFile, settings: Settings, seconds_per_hash: float) -> list[VpdqFeature]:
    """Probe, check limits, and hash every frame ``seconds_per_hash`` apart (0: every frame).

    Raises ``TooLarge`` over the length or frame-size limits, ``UnsupportedMedia`` without a
    video stream and ``HashingError`` for corrupt, truncated or undecodable files.
    """
    if media.data is not None:
        # ffprobe and the hashing child process read files: spill the upload for their sake.
        with on_disk(media.data, media.path.name, settings) as spilled:
            return _hash_video_file(spilled, settings, seconds_per_hash)
    return _hash_video_file(media.path, settings, seconds_per_hash)


def _hash_video_file(path: Path, settings: Settings, seconds_per_hash: float) -> list[VpdqFeature]:
    info = probe_video(path)
    check_video_limits(info, settings, path.name)
    frames = run_vpdq_worker(path, seconds_per_hash, settings)
    if not frames:
        raise HashingError(f"{path.name}: no frame could be decoded")
    _check_complete(frames, info, seconds_per_hash, path)
    if info.duration is None and frames[-1].timestamp > settings.max_video_seconds:
        raise TooLarge(
            f"{path.name} lasts over {settings.max_video_seconds:.0f} s "
            "(CHILDGUARD_MAX_VIDEO_SECONDS)"
        )
    return [VpdqFeature(f.pdq_hex, f.quality, f.timestamp) for f in frames]


class VpdqSignal(SignalType):
    """Video PDQ: frames sampled ``Settings.vpdq_frames_per_second`` times a second, PDQ-hashed.

    ``default_threshold`` is the per-frame distance; the video rule is in the module docstring.
    """

    name = "vpdq"
    content_kinds = frozenset({ContentKind.VIDEO})
    default_threshold: ClassVar[int] = FRAME_THRESHOLD

    @classmethod
    def validate(cls, value: str) -> str:
        return format_vpdq(parse_vpdq(value))

    def hash_file(self, media: MediaFile, settings: Settings) -> HashResult:
        features = hash_video(media, settings, 1.0 / settings.vpdq_frames_per_second)
        value = format_vpdq(features)
        good = unique_good_hashes(features, settings.pdq_min_quality)
        return HashResult(
            self.name,
            value,
            usable=bool(good),
            lookups=(LookupHash(value),),
            extra={"frame_count": len(features), "unique_good_frame_count": len(good)},
        )

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Frame distance at which ``a`` (the query) reaches 80 % matched frames in ``b``."""
        return compare_vpdq(parse_vpdq(a), parse_vpdq(b)).distance

    @classmethod
    def compare(cls, query: str, compared: str, settings: Settings | None = None) -> VpdqComparison:
        """Compare two hash strings with the thresholds in ``settings`` (defaults without)."""
        s = settings or Settings()
        return compare_vpdq(
            parse_vpdq(query),
            parse_vpdq(compared),
            max_distance=s.pdq_threshold,
            min_quality=s.pdq_min_quality,
            match_percent=s.vpdq_match_percent,
        )

    @classmethod
    def index_class(cls) -> type[SignalIndex]:
        from childguard.media.index.vpdq import VpdqIndex  # the index imports this module

        return VpdqIndex

    @classmethod
    def examples(cls) -> list[str]:
        hexes = [
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
            "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af",
        ]
        return [format_vpdq([VpdqFeature(h, 100, float(t)) for t, h in enumerate(hexes)])]
