"""vPDQ signal and index, on synthetic videos made with ffmpeg's test sources at test time."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from childguard.config import Settings
from childguard.errors import HashingError, InvalidInput, StorageError, TooLarge, UnsupportedMedia
from childguard.media.index.vpdq import VpdqIndex
from childguard.media.signals.base import ContentKind, MediaFile
from childguard.media.signals.vpdq import (
    VpdqFeature,
    VpdqSignal,
    compare_vpdq,
    format_vpdq,
    parse_vpdq,
)

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

SIZE = "640x480"
# vPDQ samples one frame a second; a low frame rate keeps encoding and decoding quick.
RATE = 10


def _ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(out)], check=True, timeout=120)
    return out


def _testsrc(seconds: int, size: str = SIZE) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate={RATE}"]


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def _media(path: Path) -> MediaFile:
    return MediaFile(path, "video/mp4", ContentKind.VIDEO, path.stat().st_size)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Ten-second clips: the original, a re-encode, other content, and one sharing 2 s of it."""
    d = tmp_path_factory.mktemp("videos")
    mandelbrot = ["-f", "lavfi", "-i", f"mandelbrot=size=320x240:rate={RATE}", "-t", "10"]
    original = _ffmpeg(d / "original.mp4", *_testsrc(10), *H264, "-movflags", "+faststart")
    return {
        "original": original,
        "smaller": _ffmpeg(
            d / "smaller.mp4", "-i", str(original), "-vf", "scale=320:240", *H264, "-b:v", "150k"
        ),
        "mandelbrot": _ffmpeg(d / "mandelbrot.mp4", *mandelbrot, "-vf", f"scale={SIZE}", *H264),
        "bars": _ffmpeg(
            d / "bars.mp4",
            "-f",
            "lavfi",
            "-i",
            f"smptebars=duration=10:size={SIZE}:rate={RATE}",
            *H264,
        ),
        "clip": _ffmpeg(
            d / "clip.mp4",
            *_testsrc(2),
            *mandelbrot[:4],
            "-filter_complex",
            f"[1:v]scale={SIZE}[m];[0:v][m]concat=n=2:v=1[v]",
            "-map",
            "[v]",
            "-t",
            "10",
            *H264,
        ),
    }


@pytest.fixture(scope="module")
def hashes(videos: dict[str, Path]) -> dict[str, str]:
    signal = VpdqSignal()
    return {name: signal.hash_file(_media(p), Settings()).value for name, p in videos.items()}


# libvpx is slow at full size, so the WebM copies are also downscaled (vPDQ must not mind).
VPX = ["-vf", "scale=320:240", "-deadline", "realtime", "-cpu-used", "8"]
CONTAINERS = {
    "mp4-h264": ("mp4", H264),
    "webm-vp9": ("webm", ["-c:v", "libvpx-vp9", *VPX]),
    "webm-vp8": ("webm", ["-c:v", "libvpx", *VPX]),
    "mkv-ffv1": ("mkv", ["-c:v", "ffv1"]),
    "avi-mjpeg": ("avi", ["-c:v", "mjpeg", "-q:v", "5"]),
    "mov-h264": ("mov", H264),
}


@pytest.mark.parametrize("kind", list(CONTAINERS))
def test_every_container_hashes_to_the_same_frames(
    kind: str, tmp_path: Path, videos: dict[str, Path], hashes: dict[str, str]
) -> None:
    ext, codec = CONTAINERS[kind]
    path = _ffmpeg(tmp_path / f"v.{ext}", "-i", str(videos["original"]), "-t", "4", *codec)

    result = VpdqSignal().hash_file(_media(path), Settings())

    assert result.signal_type == "vpdq"
    assert result.extra["frame_count"] == 4
    assert result.extra["unique_good_frame_count"] == 4
    assert result.usable
    comparison = VpdqSignal.compare(result.value, hashes["original"])
    assert comparison.matched and comparison.distance <= 31


def test_reencoded_smaller_copy_matches(hashes: dict[str, str]) -> None:
    both_ways = [
        VpdqSignal.compare(hashes["smaller"], hashes["original"]),
        VpdqSignal.compare(hashes["original"], hashes["smaller"]),
    ]
    for comparison in both_ways:
        assert comparison.matched
        assert comparison.query_match_percent >= 80
        assert comparison.distance <= 31
    assert VpdqSignal.distance(hashes["smaller"], hashes["original"]) <= 31


