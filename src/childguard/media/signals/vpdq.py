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

import math
from pathlib import Path
from typing import ClassVar

from childguard.config import Settings
from childguard.errors import HashingError, TooLarge
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
from childguard.media.vpdq_format import (
    FRAME_THRESHOLD,
    MATCH_PERCENT,
    MIN_QUALITY,
    PDQ_BITS,
    VpdqComparison,
    VpdqFeature,
    compare_vpdq,
    format_vpdq,
    hashes_to_bits,
    nearest_distances,
    parse_vpdq,
    percent,
    rule_distance,
    unique_good_hashes,
)

#: The vPDQ format and rule live in ``media.vpdq_format``; their names stay importable here.
__all__ = [
    "FRAME_THRESHOLD",
    "MATCH_PERCENT",
    "MIN_QUALITY",
    "PDQ_BITS",
    "VpdqComparison",
    "VpdqFeature",
    "VpdqSignal",
    "compare_vpdq",
    "format_vpdq",
    "hash_video",
    "hashes_to_bits",
    "nearest_distances",
    "parse_vpdq",
    "percent",
    "rule_distance",
    "unique_good_hashes",
]

# A decode that yields fewer sampled frames than this share of the expected count was cut short.
_TRUNCATION_SHARE = 0.9
# Without a frame count: the last video packet must lie within max(2.5 s, 5 % of the length) of
# the recorded end, looked for in the last 5 s.
_TAIL_SECONDS = 5.0
_TRUNCATION_TIME_SHARE = 0.05


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
