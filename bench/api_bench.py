"""HTTP API throughput and latency: childguard's server against Meta's HMA, side by side.

Usage: ``python bench/api_bench.py [--quick] [--hma] [--bank-size N] [--duration S] [--rounds R]``

Generates benign ~0.5-megapixel JPEGs (derived from the public PDQ test images) and a bank of
random PDQ hashes with some of the photos' own hashes planted, so some scans match. Then, for 1
and 2 server workers, starts ``childguard serve`` (and with ``--hma`` HMA's gunicorn through
$HMA_DIR/start_hma.sh) in subprocesses and drives them from this process over loopback with
a pool of keep-alive HTTP clients for a fixed duration:

- scans: ``POST /v1/scan`` (and childguard's HMA-compatible ``POST /m/lookup`` when present;
  HMA's own ``POST /m/lookup``), one photo per request;
- lookups: ``POST /v1/lookup`` with one hash (and ``GET /m/lookup``), 10 % of them planted hashes.

It also measures the API's overhead at concurrency 1: each photo is hashed in this process with
``childguard.media.scan.hash_data`` (single thread, as the server hashes an upload), then
scanned in this process as the server's handler does it (hash, match, audit), then sent through
``POST /v1/scan``, alternately, so all three see the same machine conditions. Beside it, the
floor of the stack: a bare ASGI app on the same uvicorn that only hashes the body
(``bench/floor_app.py``), and the same app doing no work, which shows what the transport
alone costs after the server idled for one hashing time and back to back. Finally it measures
how long a new bank entry takes to become matchable on the server that took it and on a second
server sharing the database.
All HTTP requests come from a lean keep-alive client (``RawClient``), the same for both systems.
Phases of the systems interleave round by round; a phase's best round is reported (least
disturbed by other load on the machine) together with server CPU seconds per request. Results are
printed as tables and written to ``.bench-data/api_bench.json``.

HMA's code is not part of childguard and is never committed: with ``--hma`` it runs from
$HMA_DIR (default ``../hma-work`` beside the repository), a local checkout of
facebook/ThreatExchange's hasher-matcher-actioner in its own virtualenv with a local PostgreSQL,
started by a ``start_hma.sh [WORKERS] [PORT]`` script there (gunicorn, jemalloc,
``OMP_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance

from bench_data import photo_sources
from childguard.config import Settings
from childguard.media.scan import hash_data, hash_file
from childguard.runtime import tune_allocator

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".bench-data"
HMA_DIR = Path(os.environ.get("HMA_DIR", str(Path(__file__).resolve().parents[2] / "hma-work")))
HMA_BANK = "CG_BENCH"
HMA_NEW_BANK = "CG_BENCH_NEW"
CG_BANK = "BIG"
PHOTO_SIZE = (860, 600)
BOUNDARY = "cgbench7d1f0a"
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: childguard / HMA throughput targets (issue 13): scans and lookups.
SCAN_RATIO_TARGET = 2.5
LOOKUP_RATIO_TARGET = 9.0

Request = tuple[str, str, bytes, dict[str, str]]


# ---------------------------------------------------------------- data -----------------------


def make_photos(folder: Path, count: int, settings: Settings, seed: int = 5) -> list[Path]:
    """Benign 860x600 JPEGs derived from the public PDQ test images (cached in ``folder``).

    Candidates whose PDQ quality is below 60 are skipped (HMA answers 400 for quality < 50).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    bases = []
    for source in photo_sources():
        with Image.open(source) as src:
            bases.append(src.convert("RGB"))
    paths: list[Path] = []
    for i in itertools.count():
        if len(paths) >= count:
            break
        path = folder / f"photo-{i:04d}.jpg"
        base = bases[i % len(bases)]
        w, h = base.size
        cw, ch = int(w * rng.uniform(0.5, 1.0)), int(h * rng.uniform(0.5, 1.0))
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        flip, colour, bright = rng.random() < 0.5, rng.uniform(0.4, 1.6), rng.uniform(0.7, 1.3)
        if not path.exists():
            im = base.crop((x0, y0, x0 + cw, y0 + ch)).resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
            if flip:
                im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            im = ImageEnhance.Brightness(ImageEnhance.Color(im).enhance(colour)).enhance(bright)
            im.save(path, quality=88)
        _, signals = hash_file(path, settings)
        if (signals["pdq"].quality or 0) >= 60:
            paths.append(path)
    return paths


def photo_hashes(paths: list[Path], settings: Settings) -> list[str]:
    """childguard's PDQ hash of each photo."""
    return [hash_file(p, settings)[1]["pdq"].value for p in paths]


