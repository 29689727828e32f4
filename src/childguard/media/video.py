"""Probe and decode videos safely: limits checked before decoding, decoding in a child process.

``probe_video`` asks ``ffprobe`` (Debian's ffmpeg package) for the first video stream's size,
frame rate, frame count and the duration, under a timeout. ``check_video_limits`` refuses videos
longer than ``Settings.max_video_seconds`` or with frames over ``Settings.max_pixels``.

``run_vpdq_worker`` hashes a video with the ``vpdq`` package in a separate Python process, because
libav can abort the whole process on a damaged file (a truncated MP4 trips an assertion in
libswscale). The child runs under an address-space limit (``Settings.video_memory_mb``) and a
wall-clock timeout (``Settings.video_timeout_seconds``); any failure becomes ``HashingError``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from childguard.config import Settings
from childguard.errors import HashingError, TooLarge, UnsupportedMedia

#: ffprobe reads headers only; anything slower than this is a hostile or broken file.
PROBE_TIMEOUT_SECONDS = 30.0
_PROBE_OUTPUT_LIMIT = 1 << 20
#: vpdq hashes frames on this many threads at most (each costs address space; see below).
MAX_HASH_THREADS = 4
# What the child prints when the address-space limit stops an allocation or a thread.
_OUT_OF_MEMORY = (b"MemoryError", b"bad_alloc", b"Resource temporarily unavailable")

# The child's program: limit its address space, hash, print one JSON array of
# [frame_number, pdq_hex, quality, timestamp] rows. It imports nothing from childguard so it
# runs in an isolated interpreter (-I).
_WORKER = """
import json, resource, sys
limit = int(sys.argv[4]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import vpdq
features = vpdq.computeHash(
    sys.argv[1], seconds_per_hash=float(sys.argv[2]), thread_count=int(sys.argv[3])
)
json.dump([[f.frame_number, f.hex, f.quality, f.timestamp] for f in features], sys.stdout)
"""


@dataclass(frozen=True)
class VideoInfo:
    """What ``ffprobe`` says about a video's first video stream.

    ``duration`` (the file's) and ``video_duration`` (the video stream's, else the file's) are
    None when the container does not record them (e.g. live-recorded WebM); ``frame_count`` is
    None when the container has no frame count (Matroska, WebM).
    """

    width: int
    height: int
    fps: float
    duration: float | None
    video_duration: float | None
    frame_count: int | None
    codec: str


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed frame as ``vpdq`` reports it."""

    frame_number: int
    pdq_hex: str
    quality: int
    timestamp: float


def _ffprobe() -> str:
    exe = shutil.which("ffprobe")
    if exe is None:
        raise HashingError("ffprobe is not installed; install the ffmpeg package to hash videos")
    return exe


def _rate(text: object) -> float:
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value) if value > 0 else 0.0


def _positive_float(text: object) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _positive_int(text: object) -> int | None:
    try:
        value = int(str(text))
    except ValueError:
        return None
    return value if value > 0 else None


def _run_ffprobe(path: Path, args: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffprobe on ``path`` (``file`` protocol only) under ``PROBE_TIMEOUT_SECONDS``."""
    cmd = [_ffprobe(), "-v", "error", "-protocol_whitelist", "file", *args]
    cmd += ["-i", f"file:{path.absolute()}"]
    try:
        return subprocess.run(
            cmd,
            capture_output=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise HashingError(
            f"{path.name}: {what} took over {PROBE_TIMEOUT_SECONDS:.0f} s; "
            "the file is damaged or not a video"
        ) from exc
    except OSError as exc:
        raise HashingError(f"cannot run ffprobe on {path.name}: {exc.strerror or exc}") from exc


def probe_video(path: Path) -> VideoInfo:
    """Read ``path``'s first video stream's properties with ``ffprobe``, within a timeout.

    Raises ``HashingError`` when the file cannot be parsed (corrupt, truncated header, timeout)
    and ``UnsupportedMedia`` when it holds no video stream. Only the ``file`` protocol is allowed,
    so a crafted name or playlist cannot make ffprobe open anything else.
    """
    fields = "codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration"
    args = ["-show_entries", f"stream={fields}:format=duration", "-of", "json"]
    proc = _run_ffprobe(path, args, "reading the video header")
    if proc.returncode != 0 or len(proc.stdout) > _PROBE_OUTPUT_LIMIT:
        raise HashingError(f"{path.name} is not a readable video (corrupt or truncated)")
    try:
        data = json.loads(proc.stdout)
    except ValueError as exc:
        raise HashingError(f"{path.name} is not a readable video (corrupt or truncated)") from exc
    streams = data.get("streams") or []
    kinds = {s.get("codec_type") for s in streams}
    video = [s for s in streams if s.get("codec_type") == "video"]
    if not video and "audio" in kinds:
        raise UnsupportedMedia(f"{path.name} has no video stream (audio only)")
    if not video:
        # A cut-off header leaves no stream, or a track of unknown ("data") type.
        raise HashingError(f"{path.name} holds no readable video stream (corrupt or truncated)")
    stream = video[0]
    width = _positive_int(stream.get("width"))
    height = _positive_int(stream.get("height"))
    if width is None or height is None:
        raise HashingError(f"{path.name}: the video stream has no frame size (corrupt header)")
    fps = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    stream_duration = _positive_float(stream.get("duration"))
    duration = _positive_float((data.get("format") or {}).get("duration")) or stream_duration
    return VideoInfo(
        width=width,
        height=height,
        fps=fps,
        duration=duration,
        video_duration=stream_duration or duration,
        frame_count=_positive_int(stream.get("nb_frames")),
        codec=str(stream.get("codec_name") or "unknown"),
    )


def check_video_limits(info: VideoInfo, settings: Settings, name: str) -> None:
    """Raise ``TooLarge`` when the video is over the configured length or frame size."""
    if info.duration is not None and info.duration > settings.max_video_seconds:
        raise TooLarge(
            f"{name} lasts {info.duration:.0f} s, over the limit of "
            f"{settings.max_video_seconds:.0f} s (CHILDGUARD_MAX_VIDEO_SECONDS)"
        )
    if info.width * info.height > settings.max_pixels:
        raise TooLarge(
            f"{name} has {info.width}x{info.height} frames, over the limit of "
            f"{settings.max_pixels} pixels (CHILDGUARD_MAX_PIXELS)"
        )


def _parse_worker_output(raw: bytes, name: str) -> list[VpdqFrame]:
    try:
        rows = json.loads(raw)
        return [VpdqFrame(int(n), str(h), int(q), float(t)) for n, h, q, t in rows]
    except (ValueError, TypeError) as exc:
        raise HashingError(f"{name}: the video hasher returned unreadable output") from exc


def run_vpdq_worker(
    path: Path, seconds_per_hash: float, settings: Settings, thread_count: int | None = None
) -> list[VpdqFrame]:
    """Hash ``path`` with ``vpdq`` in a child process; every frame ``seconds_per_hash`` apart.

    ``seconds_per_hash`` 0 hashes every frame. ``thread_count`` defaults to the CPU count, at
    most ``MAX_HASH_THREADS``. Raises ``HashingError`` when the child fails, crashes, runs out of
    its memory limit or outlives ``settings.video_timeout_seconds``.
    """
    if thread_count is None:
        thread_count = min(os.cpu_count() or 1, MAX_HASH_THREADS)
    # Each thread's stack and malloc arena count against the address-space limit.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    cmd = [
        sys.executable,
        "-I",
        "-c",
        _WORKER,
        str(path.absolute()),
        repr(float(seconds_per_hash)),
        str(int(thread_count)),
        str(settings.video_memory_mb),
    ]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            timeout=settings.video_timeout_seconds,
            check=False,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise HashingError(
            f"{path.name}: hashing took over {settings.video_timeout_seconds:g} s "
            "(CHILDGUARD_VIDEO_TIMEOUT_SECONDS)"
        ) from exc
    except OSError as exc:
        raise HashingError(f"cannot start the video hasher: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        if any(sign in proc.stderr for sign in _OUT_OF_MEMORY):
            raise HashingError(
                f"{path.name}: decoding needed more than {settings.video_memory_mb} MiB "
                "(CHILDGUARD_VIDEO_MEMORY_MB)"
            )
        raise HashingError(f"{path.name} could not be decoded (corrupt or truncated video)")
    return _parse_worker_output(proc.stdout, path.name)


def last_video_time(path: Path, after: float) -> float | None:
    """Presentation time of the last video packet at or after ``after`` seconds, or None.

    Demuxes only (no decoding) from a seek to ``after``; a file cut short has no packets near
    its recorded end. A file whose index is gone is read from the start instead, which costs a
    demux pass of the file.
    """
    args = ["-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"]
    proc = _run_ffprobe(path, [*args, "-read_intervals", f"{after:.3f}%"], "reading the video end")
    last: float | None = None
    for line in proc.stdout.splitlines():
        value = _positive_float(line.decode("ascii", "replace").strip().rstrip(","))
        if value is not None and (last is None or value > last):
            last = value
    return last
