"""Media intelligence speed: milliseconds per 1.5-megapixel photo on one core, OCR off.

Usage: ``python bench/intel_bench.py [--count N] [--rounds R]``

Generates ``--count`` benign 1500x1000 JPEG photos (the public PDQ test images, cropped,
mirrored and resized; the same kind ``hash_bench`` uses) and runs ``IntelEngine.analyze`` on each
with OCR off, one thread for onnxruntime and OpenCV. Prints, per photo, each step's CPU time
(this thread's, so other processes on a loaded machine disturb it less than the wall clock) and
wall time, the median over rounds of each round's median, the ratio of each to the decode alone
(decode + metadata), the load average, and what the signals add to the decode against the 40 ms
target of issue 20. The text detector is timed apart: with OCR off it does not run. Last, the
face count's reach: how many of 12 photos with one synthetic (drawn) face of a given fraction of
the long side it counts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from childguard.config import Settings
from childguard.media.intel.analyze import IntelEngine
from childguard.media.intel.metadata import photo_metadata
from childguard.media.intel.nudity import INPUT_SIZE
from childguard.media.intel.shared_image import FACE_SIDE, SharedImage
from childguard.media.intel.textdetect import detect_text
from childguard.media.signals.base import MediaFile
from childguard.media.sniff import sniff_file
from childguard.textrisk.engine import RiskEngine
from tests.intel_images import photo_with_face

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdq" / "images"
TARGET_MS = 40.0
#: Face sizes, as fractions of the photo's long side, whose detection rate the bench prints.
FACE_FRACTIONS = (0.10, 0.125, 0.15, 0.17, 0.2, 0.3)


def make_photos(folder: Path, count: int) -> list[Path]:
    """``count`` benign 1.5 MP JPEGs from the PDQ test images (or smooth noise without them)."""
    rng = random.Random(3)
    sources = sorted(SOURCE.glob("*.jpg")) if SOURCE.is_dir() else []
    out = []
    for i in range(count):
        if sources:
            with Image.open(rng.choice(sources)) as src:
                img = src.convert("RGB")
            w, h = img.size
            box = (rng.randint(0, w // 8), rng.randint(0, h // 8), w, h)
            img = img.crop(box)
            if rng.random() < 0.5:
                img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        else:
            base = np.random.default_rng(i).integers(0, 255, (10, 15, 3), dtype=np.uint8)
            img = Image.fromarray(base)
        path = folder / f"photo{i:03d}.jpg"
        img.resize((1500, 1000), Image.Resampling.BICUBIC).save(path, quality=90)
        out.append(path)
    return out


def main() -> None:
    """Run the benchmark and print its figures."""
    import cv2
    import onnxruntime

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), intel_ocr=False)
        photos = make_photos(Path(tmp), args.count)
        media = [sniff_file(p, settings) for p in photos]
        engine = IntelEngine(settings, lambda: RiskEngine.load(settings))
        engine.analyze(media[0])  # load the models
        faces, nudity = engine.faces(), engine.nudity()
        steps: dict[str, Callable[[Any], Any]] = {
            "decode + metadata": lambda m: _decode(m),
            "text detector": lambda shared: detect_text(shared.grey),
            "faces": lambda shared: faces.count(shared.grey_at_most(FACE_SIDE)),
            "nudity": lambda shared: nudity.score_square(shared.square(INPUT_SIZE)),
            "all, OCR off": lambda m: engine.analyze(m),
        }
        cpu: dict[str, list[float]] = {name: [] for name in steps}
        wall: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(args.rounds):
            round_cpu: dict[str, list[float]] = {name: [] for name in steps}
            round_wall: dict[str, list[float]] = {name: [] for name in steps}
            for m in media:
                shared = _decode(m)
                for name, step in steps.items():
                    arg = m if name in ("decode + metadata", "all, OCR off") else _fresh(shared)
                    c0, w0 = time.thread_time(), time.perf_counter()
                    step(arg)
                    round_cpu[name].append((time.thread_time() - c0) * 1000)
                    round_wall[name].append((time.perf_counter() - w0) * 1000)
            for name in steps:
                cpu[name].append(statistics.median(round_cpu[name]))
                wall[name].append(statistics.median(round_wall[name]))
        reach = _face_reach(photos, faces)
    load = os.getloadavg()
    print(f"onnxruntime {onnxruntime.__version__}, OpenCV {cv2.__version__}, one thread")
    print(f"{args.count} photos of 1500x1000, {args.rounds} rounds, OCR off")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print("per photo, median over rounds of each round's median (CPU = this thread's time):")
    base = statistics.median(cpu["decode + metadata"])
    for name in steps:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"  {name:20s} CPU {c:6.1f} ms  wall {w:6.1f} ms  {c / base:5.2f}x decode")
    total = statistics.median(cpu["all, OCR off"])
    added = total - base
    verdict = "meets" if added <= TARGET_MS else "misses"
    print(
        f"intelligence adds {added:.1f} ms CPU per photo to the decode ({total:.1f} ms in all); "
        f"target {TARGET_MS:.0f} ms: {verdict}"
    )
    print(f"synthetic faces counted, of {len(reach[FACE_FRACTIONS[0]])} photos, by size:")
    print("  " + "  ".join(f"{f:.1%}: {sum(found)}" for f, found in reach.items()))


def _face_reach(photos: list[Path], faces: Any) -> dict[float, list[bool]]:
    """Per face size, whether the face count found the one face pasted into each photo."""
    rng = random.Random(5)
    backgrounds = [np.asarray(Image.open(p).convert("RGB")) for p in photos[:12]]
    reach: dict[float, list[bool]] = {}
    for fraction in FACE_FRACTIONS:
        found = []
        for i in range(12):
            rgb = photo_with_face(
                backgrounds[i % len(backgrounds)], fraction, (rng.random(), rng.random())
            )
            shared = SharedImage.decode(Image.fromarray(rgb))
            found.append(faces.count(shared.grey_at_most(FACE_SIDE)) >= 1)
        reach[fraction] = found
    return reach


def _decode(media: MediaFile) -> SharedImage:
    with media.open() as handle, Image.open(handle) as image:
        photo_metadata(image)
        return SharedImage.decode(image)


def _fresh(shared: SharedImage) -> SharedImage:
    """A copy without derived images, so each step pays for the copies it makes."""
    return SharedImage(shared.rgb)


if __name__ == "__main__":
    main()