def make_bank(path: Path, size: int, planted: list[str], seed: int = 11) -> str:
    """Write ``size`` random PDQ hashes (``planted`` among them) one per line; returns a digest."""
    if not path.exists():
        rng = np.random.default_rng(seed)
        raw = rng.integers(0, 256, size=(size - len(planted), 32), dtype=np.uint8)
        lines = [row.tobytes().hex() for row in raw]
        for h in planted:
            lines.insert(int(rng.integers(0, len(lines) + 1)), h)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.rename(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def random_hashes(count: int, seed: int) -> list[str]:
    """Fresh random PDQ hashes (practically never within distance 31 of the bank)."""
    rng = np.random.default_rng(seed)
    return [r.tobytes().hex() for r in rng.integers(0, 256, size=(count, 32), dtype=np.uint8)]


def multipart(field_name: str, filename: str, data: bytes) -> tuple[bytes, dict[str, str]]:
    """One-file multipart/form-data body and its headers."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    body = head + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


# ---------------------------------------------------------------- processes ------------------


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_cpu(roots: list[int]) -> float:
    """User+system CPU seconds of ``roots`` and all their live descendants (and reaped ones)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        pid = int(entry)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    total, seen, todo = 0, set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        f = stats[pid]
        total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


def call(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, bytes]:
    """One request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class RawClient:
    """A lean keep-alive HTTP/1.1 client on one socket, for load and latency measurements.

    ``http.client`` spends about 0.45 ms of client CPU per 140 kB upload here, where this costs
    about 0.03 ms (both measured against a bare ASGI app on uvicorn). The client shares the two
    cores with the server under test, so its cost would be charged to whichever system is
    measured. Answers must carry ``Content-Length`` or be chunked; ``Connection: close`` is
    honoured by reconnecting on the next request.
    """

    def __init__(self, port: int, timeout: float = 120.0) -> None:
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = bytearray()

    def wire(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """The request's bytes, built once and sent as they are."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def send(self, wire: bytes) -> tuple[int, bytes]:
        """Send one prepared request; returns (status, body). Raises OSError on a bad answer."""
        if self._sock is None:
            self._sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buf.clear()
        self._sock.sendall(wire)
        head = self._until(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            body = self._take(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self._until(b"\r\n").split(b";")[0], 16):
                parts.append(self._take(size))
                self._until(b"\r\n")
            self._until(b"\r\n")
            body = b"".join(parts)
        else:
            raise OSError("answer without Content-Length or chunked encoding")
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def _fill(self) -> None:
        assert self._sock is not None
        data = self._sock.recv(1 << 18)
        if not data:
            raise OSError("connection closed by the server")
        self._buf += data

    def _until(self, mark: bytes) -> bytes:
        while (at := self._buf.find(mark)) < 0:
            self._fill()
        out = bytes(self._buf[:at])
        del self._buf[: at + len(mark)]
        return out

    def _take(self, size: int) -> bytes:
        while len(self._buf) < size:
            self._fill()
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out

    def close(self) -> None:
        """Close the socket (the next request reconnects)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def wait_until(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.5) -> float:
    """Poll ``check`` until true; returns the seconds waited (raises after ``timeout``)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if check():
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(poll)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Target:
    """A running server under test and how to talk to it."""

    name: str
    port: int
    workers: int
    roots: Callable[[], list[int]]
    scan: Callable[[bytes], Request]
    lookup: Callable[[str], Request]
    is_match: Callable[[bytes], bool]
    scan_routes: dict[str, Callable[[bytes], Request]] = field(default_factory=dict)
    lookup_routes: dict[str, Callable[[str], Request]] = field(default_factory=dict)


class ChildguardServer:
    """``childguard serve`` in a subprocess of its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        exe = str(Path(sys.executable).parent / "childguard")
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [
                exe,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 600) -> float:
        """Seconds until ``GET /readyz`` answers 200."""

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"childguard serve exited with {self.proc.returncode}")
            return call(self.port, "GET", "/readyz", timeout=5)[0] == 200

        return wait_until(ready, timeout, "childguard /readyz", 0.2)

    def stop(self) -> None:
        """Interrupt the server (its own process group) and wait for it."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


# ---------------------------------------------------------------- load -----------------------


@dataclass
class Phase:
    """The figures of one load phase."""

    target: str
    workers: int
    route: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_s: float
    client_cpu_s: float
    server_cpu_ms_per_req: float
    matched: int
    load_avg: float
    first_error: str = ""


def drive(
    target: Target,
    route: str,
    requests: list[Request],
    concurrency: int,
    duration: float,
    warmup: float = 1.0,
) -> Phase:
    """Send ``requests`` round-robin from ``concurrency`` keep-alive clients for ``duration`` s."""
    counter = itertools.count()
    lat: list[float] = []
    errors: list[str] = []
    matched = [0]
    lock = threading.Lock()
    start_evt = threading.Event()
    t_start = [0.0]
    t_end = [0.0]

    wires = [RawClient(target.port).wire(*r) for r in requests]

    def worker() -> None:
        conn = RawClient(target.port)
        mine: list[float] = []
        hits = 0
        start_evt.wait()
        while True:
            now = time.perf_counter()
            if now >= t_end[0]:
                break
            try:
                status, data = conn.send(wires[next(counter) % len(wires)])
            except (OSError, ValueError, IndexError) as exc:
                conn.close()
                status, data = 0, type(exc).__name__.encode()
            done = time.perf_counter()
            if now < t_start[0]:
                continue  # warm-up
            if status != 200:
                with lock:
                    errors.append(f"{status} {data[:200]!r}")
            else:
                mine.append(done - now)
                hits += target.is_match(data)
        conn.close()
        with lock:
            lat.extend(mine)
            matched[0] += hits

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    t_start[0], t_end[0] = now + warmup, now + warmup + duration
    time.sleep(max(0.0, warmup - 0.05))
    cpu0, ccpu0 = tree_cpu(target.roots()), time.process_time()
    start_evt.set()
    for t in threads:
        t.join()
    cpu1, ccpu1 = tree_cpu(target.roots()), time.process_time()
    lat.sort()
    n = len(lat)

    def pct(q: float) -> float:
        return lat[min(n - 1, int(q * n))] * 1000 if n else float("nan")

    server_cpu = cpu1 - cpu0
    return Phase(
        target=target.name,
        workers=target.workers,
        route=route,
        concurrency=concurrency,
        requests=n,
        errors=len(errors),
        seconds=duration,
        rate=n / duration,
        p50_ms=pct(0.50),
        p99_ms=pct(0.99),
        mean_ms=statistics.fmean(lat) * 1000 if n else float("nan"),
        server_cpu_s=server_cpu,
        client_cpu_s=ccpu1 - ccpu0,
        server_cpu_ms_per_req=server_cpu / n * 1000 if n else float("nan"),
        matched=matched[0],
        load_avg=os.getloadavg()[0],
        first_error=errors[0] if errors else "",
    )


def hash_direct(paths: list[Path], settings: Settings, seconds: float) -> dict[str, float]:
    """Hash the photos' bytes as the server does (``hash_data``) for ``seconds``: mean, p50 ms."""
    times: list[float] = []
    blobs = [(p.name, p.read_bytes()) for p in paths]
    cpu0 = time.process_time()
    t_end = time.perf_counter() + seconds
    for name, data in itertools.cycle(blobs):
        t0 = time.perf_counter()
        if t0 >= t_end:
            break
        hash_data(data, name, settings)
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    return {
        "count": len(times),
        "mean_ms": statistics.fmean(times) * 1000,
        "p50_ms": statistics.median(times) * 1000,
        "cpu_ms": cpu / len(times) * 1000,
    }


class LocalScan:
    """The server's scan work done in this process, for the API-overhead measurement.

    ``scan_received`` is what a ``POST /v1/scan`` request runs on its worker thread: hashing,
    matching all eight orientations against every visible bank, and the audit record of a
    match. Here it runs on the same database and saved index as the server (``env``), so
    API time minus this time is what HTTP, routing, authentication and thread hand-offs add.
    """

    def __init__(self, env: dict[str, str], key: str) -> None:
        from childguard.api.metrics import Metrics
        from childguard.api.state import AppState
        from childguard.media.matcher import Matcher
        from childguard.store.db import Database

        self.settings = Settings(
            data_dir=Path(env["CHILDGUARD_DATA_DIR"]),
            database_url=env.get("CHILDGUARD_DATABASE_URL") or None,
        )
        db = Database.open(self.settings)
        matcher = Matcher(db, self.settings, persist=True)
        self.state = AppState(settings=self.settings, db=db, matcher=matcher, metrics=Metrics())
        self.principal = self.state.authenticate(f"Bearer {key}")

    def scan(self, data: bytes) -> None:
        """Scan ``data`` exactly as the server's handler does once the upload is received."""
        from childguard.api.routes.scan import scan_received
        from childguard.api.uploads import ReceivedUpload, UploadBuffer

        with UploadBuffer(self.settings, "photo.jpg") as buf:
            buf.write(data)
            scan_received(self.state, self.principal, ReceivedUpload(buf, "file"))

    def close(self) -> None:
        """Release the database and worker threads."""
        self.state.workers.shutdown()
        self.state.db.dispose()


def overhead_interleaved(
    port: int, key: str, blobs: list[bytes], local: LocalScan, rounds: int
) -> dict[str, float]:
    """API overhead at concurrency 1, measured alternately with the same work in process.

    For each photo: ``hash_data`` in this process, then ``LocalScan.scan`` (hashing plus
    matching plus audit, as the server's handler runs it), then the same bytes through
    ``POST /v1/scan`` (multipart, as in the scan phases). Alternating keeps all three under
    the same machine conditions, which drift on shared cores. Returns medians and two ratios
    to the hashing time: ``overhead`` (API minus hashing: everything the service adds) and
    ``http_overhead`` (API minus the in-process scan: what serving it over HTTP adds).
    """
    client = RawClient(port)
    auth = {"Authorization": f"Bearer {key}"}
    wires = []
    for data in blobs:
        body, headers = multipart("file", "photo.jpg", data)
        wires.append(client.wire("POST", "/v1/scan", body, {**auth, **headers}))
    count, (d, sc, a) = alternate(
        rounds,
        len(blobs),
        lambda i: hash_data(blobs[i], "photo.jpg", local.settings),
        lambda i: local.scan(blobs[i]),
        lambda i: _expect_ok(client.send(wires[i]), "POST /v1/scan"),
    )
    client.close()
    return {
        "pairs": count,
        "direct_ms": d,
        "scan_ms": sc,
        "api_ms": a,
        "overhead": (a - d) / d,
        "http_overhead": (a - sc) / d,
    }


def alternate(rounds: int, items: int, *steps: Callable[[int], object]) -> tuple[int, list[float]]:
    """Run every step on item 0, then on item 1, ..., ``rounds`` times after one warm-up round.

    Returns the number of timed runs per step and each step's median in ms.
    """
    times: list[list[float]] = [[] for _ in steps]
    for r in range(rounds + 1):
        for i in range(items):
            for step, out in zip(steps, times, strict=True):
                t0 = time.perf_counter()
                step(i)
                if r:
                    out.append(time.perf_counter() - t0)
    return len(times[0]), [statistics.median(t) * 1000 for t in times]


def _expect_ok(answer: tuple[int, bytes], what: str) -> None:
    if answer[0] != 200:
        raise RuntimeError(f"{what} answered {answer[0]}")


def stack_floor(blobs: list[bytes], settings: Settings, rounds: int) -> dict[str, dict[str, float]]:
    """The overhead a bare ASGI app on the same uvicorn pays to hash an upload (the floor).

    ``bench/floor_app.py`` hashes the raw request body and answers, nothing else; it runs with
    the hashing on a worker thread (as childguard's handlers do) and on the event loop. Each
    photo is hashed here, then sent to it, alternately. Returns, per mode, medians and the
    overhead ratio to the hashing time; under ``transport``, what ``transport_floor`` measures.
    """
    out = {mode: _floor_run(mode, blobs, settings, rounds) for mode in ("thread", "inline")}
    out["transport"] = transport_floor(blobs, settings, rounds)
    return out


def _floor_run(mode: str, blobs: list[bytes], settings: Settings, rounds: int) -> dict[str, float]:
    with floor_app(mode, blobs) as send:
        count, (d, a) = alternate(rounds, len(blobs), _hasher(blobs, settings), send)
    return {"pairs": count, "direct_ms": d, "api_ms": a, "overhead": (a - d) / d}


def transport_floor(blobs: list[bytes], settings: Settings, rounds: int) -> dict[str, float]:
    """What carrying an upload over loopback costs, with the server idle before it and warm.

    The floor app without any work (``FLOOR_WORK=none``) reads the body and answers. ``idle_ms``
    is its median round trip when each request follows a ``hash_data`` of the photo here, as in
    the overhead measurement (the server has sat idle for one hashing time, and on a virtual
    machine an idle vCPU must be woken); ``warm_ms`` when requests follow each other. Both are
    also given as ratios to the hashing time: no server on this stack and machine can add less
    than ``idle_overhead`` in the alternating measurement.
    """
    with floor_app("none", blobs) as send:
        count, (d, idle) = alternate(rounds, len(blobs), _hasher(blobs, settings), send)
        _, (warm,) = alternate(rounds, len(blobs), send)
    return {
        "pairs": count,
        "direct_ms": d,
        "idle_ms": idle,
        "warm_ms": warm,
        "idle_overhead": idle / d,
        "warm_overhead": warm / d,
    }


def _hasher(blobs: list[bytes], settings: Settings) -> Callable[[int], object]:
    return lambda i: hash_data(blobs[i], "photo.jpg", settings)


@contextmanager
def floor_app(work: str, blobs: list[bytes]) -> Iterator[Callable[[int], None]]:
    """``bench/floor_app.py`` on uvicorn with ``FLOOR_WORK=work``.

    Yields ``send(i)``: POST ``blobs[i]`` as the raw body, raising unless the answer is 200.
    """
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(REPO / "bench"),
            "floor_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=dict(os.environ, FLOOR_WORK=work),
        start_new_session=True,
    )
    client = RawClient(port)
    kind = {"Content-Type": "application/octet-stream"}
    wires = [client.wire("POST", "/", data, kind) for data in blobs]
    try:
        wait_until(partial(_port_open, port), 60, "the floor app", 0.1)
        yield lambda i: _expect_ok(client.send(wires[i]), "the floor app")
    finally:
        client.close()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(30)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# ---------------------------------------------------------------- childguard -----------------


def run_cli(args: list[str], env: dict[str, str]) -> str:
    """Run a ``childguard`` command; return its stdout (raise with stderr on failure)."""
    exe = str(Path(sys.executable).parent / "childguard")
    proc = subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"childguard {' '.join(args[:3])} failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def prepare_childguard(
    bank_file: Path, digest: str, database_url: str | None
) -> tuple[dict[str, str], str]:
    """A data directory with bank BIG imported from ``bank_file``; returns (env, platform key)."""
    data_dir = DATA / f"cg-{digest}"
    env = dict(os.environ, CHILDGUARD_DATA_DIR=str(data_dir), CHILDGUARD_ORG="local")
    if database_url:
        env["CHILDGUARD_DATABASE_URL"] = database_url
    marker = data_dir / "bench-ready.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("database_url") == database_url:
            return env, str(info["key"])
    data_dir.mkdir(parents=True, exist_ok=True)
    run_cli(["org", "create", "local"], env)
    key = run_cli(["key", "create", "--org", "local", "--role", "platform"], env).split()[-1]
    t0 = time.monotonic()
    run_cli(["bank", "import", CG_BANK, str(bank_file), "--signal", "pdq", "--create"], env)
    print(f"  childguard: imported {bank_file.name} in {time.monotonic() - t0:.1f} s", flush=True)
    marker.write_text(json.dumps({"key": key, "database_url": database_url}))
    return env, key