@pytest.mark.parametrize("other", ["mandelbrot", "bars"])
def test_different_video_does_not_match(other: str, hashes: dict[str, str]) -> None:
    comparison = VpdqSignal.compare(hashes[other], hashes["original"])

    assert not comparison.matched
    assert comparison.query_match_percent < 80
    assert comparison.distance > 31


def test_video_sharing_a_short_clip_stays_under_the_rule(hashes: dict[str, str]) -> None:
    comparison = VpdqSignal.compare(hashes["clip"], hashes["original"])

    assert 0 < comparison.query_match_percent < 80
    assert 0 < comparison.compared_match_percent < 80
    assert not comparison.matched


def test_hash_string_round_trips_and_is_hma_shaped(hashes: dict[str, str]) -> None:
    value = hashes["original"]
    items = json.loads(value)

    assert VpdqSignal.validate(value) == value
    assert VpdqSignal.validate(value.upper().replace("E+", "e+")) == value
    assert len(items) == 10
    pdq_hex, quality, timestamp = items[1].split(",")
    assert len(pdq_hex) == 64 and 0 <= int(quality) <= 100 and float(timestamp) == 1.0
    assert value.startswith('["') and '", "' in value


def test_hash_string_matches_python_threatexchange_format() -> None:
    util = pytest.importorskip("threatexchange.extensions.vpdq.vpdq_util")
    value = VpdqSignal.examples()[0]
    theirs = [util.VpdqCompactFeature(f.pdq_hex, f.quality, f.timestamp) for f in parse_vpdq(value)]
    features = [VpdqFeature("ab" * 32, 73, t) for t in (0.0, 0.0333333, 12.5, 123.456, 3600.25)]
    compact = [util.VpdqCompactFeature(f.pdq_hex, f.quality, f.timestamp) for f in features]

    assert util.vpdq_to_json(theirs) == value
    assert util.vpdq_to_json(compact) == format_vpdq(features)
    assert [str(f) for f in util.json_to_vpdq(format_vpdq(features))] == json.loads(
        format_vpdq(features)
    )


def test_vpdq_text_lines_are_accepted_and_canonicalised() -> None:
    lines = f"0,100,{'0f' * 32},0.000\n1,42,{'A0' * 32},0.033\n"

    canon = VpdqSignal.validate(lines)

    assert json.loads(canon) == [f"{'0f' * 32},100,0.0", f"{'a0' * 32},42,0.033"]


