"""Media intelligence speed: milliseconds per 1.5-megapixel photo on one core, OCR off.

Usage: ``python bench/intel_bench.py [--count N] [--rounds R]``

Generates ``--count`` benign 1500x1000 JPEG photos (the public PDQ test images, cropped,
mirrored and resized; the same kind ``hash_bench`` uses) and runs ``IntelEngine.analyze`` on each
with OCR off (metadata, text detector, faces, nudity score), one thread for onnxruntime and
OpenCV. Prints the best round's and the median per-image time, and each part's share, against
the 40 ms target of issue 20. The best round is the one least disturbed by other load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from childguard.config import Settings
from childguard.media.intel.analyze import IntelEngine
from childguard.media.sniff import sniff_file
from childguard.textrisk.engine import RiskEngine

SOURCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pdq" / "images"
TARGET_MS = 40.0


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
        rounds = []
        for _ in range(args.rounds):
            times = []
            for m in media:
                start = time.perf_counter()
                engine.analyze(m)
                times.append((time.perf_counter() - start) * 1000)
            rounds.append(times)
        best = min(rounds, key=statistics.median)
        parts = {}
        m = media[0]
        for name, flags in {
            "metadata + decode only": {"intel_faces": False, "intel_nudity": False},
            "+ faces": {"intel_nudity": False},
            "+ nudity (all, no OCR)": {},
        }.items():
            e = IntelEngine(settings.model_copy(update=flags), lambda: RiskEngine.load(settings))
            e.analyze(m)
            parts[name] = min(_time(e, m) for _ in range(args.rounds * 3))
    print(f"onnxruntime {onnxruntime.__version__}, OpenCV {cv2.__version__}, one thread")
    print(f"{args.count} photos of 1500x1000, {args.rounds} rounds, OCR off")
    print(
        f"best round: median {statistics.median(best):.1f} ms, mean {statistics.mean(best):.1f} ms"
    )
    print(
        f"all rounds: median {statistics.median([t for r in rounds for t in r]):.1f} ms per photo"
    )
    for name, ms in parts.items():
        print(f"  {name:28s} {ms:6.1f} ms (best of {args.rounds * 3})")
    verdict = "meets" if statistics.median(best) <= TARGET_MS else "misses"
    print(f"target {TARGET_MS:.0f} ms per photo: {verdict}")


def _time(engine: IntelEngine, media: object) -> float:
    start = time.perf_counter()
    engine.analyze(media)  # type: ignore[arg-type]
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