def cg_target(server: ChildguardServer, key: str, hma_routes: bool) -> Target:
    """How to scan and look up on a childguard server (native and HMA-compatible routes)."""
    auth = {"Authorization": f"Bearer {key}"}

    def scan(data: bytes) -> Request:
        body, headers = multipart("file", "photo.jpg", data)
        return ("POST", "/v1/scan", body, {**auth, **headers})

    def lookup(h: str) -> Request:
        body = json.dumps({"signal_type": "pdq", "hashes": [h]}).encode()
        return ("POST", "/v1/lookup", body, {**auth, "Content-Type": "application/json"})

    def hma_scan(data: bytes) -> Request:
        body, headers = multipart("photo", "photo.jpg", data)
        return ("POST", "/m/lookup", body, {**auth, **headers})

    def hma_lookup(h: str) -> Request:
        return ("GET", f"/m/lookup?signal_type=pdq&signal={h}", b"", auth)

    def is_match(data: bytes) -> bool:
        return b'"entry_id"' in data or b'"bank_content_id"' in data

    t = Target(
        "childguard", server.port, server.workers, lambda: [server.proc.pid], scan, lookup, is_match
    )
    t.scan_routes = {"POST /v1/scan": scan}
    t.lookup_routes = {"POST /v1/lookup": lookup}
    if hma_routes:
        t.scan_routes["POST /m/lookup"] = hma_scan
        t.lookup_routes["GET /m/lookup"] = hma_lookup
    return t


