"""Agreement of childguard's vPDQ with the published sample hashes of facebook/ThreatExchange.

Runs only when ``CHILDGUARD_VPDQ_SAMPLES`` names a folder laid out as::

    $CHILDGUARD_VPDQ_SAMPLES/
      videos/<name>.mp4     the videos of ThreatExchange's tmk/sample-videos/
      hashes/<name>.txt     ThreatExchange's vpdq/sample-hashes/<name>.txt (every frame hashed;
                            one "frame,quality,pdq hex,timestamp" line per frame)

(``git show HEAD:tmk/sample-videos/X.mp4`` and ``git show HEAD:vpdq/sample-hashes/X.txt`` in a
clone of the repository.) The ``-WxH.txt`` downsampled hash files are not used. Videos without a
hash file, and hash files without a video, are skipped. The files are public but large, so they
are never committed here.

For each video: hashing every frame gives as many frames as the sample, the same quality (within
2) for each frame, and every frame that has quality >= 50 on either side is within 31 bits of the
sample's frame (vpdq's own regression test checks only frames good on both sides). Frames below
50 are exempt: a near-black frame (quality 0-2, e.g. the fade-out of doorknob-hd-no-bar) has a
hash made of rounding noise that differs between libav builds by up to ~76 bits, which is why
such frames never take part in matching.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from childguard.config import Settings
from childguard.media.signals.base import ContentKind, MediaFile
from childguard.media.signals.vpdq import (
    FRAME_THRESHOLD,
    MIN_QUALITY,
    hash_video,
    hashes_to_bits,
    parse_vpdq,
)

ENV = "CHILDGUARD_VPDQ_SAMPLES"


def _sample_videos() -> list[Path]:
    root = os.environ.get(ENV)
    if not root:
        return []
    folder = Path(root)
    return sorted(
        v
        for v in (folder / "videos").glob("*.mp4")
        if (folder / "hashes" / f"{v.stem}.txt").is_file()
    )


SAMPLES = _sample_videos()


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLES, reason=f"set {ENV} to a folder of vPDQ sample videos and hashes")
@pytest.mark.parametrize("video", SAMPLES, ids=[v.stem for v in SAMPLES])
def test_every_frame_agrees_with_the_sample_hash(video: Path, tmp_path: Path) -> None:
    expected = parse_vpdq((video.parent.parent / "hashes" / f"{video.stem}.txt").read_text())
    media = MediaFile(video, "video/mp4", ContentKind.VIDEO, video.stat().st_size)

    ours = hash_video(media, Settings(data_dir=tmp_path), seconds_per_hash=0)

    assert len(ours) == len(expected)
    distances = np.bitwise_count(
        hashes_to_bits([f.pdq_hex for f in ours]) ^ hashes_to_bits([f.pdq_hex for f in expected])
    ).sum(axis=1)
    good = np.array(
        [max(a.quality, b.quality) >= MIN_QUALITY for a, b in zip(ours, expected, strict=True)]
    )
    assert good.any()
    worst = int(np.where(good, distances, -1).argmax())
    assert distances[worst] <= FRAME_THRESHOLD, f"frame {worst} is {distances[worst]} bits off"
    assert [f.quality for f in ours] == pytest.approx([f.quality for f in expected], abs=2)
