"""Reports filed with the local CyberTipline: throughput, and exactly-once under faults.

Usage: ``python bench/report_bench.py [--reports N] [--files F] [--threads T] [--fault-rate R]``

Builds N decided cases with F kept media files each (benign synthetic PNGs, stored encrypted in
the evidence store) in a fresh SQLite data directory, queues one NCMEC report per case, and runs
the report worker (``run_due`` with T threads) against the fake CyberTipline (``childguard dev
fake-ncmec``, in its own process) over loopback HTTP until every report is finished, timing the
sending only. Then the same with a share R of the calls failed at random (500s, dropped
connections after the request was handled, answers later than the client waits), and checks
that every report was finished exactly once at the fake. Prints a table (with the CPU seconds of
the worker and of the fake, and the load average, since the machine may be shared) and writes
``.bench-data/report_bench.json``. Goal: 1,000 reports x 3 files in <= 60 s.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
from PIL import Image
from pydantic import SecretStr

from childguard import evidence
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.reports import service
from childguard.reports.worker import make_sinks, run_due
from childguard.store.db import Database
from childguard.store.models import Case, CaseDecision, CaseMedia, utcnow


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (16, 16), ((seed * 37) % 256, (seed * 11) % 256, seed % 256))
    image.putpixel((seed % 16, (seed // 16) % 16), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _setup(settings: Settings, reports: int, files: int) -> tuple[Database, int]:
    db = Database.open(settings)
    actor = Actor(None, None, "bench")
    with db.session(write=True) as s:
        org_id = ensure_org(s, "bench").id
    actor = Actor(org_id, None, "bench")
    seed = 0
    for _ in range(reports):
        with db.session(write=True) as s:
            case = Case(org_id=org_id, status="decided", labels='["CSAM"]', source="match")
            s.add(case)
            s.flush()
            for _f in range(files):
                seed += 1
                data = _png(seed)
                sha = hashlib.sha256(data).hexdigest()
                s.add(
                    CaseMedia(
                        case_id=case.id,
                        sha256=sha,
                        md5=hashlib.md5(data).hexdigest(),
                        filename=f"f{seed}.png",
                        mime="image/png",
                        size=len(data),
                        matches='[{"bank": "B", "signal_type": "sha256", "distance": 0}]',
                    )
                )
                evidence.keep_media(
                    s,
                    settings,
                    org_id,
                    data,
                    sha256=sha,
                    case_id=case.id,
                    filename=f"f{seed}.png",
                    mime="image/png",
                    actor=actor,
                )
            s.add(
                CaseDecision(
                    case_id=case.id,
                    policy="A1",
                    actions="[]",
                    status="effective",
                    decided_by="bench",
                    effective_at=utcnow(),
                )
            )
            s.flush()
            service.queue_report(s, settings, org_id, case.id, "ncmec", actor)
    return db, org_id


def run(reports: int, files: int, threads: int, fault_rate: float, root: Path) -> dict[str, Any]:
    """One round: set up, send everything, check the fake; returns the figures."""
    port = _free_port()
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "childguard.cli.main",
            "dev",
            "fake-ncmec",
            "--port",
            str(port),
            "--username",
            "bench",
            "--password",
            "secret",
            "--fault-rate",
            str(fault_rate),
            "--delay",
            "1.2",
            "--seed",
            "7",
        ],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx2.get(f"{base}/_state", timeout=1)
            break
        except httpx2.HTTPError:
            time.sleep(0.05)
    settings = Settings(
        data_dir=root,
        evidence_enabled=True,
        ncmec_url=f"{base}/ispws",
        ncmec_username="bench",
        ncmec_password=SecretStr("secret"),
        report_contact_email="bench@example.org",
        report_retry_seconds=0.05,
        report_max_backoff_seconds=0.5,
        ncmec_timeout_seconds=1.0,
    )
    t0 = time.perf_counter()
    db, _ = _setup(settings, reports, files)
    setup_s = time.perf_counter() - t0
    sinks = make_sinks(settings)
    finished = retried = restarted = errors = passes = 0
    load_before = os.getloadavg()[0]
    fake_cpu0 = _cpu_of(fake.pid)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    while finished < reports and time.perf_counter() - t0 < 600:
        summary = run_due(db, settings, sinks, limit=reports, threads=threads)
        passes += 1
        finished += summary.finished
        retried += summary.retried
        restarted += summary.restarted
        errors += sum(summary.errors.values())
        if summary.finished == 0:
            time.sleep(0.05)
    send_s = time.perf_counter() - t0
    worker_cpu = time.process_time() - cpu0
    fake_cpu1 = _cpu_of(fake.pid)
    load_after = os.getloadavg()[0]
    state = httpx2.get(f"{base}/_state", timeout=30).json()
    fake.terminate()
    fake.wait()
    held = state["reports"].values()
    finished_at_fake = [r for r in held if r["status"] == "finished"]
    doubled = [r for r in held if r["finished_times"] > 1]
    uploads = state["calls"]["upload"]
    return {
        "reports": reports,
        "files_per_report": files,
        "threads": threads,
        "fault_rate": fault_rate,
        "setup_s": round(setup_s, 1),
        "send_s": round(send_s, 2),
        "reports_per_s": round(finished / send_s, 1) if send_s else 0.0,
        "worker_cpu_s": round(worker_cpu, 1),
        "fake_cpu_s": None
        if fake_cpu0 is None or fake_cpu1 is None
        else round(fake_cpu1 - fake_cpu0, 1),
        "load_1min_before_after": [round(load_before, 2), round(load_after, 2)],
        "finished_here": finished,
        "finished_at_fake": len(finished_at_fake),
        "finished_twice": len(doubled),
        "retries": retried,
        "restarts": restarted,
        "errors": errors,
        "passes": passes,
        "faults_injected": state["faults_injected"],
        "http_calls": sum(state["calls"].values()),
        "uploads": uploads,
        "uploads_repeated_after_lost_answers": uploads - reports * files,
        "orphan_reports_after_lost_submit_answers": len(held) - len(finished_at_fake),
        "exactly_once": len(finished_at_fake) == reports == finished and not doubled,
    }


def main() -> None:
    """Run the clean round and the faulty round and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    args = parser.parse_args()
    results = []
    for rate in (0.0, args.fault_rate):
        with tempfile.TemporaryDirectory(prefix="cg-report-bench-") as tmp:
            results.append(run(args.reports, args.files, args.threads, rate, Path(tmp)))
    print(
        f"{'faults':>7} {'reports':>8} {'files':>6} {'setup s':>8} {'send s':>7} "
        f"{'rep/s':>7} {'cpu s':>6} {'fake s':>6} {'retries':>8} {'finished':>9} {'twice':>6} "
        f"{'exactly once':>13} load(1 min) before/after"
    )
    for r in results:
        print(
            f"{r['fault_rate']:>7.0%} {r['reports']:>8} {r['files_per_report']:>6} "
            f"{r['setup_s']:>8} {r['send_s']:>7} {r['reports_per_s']:>7} {r['worker_cpu_s']:>6} "
            f"{r['fake_cpu_s']!s:>6} {r['retries']:>8} {r['finished_at_fake']:>9} "
            f"{r['finished_twice']:>6} {r['exactly_once']!s:>13} "
            f"{r['load_1min_before_after'][0]}/{r['load_1min_before_after'][1]}"
        )
    for r in results:
        if r["fault_rate"]:
            print(
                f"faults injected {r['faults_injected']}; uploads repeated after a lost answer "
                f"{r['uploads_repeated_after_lost_answers']}; reports left open at the fake "
                f"after a lost submit answer {r['orphan_reports_after_lost_submit_answers']}"
            )
    out = Path(".bench-data")
    out.mkdir(exist_ok=True)
    (out / "report_bench.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