def has_hma_routes(port: int, key: str) -> bool:
    """Whether this childguard build serves HMA's ``/m/lookup``."""
    status, body = call(port, "GET", "/openapi.json", headers={"Authorization": f"Bearer {key}"})
    return status == 200 and "/m/lookup" in json.loads(body).get("paths", {})


def cg_add_entry(port: int, key: str, h: str) -> None:
    """``POST /v1/banks/BIG/entries`` one PDQ hash."""
    body = json.dumps({"signal_type": "pdq", "signal": h, "source": "bench"}).encode()
    status, data = call(
        port,
        "POST",
        f"/v1/banks/{CG_BANK}/entries",
        body,
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    if status not in (200, 201):
        raise RuntimeError(f"adding an entry failed: {status} {data[:300]!r}")


def cg_matches(port: int, key: str, h: str) -> bool:
    """One ``POST /v1/lookup`` on a fresh connection: does ``h`` match?"""
    body = json.dumps({"signal_type": "pdq", "hashes": [h]}).encode()
    status, data = call(
        port,
        "POST",
        "/v1/lookup",
        body,
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return status == 200 and b'"entry_id"' in data


def time_to_matchable(
    add: Callable[[], None],
    matches: Callable[[], bool],
    timeout: float,
    confirm: int = 10,
    poll: float = 0.01,
) -> dict[str, float | None]:
    """Seconds from ``add`` returning until the first hit and until ``confirm`` hits in a row."""
    t0 = time.monotonic()
    add()
    t_add = time.monotonic()
    first: float | None = None
    streak = 0
    while time.monotonic() - t_add < timeout:
        if matches():
            first = first if first is not None else time.monotonic() - t_add
            streak += 1
            if streak >= confirm:
                return {
                    "add_s": t_add - t0,
                    "first_hit_s": first,
                    "stable_s": time.monotonic() - t_add,
                }
        else:
            streak = 0
        time.sleep(poll)
    return {"add_s": t_add - t0, "first_hit_s": first, "stable_s": None}


# ---------------------------------------------------------------- HMA ------------------------


def psql(sql: str) -> str:
    """Run SQL on HMA's database as postgres; return the unaligned output."""
    proc = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            "5433",
            "-U",
            "postgres",
            "-d",
            "media_match",
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


class HmaServer:
    """HMA's gunicorn via $HMA_DIR/start_hma.sh (1 worker, or N + an indexer process)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.port = free_port()
        while self.port + 1 == 5433:
            self.port = free_port()
        out = subprocess.run(
            [str(HMA_DIR / "start_hma.sh"), str(workers), str(self.port)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise RuntimeError(f"start_hma.sh failed: {out.stderr.strip()[-500:]}")

    def roots(self) -> list[int]:
        """gunicorn master pids (serving and indexer) and PostgreSQL's postmaster."""
        pids = []
        for name in ("hma", "hma-indexer"):
            f = HMA_DIR / "run" / f"{name}.pid"
            if f.exists():
                pids.append(int(f.read_text().split()[0]))
        pm = HMA_DIR / "pg" / "data" / "postmaster.pid"
        if pm.exists():
            pids.append(int(pm.read_text().split()[0]))
        return pids

    def wait_ready(self, timeout: float = 900) -> float:
        """Seconds until ``GET /status`` is 200 (index loaded)."""
        return wait_until(
            lambda: call(self.port, "GET", "/status", timeout=10)[0] == 200,
            timeout,
            "HMA /status",
            0.5,
        )

    def stop(self, keep_db: bool = True) -> None:
        """Stop HMA's gunicorn processes (and PostgreSQL unless ``keep_db``)."""
        stop_hma(keep_db)


def hma_target(server: HmaServer) -> Target:
    """How to scan and look up on HMA."""

    def scan(data: bytes) -> Request:
        body, headers = multipart("photo", "photo.jpg", data)
        return ("POST", "/m/lookup", body, headers)

    def lookup(h: str) -> Request:
        return ("GET", f"/m/lookup?signal_type=pdq&signal={h}", b"", {})

    t = Target(
        "HMA",
        server.port,
        server.workers,
        server.roots,
        scan,
        lookup,
        lambda data: b'"bank_content_id"' in data,
    )
    t.scan_routes = {"POST /m/lookup": scan}
    t.lookup_routes = {"GET /m/lookup": lookup}
    return t


def stop_hma(keep_db: bool = True) -> None:
    """stop_hma.sh (``--keep-db`` leaves PostgreSQL running)."""
    subprocess.run(
        [str(HMA_DIR / "stop_hma.sh"), *(["--keep-db"] if keep_db else [])],
        capture_output=True,
        text=True,
    )


def hma_env() -> dict[str, str]:
    """The environment HMA's flask commands run with (as start_hma.sh sets it)."""
    return dict(
        os.environ,
        OMM_CONFIG=str(HMA_DIR / "omm_config.py"),
        PYTHONPATH=str(HMA_DIR / "src/hasher-matcher-actioner/src"),
        MIGRATION_COMMAND="1",
        OMP_NUM_THREADS="1",
        LD_PRELOAD="/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    )


def prepare_hma(bank_file: Path, size: int) -> None:
    """Make HMA's database hold exactly ``bank_file`` in bank CG_BENCH, with its index built."""
    stop_hma(keep_db=True)
    # start_hma.sh starts PostgreSQL and migrates; stop its gunicorn again right away.
    HmaServer(1).stop(keep_db=True)
    psql(f"DELETE FROM bank WHERE name = '{HMA_NEW_BANK}'")
    counts = dict(
        line.split("|")
        for line in psql(
            "SELECT b.name, count(c.id) FROM bank b LEFT JOIN bank_content c "
            "ON c.bank_id = b.id GROUP BY b.name"
        ).splitlines()
        if line
    )
    if counts != {HMA_BANK: str(size)}:
        print(
            f"  HMA: replacing banks {sorted(counts)} with {HMA_BANK} ({size} hashes)", flush=True
        )
        psql("DELETE FROM content_signal; DELETE FROM bank_content; DELETE FROM bank;")
        t0 = time.monotonic()
        subprocess.run(
            [
                str(HMA_DIR / "venv" / "bin" / "python"),
                str(HMA_DIR / "bulk_load_pdq.py"),
                HMA_BANK,
                "--file",
                str(bank_file),
            ],
            check=True,
            cwd=HMA_DIR,
            stdout=sys.stdout,
            stderr=sys.stderr,
        )
        print(f"  HMA: loaded in {time.monotonic() - t0:.1f} s", flush=True)
    indexed = psql("SELECT signal_count FROM signal_index WHERE signal_type = 'pdq'")
    stored = psql("SELECT count(*) FROM content_signal WHERE signal_type = 'pdq'")
    if indexed != stored:
        print(
            f"  HMA: building its index ({stored} signals; index had {indexed or 'none'})...",
            flush=True,
        )
        t0 = time.monotonic()
        subprocess.run(
            [
                str(HMA_DIR / "venv" / "bin" / "flask"),
                "--app",
                "OpenMediaMatch.app",
                "build_indices",
            ],
            cwd=HMA_DIR / "src/hasher-matcher-actioner/src",
            env=hma_env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"  HMA: index built in {time.monotonic() - t0:.1f} s", flush=True)
    else:
        print(f"  HMA: bank {HMA_BANK} holds {size} hashes, index up to date", flush=True)


def hma_matchable(port: int, timeout: float) -> dict[str, float | None]:
    """Time from ``POST /c/bank/CG_BENCH_NEW/signal`` to a ``GET /m/lookup`` hit."""
    call(
        port,
        "POST",
        "/c/banks",
        json.dumps({"name": HMA_NEW_BANK}).encode(),
        {"Content-Type": "application/json"},
    )
    h = random_hashes(1, int(time.time()))[0]

    def add() -> None:
        status, data = call(
            port,
            "POST",
            f"/c/bank/{HMA_NEW_BANK}/signal",
            json.dumps({"pdq": h}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            raise RuntimeError(f"HMA signal add failed: {status} {data[:200]!r}")

    def hit() -> bool:
        status, data = call(port, "GET", f"/m/lookup?signal_type=pdq&signal={h}")
        return status == 200 and b"bank_content_id" in data

    return time_to_matchable(add, hit, timeout, confirm=3, poll=0.5)


# ---------------------------------------------------------------- report ---------------------


def print_phases(phases: list[Phase]) -> None:
    """The table of best rounds."""
    head = (
        f"{'system':11} {'w':>1} {'route':16} {'conc':>4} {'req/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'srv cpu ms/req':>14} {'errors':>6} {'matched':>7} {'load':>5}"
    )
    print(head)
    print("-" * len(head))
    for p in phases:
        print(
            f"{p.target:11} {p.workers:>1} {p.route:22} {p.concurrency:>4} {p.rate:8.1f} "
            f"{p.p50_ms:8.1f} {p.p99_ms:8.1f} {p.server_cpu_ms_per_req:14.2f} {p.errors:>6} "
            f"{p.matched:>7} {p.load_avg:5.2f}"
        )
        if p.first_error:
            print(f"{'':14}first error: {p.first_error[:120]}")


def print_floor(floor: dict[str, dict[str, float]], clean: dict[str, float] | None) -> None:
    """The stack's floor, its transport part, and the least any server could add here."""
    for mode in ("thread", "inline"):
        if mode not in floor:
            continue
        fl = floor[mode]
        where = "a worker thread" if mode == "thread" else "the event loop"
        print(
            f"Floor of the stack: a bare ASGI app on uvicorn hashing the raw body on {where}, "
            f"non-matching photos: hash_data {fl['direct_ms']:.2f} ms, request "
            f"{fl['api_ms']:.2f} ms: {fl['overhead'] * 100:.1f} %"
        )
    tr = floor.get("transport")
    if tr is None:
        return
    print(
        f"Transport alone (the bare app doing no work): {tr['idle_ms']:.2f} ms "
        f"({tr['idle_overhead'] * 100:.1f} % of hash_data) when the server idled for one "
        f"hash_data before, {tr['warm_ms']:.2f} ms ({tr['warm_overhead'] * 100:.1f} %) back to back"
    )
    if clean is not None:
        match = (clean["scan_ms"] - clean["direct_ms"]) / clean["direct_ms"]
        print(
            f"  least any server could add in the alternating measurement: transport after idling "
            f"{tr['idle_overhead'] * 100:.1f} % + matching eight orientations in process "
            f"{match * 100:.1f} % = {(tr['idle_overhead'] + match) * 100:.1f} % "
            "(the floor the service overhead is judged against; no fixed target)"
        )


def best(rounds: list[Phase]) -> Phase:
    """The round with the highest rate."""
    return max(rounds, key=lambda p: p.rate)


def ratios(phases: list[Phase]) -> list[dict[str, Any]]:
    """childguard / HMA for the same kind of request and worker count."""
    out = []
    scan_routes = ("POST /v1/scan", "POST /m/lookup")
    hma = {
        (p.workers, "scan" if p.route in scan_routes else "lookup"): p
        for p in phases
        if p.target == "HMA"
    }
    for p in phases:
        if p.target != "childguard" or p.concurrency == 1:
            continue
        kind = "scan" if p.route in scan_routes else "lookup"
        ref = hma.get((p.workers, kind))
        if ref is None or ref.rate == 0:
            continue
        out.append(
            {
                "workers": p.workers,
                "kind": kind,
                "childguard_route": p.route,
                "rate_ratio": p.rate / ref.rate,
                "cpu_ratio": ref.server_cpu_ms_per_req / p.server_cpu_ms_per_req,
                # issue 13: scans >= 2.5x HMA's rate, lookups >= 9x
                "target": SCAN_RATIO_TARGET if kind == "scan" else LOOKUP_RATIO_TARGET,
            }
        )
    return out


# ---------------------------------------------------------------- main -----------------------


@contextmanager
def servers(*items: Any) -> Iterator[None]:
    """Stop every server on exit, whatever happens."""
    try:
        yield
    finally:
        for s in items:
            if s is not None:
                s.stop()


def main() -> int:
    """Parse arguments, run the benchmark, print tables, write JSON."""
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="~1-2 minutes: 20k bank, 12 photos, 3 s phases, 1 round",
    )
    ap.add_argument(
        "--hma", action="store_true", help="Also run HMA from $HMA_DIR (default ../hma-work)."
    )
    ap.add_argument("--bank-size", type=int, default=1_000_000, help="Random PDQ hashes in BIG.")
    ap.add_argument("--photos", type=int, default=40, help="Number of 860x600 test photos.")
    ap.add_argument(
        "--planted",
        type=float,
        default=0.5,
        help="Fraction of the photos whose hashes are planted in the bank.",
    )
    ap.add_argument("--duration", type=float, default=15.0, help="Seconds per load phase.")
    ap.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="Rounds per phase (interleaved across systems; best counts).",
    )
    ap.add_argument("--workers", default="1,2", help="Worker counts to run.")
    ap.add_argument(
        "--concurrency-factor", type=int, default=2, help="Concurrent clients per server worker."
    )
    ap.add_argument(
        "--matchable-trials", type=int, default=3, help="New-entry trials per childguard set-up."
    )
    ap.add_argument(
        "--hma-matchable-timeout",
        type=float,
        default=480.0,
        help="Give up waiting for HMA to match a new signal after this many seconds.",
    )
    ap.add_argument(
        "--database-url",
        default=None,
        help="childguard database (default: SQLite in .bench-data/cg-*/).",
    )
    ap.add_argument(
        "--overhead-rounds",
        type=int,
        default=10,
        help="Rounds over the photos for the interleaved API-overhead measurement.",
    )
    ap.add_argument("--out", type=Path, default=DATA / "api_bench.json", help="JSON results.")
    a = ap.parse_args()
    if a.quick:
        a.bank_size, a.photos, a.duration, a.rounds = 20_000, 12, 3.0, 1
        a.matchable_trials = min(a.matchable_trials, 2)
        a.overhead_rounds = min(a.overhead_rounds, 4)
        a.hma_matchable_timeout = min(a.hma_matchable_timeout, 150.0)
    worker_counts = [int(w) for w in a.workers.split(",")]
    settings = Settings()
    tune_allocator()  # as the server does, so direct hashing is measured under the same malloc
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "cpus": os.cpu_count(),
        "load_avg_start": os.getloadavg(),
    }

    print(
        f"data: {a.photos} photos, bank of {a.bank_size} PDQ hashes "
        f"(load {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    photos = make_photos(DATA / "api-photos", a.photos, settings)
    hashes = photo_hashes(photos, settings)
    planted = hashes[: max(1, int(len(hashes) * a.planted))]
    bank_file = DATA / f"api-bank-{a.bank_size}.txt"
    digest = make_bank(bank_file, a.bank_size, planted)
    blobs = [p.read_bytes() for p in photos]
    clean = photos[len(planted) :]
    clean_blobs = blobs[len(planted) :]
    probe_hashes = [
        planted[i % len(planted)] if i % 10 == 0 else h
        for i, h in enumerate(random_hashes(1000, 3))
    ]

    env, key = prepare_childguard(bank_file, digest, a.database_url)
    if a.hma:
        prepare_hma(bank_file, a.bank_size)

    phases: list[Phase] = []
    interleaved: dict[str, dict[str, float]] = {}
    floor: dict[str, dict[str, float]] = {}
    direct: list[dict[str, float]] = []
    matchable: dict[str, Any] = {}
    logs = DATA / "logs"
    logs.mkdir(exist_ok=True)
    direct_s = max(3.0, a.duration / 2)
    direct.append(hash_direct(photos, settings, direct_s))
    direct_clean = [hash_direct(clean, settings, direct_s)]

    for workers in worker_counts:
        conc = a.concurrency_factor * workers
        cg = ChildguardServer(env, workers, logs / "childguard.log")
        hma: HmaServer | None = None
        with servers(cg):
            t_ready = cg.wait_ready()
            print(f"\n== {workers} worker(s): childguard ready in {t_ready:.1f} s", flush=True)
            targets = [cg_target(cg, key, has_hma_routes(cg.port, key))]
            if a.hma:
                hma = HmaServer(workers)
                t_ready = hma.wait_ready()
                print(f"   HMA ready in {t_ready:.1f} s", flush=True)
                targets.append(hma_target(hma))
            with servers(hma):
                rounds: dict[tuple[str, str, int], list[Phase]] = {}
                for r in range(a.rounds):
                    for t in targets:
                        plans: list[tuple[str, list[Request], int]] = []
                        for route, mk_scan in t.scan_routes.items():
                            reqs = [mk_scan(b) for b in blobs]
                            if workers == 1 and route == "POST /v1/scan":
                                plans.append((route, reqs, 1))
                                clean_reqs = [mk_scan(b) for b in clean_blobs]
                                plans.append((route + " clean", clean_reqs, 1))
                            plans.append((route, reqs, conc))
                        for route, mk_lookup in t.lookup_routes.items():
                            plans.append((route, [mk_lookup(h) for h in probe_hashes], conc))
                        for route, reqs, c in plans:
                            ph = drive(t, route, reqs, c, a.duration)
                            rounds.setdefault((t.name, route, c), []).append(ph)
                            print(
                                f"   round {r + 1} {t.name:10} {route:22} c={c}: "
                                f"{ph.rate:7.1f}/s p50 {ph.p50_ms:6.1f} ms "
                                f"p99 {ph.p99_ms:6.1f} ms errors {ph.errors} "
                                f"(load {ph.load_avg:.2f})",
                                flush=True,
                            )
                            if workers == 1 and c == 1 and t.name == "childguard":
                                if route.endswith("clean"):
                                    direct_clean.append(hash_direct(clean, settings, direct_s))
                                else:
                                    direct.append(hash_direct(photos, settings, direct_s))
                phases.extend(best(v) for v in rounds.values())
                if workers == 1:
                    samples = (("all photos", blobs), ("non-matching photos", clean_blobs))
                    local = LocalScan(env, key)
                    try:
                        for label, sample in samples:
                            ov = overhead_interleaved(
                                cg.port, key, sample, local, a.overhead_rounds
                            )
                            interleaved[label] = ov
                            print(
                                f"   API overhead (interleaved, {label}): hash_data "
                                f"{ov['direct_ms']:.2f} ms, in-process scan "
                                f"{ov['scan_ms']:.2f} ms, API {ov['api_ms']:.2f} ms: "
                                f"{ov['overhead'] * 100:.0f} % over hashing, of which HTTP "
                                f"{ov['http_overhead'] * 100:.0f} %",
                                flush=True,
                            )
                    finally:
                        local.close()
                    floor = stack_floor(clean_blobs, settings, a.overhead_rounds)
                    for mode in ("thread", "inline"):
                        fl = floor[mode]
                        print(
                            f"   floor (bare ASGI app hashing on {mode}): hash_data "
                            f"{fl['direct_ms']:.2f} ms, API {fl['api_ms']:.2f} ms: "
                            f"{fl['overhead'] * 100:.0f} %",
                            flush=True,
                        )
                    tr = floor["transport"]
                    print(
                        f"   transport (bare ASGI app, no work): {tr['idle_ms']:.2f} ms after "
                        f"idling one hash_data ({tr['direct_ms']:.2f} ms), {tr['warm_ms']:.2f} ms "
                        "back to back",
                        flush=True,
                    )
                trials = []
                fresh = random_hashes(a.matchable_trials, int(time.time()) + workers)
                for h in fresh:
                    trials.append(
                        time_to_matchable(
                            partial(cg_add_entry, cg.port, key, h),
                            partial(cg_matches, cg.port, key, h),
                            30.0,
                        )
                    )
                matchable[f"childguard {workers}w same server"] = trials
                print(f"   childguard new entry matchable: {trials}", flush=True)
                if a.hma and hma is not None and workers == worker_counts[-1]:
                    print("   HMA: waiting for a new signal to become matchable...", flush=True)
                    matchable[f"HMA {workers}w"] = [
                        hma_matchable(hma.port, a.hma_matchable_timeout)
                    ]
                    print(
                        f"   HMA new signal matchable: {matchable[f'HMA {workers}w']}", flush=True
                    )

    # Two servers on one database: add on A, poll B.
    a_srv = ChildguardServer(env, 1, logs / "childguard-a.log")
    b_srv = ChildguardServer(env, 1, logs / "childguard-b.log")
    with servers(a_srv, b_srv):
        a_srv.wait_ready()
        b_srv.wait_ready()
        trials = []
        for h in random_hashes(a.matchable_trials, int(time.time()) + 99):
            trials.append(
                time_to_matchable(
                    partial(cg_add_entry, a_srv.port, key, h),
                    partial(cg_matches, b_srv.port, key, h),
                    30.0,
                )
            )
        matchable["childguard other server (same database)"] = trials
    if a.hma:
        stop_hma(keep_db=False)

    print(
        f"\nResults ({a.bank_size} hashes, {len(photos)} photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]},"
        f" {a.duration:.0f} s x {a.rounds} rounds, best round; load now "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)\n"
    )
    print_phases(phases)
    for label, dd in (("all photos", direct), ("non-matching photos", direct_clean)):
        print(
            f"\nhash_data in-process, single thread, {label}: "
            + ", ".join(f"{d['mean_ms']:.1f} ms mean ({d['cpu_ms']:.1f} ms CPU)" for d in dd)
        )
    for label, ov in interleaved.items():
        print(
            f"API overhead interleaved, 1 worker, concurrency 1, {label} (medians of "
            f"{ov['pairs']:.0f} triples): hash_data {ov['direct_ms']:.2f} ms, in-process scan "
            f"(hash + match + audit) {ov['scan_ms']:.2f} ms, POST /v1/scan {ov['api_ms']:.2f} ms"
            f"\n  over hashing: all the service adds {ov['overhead'] * 100:.1f} %, "
            f"HTTP alone (API minus in-process scan) {ov['http_overhead'] * 100:.1f} % "
            "(compare with the floor below: no fixed target)"
        )
    print_floor(floor, interleaved.get("non-matching photos"))
    print(
        "\nnew entry matchable, seconds: add request + first hit after it returned / "
        "+ 10 hits in a row (3 for HMA)"
    )
    for name, trials in matchable.items():
        cells = ", ".join(
            f"{t['add_s']:.3f} + {t['first_hit_s']:.3f}/{t['stable_s']:.3f}"
            if t["stable_s"] is not None and t["first_hit_s"] is not None
            else f"{t['add_s']:.3f} + {t['first_hit_s']}/not within timeout"
            for t in trials
        )
        print(f"  {name:40} {cells}")
    rat = ratios(phases)
    if rat:
        print("\nchildguard / HMA (same workers, same concurrency, best rounds)")
        for row in rat:
            ok = "OK" if row["rate_ratio"] >= row["target"] else "below target"
            print(
                f"  {row['workers']}w {row['kind']:6} via {row['childguard_route']:16} "
                f"throughput x{row['rate_ratio']:.2f} (target x{row['target']:.1f}: {ok}), "
                f"server CPU per request x{row['cpu_ratio']:.2f} less"
            )
    results.update(
        {
            "phases": [asdict(p) for p in phases],
            "hash_direct": direct,
            "hash_direct_clean": direct_clean,
            "api_overhead_interleaved": interleaved,
            "stack_floor": floor,
            "matchable": matchable,
            "ratios": rat,
            "load_avg_end": os.getloadavg(),
        }
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, indent=2))
    print(f"\nJSON: {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