GOOD = "0f" * 32


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "no frames"),
        ("[]", "no frames"),
        ('["' + GOOD, "not valid JSON"),
        ('{"0": 1}', "JSON array"),
        (f'["{GOOD},100,0.0", 7]', "frame 1"),
        (f'["{GOOD},100,0.0", "{GOOD},100"]', "frame 1: .* has 2 fields"),
        (f'["{GOOD[:-1]}x,100,0.0"]', "frame 0: .* not a PDQ hash"),
        (f'["{GOOD}0,100,0.0"]', "frame 0: .* not a PDQ hash"),
        (f'["{GOOD},101,0.0"]', "frame 0: quality 101 is outside 0-100"),
        (f'["{GOOD},high,0.0"]', "frame 0: quality 'high' is not an integer"),
        (f'["{GOOD},100,-1.0"]', "frame 0: timestamp '-1.0' is negative"),
        (f'["{GOOD},100,nan"]', "frame 0: timestamp 'nan'"),
        (f'["{GOOD},100,soon"]', "frame 0: timestamp 'soon' is not a number"),
        (f"0,100,{GOOD},0.0\n1,100,{GOOD}\n", "line 2: .* has 3 fields"),
        (f"0,100,{GOOD},0.0\nx,100,{GOOD},1.0\n", "line 2: frame number 'x'"),
    ],
)
def test_malformed_hash_strings_are_rejected_naming_the_problem(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        VpdqSignal.validate(value)


def test_truncated_video_is_a_hashing_error(videos: dict[str, Path], tmp_path: Path) -> None:
    data = videos["original"].read_bytes()
    for cut in (len(data) // 2, 3000, 200):
        broken = tmp_path / f"cut{cut}.mp4"
        broken.write_bytes(data[:cut])
        with pytest.raises(HashingError, match=r"cut\d+\.mp4 .*(truncated|corrupt)"):
            VpdqSignal().hash_file(_media(broken), Settings())


def test_half_a_matroska_file_is_caught_by_its_last_frame_time(tmp_path: Path) -> None:
    # Matroska keeps no frame count or index up front: the decoder stops quietly at the cut.
    full = _ffmpeg(tmp_path / "full.mkv", *_testsrc(10), *H264).read_bytes()
    half = tmp_path / "half.mkv"
    half.write_bytes(full[: len(full) // 2])

    with pytest.raises(HashingError, match=r"half\.mkv is truncated .* frames only up to [3-7]\."):
        VpdqSignal().hash_file(_media(half), Settings())


def test_variable_frame_rate_video_is_not_mistaken_for_a_truncated_one(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    # Frames after the 5th second are held 3 s longer: 13 s of video from 100 frames.
    delayed = "setpts='PTS+if(gt(N,50),3/TB,0)'"
    args = ["-i", str(videos["original"]), "-vf", delayed, "-fps_mode", "vfr", *H264]
    vfr = _ffmpeg(tmp_path / "vfr.mkv", *args)

    result = VpdqSignal().hash_file(_media(vfr), Settings())

    assert result.extra["frame_count"] == 10  # vpdq samples by frame number, as the reference


def test_garbage_bytes_are_a_hashing_error(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).bytes(20_000))

    with pytest.raises(HashingError):
        VpdqSignal().hash_file(_media(path), Settings())


def test_video_over_the_length_limit_is_refused(videos: dict[str, Path]) -> None:
    with pytest.raises(TooLarge, match="CHILDGUARD_MAX_VIDEO_SECONDS"):
        VpdqSignal().hash_file(_media(videos["original"]), Settings(max_video_seconds=1))


def test_video_over_the_pixel_limit_is_refused(videos: dict[str, Path]) -> None:
    with pytest.raises(TooLarge, match=r"640x480.*CHILDGUARD_MAX_PIXELS"):
        VpdqSignal().hash_file(_media(videos["original"]), Settings(max_pixels=640 * 480 - 1))


def test_hashing_past_the_time_limit_is_stopped(videos: dict[str, Path]) -> None:
    with pytest.raises(HashingError, match="CHILDGUARD_VIDEO_TIMEOUT_SECONDS"):
        VpdqSignal().hash_file(_media(videos["original"]), Settings(video_timeout_seconds=0.01))


def test_odd_file_names_are_read_as_local_files(videos: dict[str, Path], tmp_path: Path) -> None:
    odd = tmp_path / "-concat:x|y.mp4"
    odd.write_bytes(videos["original"].read_bytes())

    assert VpdqSignal().hash_file(_media(odd), Settings()).extra["frame_count"] == 10


def test_file_without_a_video_stream_is_unsupported(tmp_path: Path) -> None:
    audio = _ffmpeg(tmp_path / "a.mp4", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac")

    with pytest.raises(UnsupportedMedia, match="no video stream"):
        VpdqSignal().hash_file(_media(audio), Settings())


# ---- index, on hash strings built from random PDQ hashes (no video needed) ----


def _random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def _flip(bits: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of each row with ``count`` distinct bits flipped."""
    out = bits.copy()
    for row in out:
        for bit in rng.choice(256, size=count, replace=False):
            row[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def _vpdq(bits: np.ndarray, quality: int = 100) -> str:
    return format_vpdq(
        [VpdqFeature(r.tobytes().hex(), quality, float(t)) for t, r in enumerate(bits)]
    )


@pytest.fixture
def bank() -> tuple[VpdqIndex, dict[int, np.ndarray]]:
    rng = np.random.default_rng(7)
    videos = {entry: _random_hashes(rng, 10) for entry in (1, 2, 3)}
    videos[4] = np.vstack([videos[1], _random_hashes(rng, 10)])  # video 1 plus 10 more frames
    return VpdqIndex.build((_vpdq(v), e) for e, v in videos.items()), videos


def test_index_applies_the_eighty_percent_rule(
    bank: tuple[VpdqIndex, dict[int, np.ndarray]],
) -> None:
    index, videos = bank
    rng = np.random.default_rng(8)
    near = _flip(videos[1], 20, rng)
    far = _random_hashes(rng, 10)
    eight_of_ten = _vpdq(np.vstack([near[:8], far[:2]]))
    seven_of_ten = _vpdq(np.vstack([near[:7], far[:3]]))

    hits = {m.entry_id: m for m in index.query(eight_of_ten, 31)}

    assert set(hits) == {1, 4}
    assert hits[1].distance == 20 and hits[4].distance == 20
    assert hits[1].detail == {"query_match_percent": 80.0, "compared_match_percent": 80.0}
    assert hits[4].detail == {"query_match_percent": 80.0, "compared_match_percent": 40.0}
    assert index.query(seven_of_ten, 31) == []
    assert index.query(eight_of_ten, 19) == []


def test_index_agrees_with_pairwise_comparison(
    bank: tuple[VpdqIndex, dict[int, np.ndarray]],
) -> None:
    index, videos = bank
    rng = np.random.default_rng(9)
    for distance in (0, 25, 31, 32, 40):
        query = _vpdq(_flip(videos[2], distance, rng))
        expected = {
            e
            for e, v in videos.items()
            if compare_vpdq(parse_vpdq(query), parse_vpdq(_vpdq(v))).matched
        }
        assert {m.entry_id for m in index.query(query, 31)} == expected
        assert (2 in expected) == (distance <= 31)


def test_low_quality_frames_never_count(bank: tuple[VpdqIndex, dict[int, np.ndarray]]) -> None:
    index, videos = bank

    assert index.query(_vpdq(videos[3], quality=49), 31) == []
    assert [m.entry_id for m in index.query(_vpdq(videos[3], quality=50), 31)] == [3]


def test_index_add_and_remove(bank: tuple[VpdqIndex, dict[int, np.ndarray]]) -> None:
    index, videos = bank
    query = _vpdq(videos[3])

    index.remove(3)
    index.remove(99)
    assert index.query(query, 31) == [] and len(index) == 3
    index.add(query, 30)
    assert [m.entry_id for m in index.query(query, 31)] == [30]
    index.add(_vpdq(videos[2]), 30)  # re-adding an id replaces its frames
    assert index.query(query, 31) == [] and len(index) == 4


def test_index_save_load_round_trip(
    bank: tuple[VpdqIndex, dict[int, np.ndarray]], tmp_path: Path
) -> None:
    index, videos = bank
    index.remove(2)
    index.add(_vpdq(videos[2][:5]), 20)
    path = tmp_path / "idx" / "vpdq.npz"

    index.save(path)
    loaded = VpdqIndex.load(path)

    assert len(loaded) == len(index) == 4
    for v in videos.values():
        for cut in (v, v[:5]):
            assert loaded.query(_vpdq(cut), 31) == index.query(_vpdq(cut), 31)
    assert [p.name for p in path.parent.iterdir()] == ["vpdq.npz"]


def test_corrupt_index_file_is_a_storage_error(
    bank: tuple[VpdqIndex, dict[int, np.ndarray]], tmp_path: Path
) -> None:
    index, _ = bank
    path = tmp_path / "vpdq.npz"
    index.save(path)
    data = path.read_bytes()
    tampered = tmp_path / "tampered.npz"
    with np.load(path) as arrays:
        fields = {k: arrays[k] for k in arrays.files}
    fields["frame_hashes"] = fields["frame_hashes"].copy()
    fields["frame_hashes"][0, 0] ^= 1
    np.savez(tampered, **fields)

    for name, content in {
        "truncated.npz": data[: len(data) // 2],
        "flipped.npz": data[:300] + bytes([data[300] ^ 0xFF]) + data[301:],
        "garbage.npz": b"not an index",
        "tampered.npz": tampered.read_bytes(),
    }.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(StorageError, match="corrupt"):
            VpdqIndex.load(tmp_path / name)


def test_index_query_on_a_real_video(hashes: dict[str, str]) -> None:
    index = VpdqIndex.build([(hashes["original"], 1), (hashes["mandelbrot"], 2)])

    hits = index.query(hashes["smaller"], 31)

    assert [m.entry_id for m in hits] == [1]
    assert hits[0].detail is not None and hits[0].detail["query_match_percent"] >= 80
    # 2 s of the original then 8 s of mandelbrot: 80 % of its frames are mandelbrot's.
    assert [m.entry_id for m in index.query(hashes["clip"], 31)] == [2]
    assert index.query(hashes["bars"], 31) == []
