"""Memory of the server under hostile images: four 9999x9999 PNGs scanned in parallel.

Usage: ``python bench/memory_bench.py [--clients 4] [--side 9999]``

Each scenario runs in a fresh process (so memory freed by one cannot hide the next's), builds
the app on a temporary SQLite database, scans the same small-file, huge-pixel PNG (flat colour,
about 300 kB) from ``--clients`` threads at once through ``POST /v1/scan``, and samples the
process's resident memory every 5 ms. It prints the peak above the idle process (after start-up
and one warm-up scan of a small image), the statuses and the time:

- ``default``: the default settings (the 50-megapixel cap answers 413 before decoding),
- ``cap raised``: ``CHILDGUARD_MAX_PIXELS=100000000`` with the default pixel budget, so the
  images are decoded, as many at once as the budget holds,
- ``no budget``: the cap raised and a budget so large it never waits: what the budget saves.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCENARIOS: dict[str, dict[str, object]] = {
    "default": {},
    "cap raised": {"max_pixels": 100_000_000},
    "no budget": {"max_pixels": 100_000_000, "decode_pixel_budget": 10**12},
}


def rss_bytes() -> int:
    """Resident memory of this process, from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def huge_png(side: int) -> bytes:
    """A flat-colour PNG of ``side`` x ``side`` pixels (small file, large image)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (side, side), (120, 130, 140)).save(buf, "PNG", compress_level=9)
    return buf.getvalue()


def run_scenario(name: str, clients: int, png: Path) -> dict[str, object]:
    """One scenario in this process: the peak memory above idle while ``clients`` scans run."""
    from fastapi.testclient import TestClient
    from PIL import Image

    from childguard.api.app import create_app
    from childguard.auth import create_key, ensure_org
    from childguard.config import Settings

    data = Path(tempfile.mkdtemp(prefix="cg-membench-"))
    settings = Settings(data_dir=data, database_url=None, **SCENARIOS[name])
    app = create_app(settings, start_poller=False)
    body = png.read_bytes()
    with TestClient(app) as client:
        with app.state.cg.db.session() as s:
            key = create_key(s, ensure_org(s, "bench"), "platform").secret
        headers = {"Authorization": f"Bearer {key}"}
        small = io.BytesIO()
        Image.new("RGB", (640, 480), (1, 2, 3)).save(small, "PNG")
        warm = client.post("/v1/scan", headers=headers, files={"file": ("s.png", small.getvalue())})
        assert warm.status_code == 200, warm.text
        idle = rss_bytes()
        peak = [idle]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.005):
                peak[0] = max(peak[0], rss_bytes())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()

        def scan(_: int) -> int:
            files = {"file": ("huge.png", body, "image/png")}
            return client.post("/v1/scan", headers=headers, files=files).status_code

        with ThreadPoolExecutor(clients) as pool:
            statuses = list(pool.map(scan, range(clients)))
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    return {
        "scenario": name,
        "statuses": statuses,
        "idle_mb": round(idle / 2**20),
        "peak_above_idle_mb": round((peak[0] - idle) / 2**20),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    """Run every scenario in a child process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--side", type=int, default=9999)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--png", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.clients, Path(args.png))))
        return
    png = Path(tempfile.mkdtemp(prefix="cg-membench-png-")) / "huge.png"
    png.write_bytes(huge_png(args.side))
    print(f"{args.clients} clients, one {args.side}x{args.side} PNG of {png.stat().st_size} bytes")
    print(f"{'scenario':12} {'statuses':24} {'idle MB':>8} {'peak above idle MB':>19} {'s':>6}")
    for name in SCENARIOS:
        command = [sys.executable, __file__, "--scenario", name, "--png", str(png)]
        command += ["--clients", str(args.clients)]
        out = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{name:12} {row['statuses']!s:24} {row['idle_mb']:>8} "
            f"{row['peak_above_idle_mb']:>19} {row['seconds']:>6}"
        )


if __name__ == "__main__":
    main()
