"""Case speed: the case list and the next case at scale, and what case creation costs a scan.

Usage: ``python bench/case_bench.py [--pg-url URL] [--cases 1000000] [--open 100000]
[--requests 300] [--scans 200] [--rounds 3] [--matched 0.1]``

1. **Case list and next case** (PostgreSQL; ``--pg-url`` or ``CHILDGUARD_TEST_PG_URL`` names a
   server where a scratch database is created and dropped): ``--cases`` cases of one
   organisation, ``--open`` of them waiting in four queues with mixed priorities, the rest
   closed, written by ``INSERT ... SELECT generate_series`` and analysed. Then, through the
   app in process (``TestClient``: authentication, FastAPI, the service and the database; no
   socket), ``GET /v1/cases?status=open`` (first page and a page deep in the list) and
   ``POST /v1/queues/{name}/next`` (each call claims a case) are timed one at a time:
   p50/p95/max in ms. Target (issue 12 §9): p95 <= 50 ms.
2. **Scanning with case creation** (SQLite in a temporary directory, and PostgreSQL when
   given): the same benign JPEG uploads (none, ``--matched`` and all of them planted in a bank
   shared by two organisations), each sent twice in turn, as the same request (``POST
   /v1/scan`` with ``user_id``/``content_id`` and an ``Idempotency-Key``): by an organisation
   that opens cases and by one with ``open_cases`` off, so the two differ only by the case.
   Scans/s of each (time summed over ``--rounds`` after a warm-up round) and their ratio. Every
   matched upload is a new user and new bytes (the same picture), so each opens a case. Target
   (issue 12 §9): scanning with case creation at >= 90 % of the scans/s without it, at every
   share of matching uploads (all matching is the worst case: each scan opens a case).

The load average is printed; the machine is shared, so compare ratios rather than absolutes.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image

from childguard.api.app import create_app
from childguard.auth import create_key, ensure_org
from childguard.config import Settings
from childguard.store.db import Database

QUEUES = ("default", "urgent", "chat", "bullying")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@contextmanager
def scratch_pg(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on ``admin_url``'s server, dropped afterwards."""
    name = f"case_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def app_client(settings: Settings) -> Iterator[tuple[TestClient, Database]]:
    """The API in process on ``settings``."""
    app = create_app(settings, start_poller=False)
    with TestClient(app) as client:
        yield client, app.state.cg.db


def key(db: Database, org: str, role: str) -> dict[str, str]:
    """Authorization headers for a new key."""
    with db.session(write=True) as s:
        secret = create_key(s, ensure_org(s, org), role).secret
    return {"Authorization": f"Bearer {secret}"}


def populate(db: Database, org_id: int, total: int, open_count: int) -> float:
    """Write ``total`` cases (``open_count`` open) with SQL; returns seconds taken."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for name in QUEUES:
            conn.execute(
                sa.text(
                    "INSERT INTO case_queues (org_id, name, description, created_at) "
                    "VALUES (:o, :n, '', now()) ON CONFLICT DO NOTHING"
                ),
                {"o": org_id, "n": name},
            )
        ids = [
            row[0]
            for row in conn.execute(
                sa.text("SELECT id FROM case_queues WHERE org_id = :o ORDER BY id"), {"o": org_id}
            )
        ]
        conn.execute(
            sa.text(
                """
                INSERT INTO cases (org_id, status, priority, labels, source, queue_id,
                                   user_id, opened_at, updated_at, decided_at, closed_at)
                SELECT :o,
                       CASE WHEN g <= :closed THEN 'closed' ELSE 'open' END,
                       (ARRAY[100, 80, 60, 40, 20])[1 + g % 5],
                       '["GROOMING"]',
                       'match',
                       (:queues)[1 + g % 4],
                       'u' || g,
                       now() - make_interval(secs => (:total - g)),
                       now(),
                       CASE WHEN g <= :closed THEN now() END,
                       CASE WHEN g <= :closed THEN now() END
                FROM generate_series(1, :total) AS g
                """
            ),
            {"o": org_id, "closed": total - open_count, "total": total, "queues": ids},
        )
        conn.execute(sa.text("ANALYZE cases"))
    return time.perf_counter() - started


def timed(call: Callable[[], int], n: int) -> list[float]:
    """Milliseconds of ``n`` calls (each must answer 200)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        status = call()
        out.append((time.perf_counter() - t0) * 1000)
        assert status == 200, status
    return out


def report(name: str, ms: list[float]) -> None:
    """Print p50/p95/max of ``ms``."""
    print(
        f"  {name:44} n={len(ms):4}  p50 {statistics.median(ms):6.1f} ms  "
        f"p95 {percentile(ms, 0.95):6.1f} ms  max {max(ms):6.1f} ms"
    )


def bench_scale(pg_url: str, total: int, open_count: int, requests: int) -> None:
    """Part 1: list and next at scale on PostgreSQL."""
    print(f"case list and next: {total:,} cases, {open_count:,} open, PostgreSQL")
    with tempfile.TemporaryDirectory() as tmp, scratch_pg(pg_url) as url:
        settings = Settings(data_dir=Path(tmp), database_url=url, log_level="WARNING")
        with app_client(settings) as (client, db):
            reviewer = key(db, "acme", "reviewer")
            with db.session() as s:
                org_id = ensure_org(s, "acme").id
            print(f"  populated in {populate(db, org_id, total, open_count):.1f} s")
            first = timed(
                lambda: client.get("/v1/cases?status=open", headers=reviewer).status_code, 20
            )
            first = timed(
                lambda: client.get("/v1/cases?status=open", headers=reviewer).status_code,
                requests,
            )
            report("GET /v1/cases?status=open (first page)", first)
            deep_before = total - open_count // 2
            deep = timed(
                lambda: (
                    client.get(
                        f"/v1/cases?status=open&before={deep_before}", headers=reviewer
                    ).status_code
                ),
                requests,
            )
            report("GET /v1/cases?status=open&before=<middle>", deep)
            queued = timed(
                lambda: (
                    client.get("/v1/cases?status=open&queue=urgent", headers=reviewer).status_code
                ),
                requests,
            )
            report("GET /v1/cases?status=open&queue=urgent", queued)
            nxt = timed(
                lambda: client.post("/v1/queues/urgent/next", headers=reviewer).status_code,
                requests,
            )
            report("POST /v1/queues/urgent/next (claims)", nxt)


def jpeg(seed: int, size: tuple[int, int] = (800, 600)) -> bytes:
    """A benign synthetic photo-like JPEG (~0.5 megapixel)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


def bench_scan(settings: Settings, label: str, scans: int, rounds: int, matched: float) -> float:
    """Part 2: scans/s with case creation and without; returns the ratio."""
    photos = [jpeg(seed) for seed in range(scans)]
    planted = set(range(0, scans, max(1, round(1 / matched)))) if matched > 0 else set()
    with app_client(settings) as (client, db):
        with_cases = key(db, "acme", "platform")
        without = key(db, "plain", "platform")
        client.patch(
            "/v1/case-settings", headers=key(db, "plain", "admin"), json={"open_cases": False}
        )
        client.post("/v1/banks", headers=with_cases, json={"name": "KNOWN"})
        client.post("/v1/banks/KNOWN/shares", headers=with_cases, json={"org": "plain"})
        for i in sorted(planted):
            r = client.post(
                "/v1/banks/KNOWN/entries/upload",
                headers=with_cases,
                files={"file": (f"p{i}.jpg", photos[i], "image/jpeg")},
            )
            assert r.status_code == 201, r.text
        spent = {True: 0.0, False: 0.0}
        opened = 0
        for round_no in range(rounds + 1):  # round 0 warms up
            # Bytes after the JPEG's end mark make each round's files new to every case (a
            # new SHA-256, the same picture), so matched uploads open a case every round.
            for i, photo in enumerate(photos):
                data = photo + f"round {round_no}".encode()
                tag = f"{round_no}-{i}"
                # One upload each way in turn, so both see the same machine conditions.
                # Both send the same request (subject ids and an Idempotency-Key): only what
                # the organisation does with it differs, so the ratio is the cost of the case.
                url = f"/v1/scan?user_id=user-{tag}&content_id=post-{tag}"
                for cases_on in (True, False) if i % 2 else (False, True):
                    org_key = with_cases if cases_on else without
                    headers = {**org_key, "Idempotency-Key": f"k-{tag}"}
                    t0 = time.perf_counter()
                    r = client.post(url, headers=headers, content=data)
                    took = time.perf_counter() - t0
                    assert r.status_code == 200, r.text
                    if round_no:
                        spent[cases_on] += took
                        opened += cases_on and r.json()["case_id"] is not None
    n = scans * rounds
    on, off = n / spent[True], n / spent[False]
    assert opened == len(planted) * rounds, opened
    print(
        f"  {label:12} {len(planted):4}/{scans} matched: with cases {on:6.1f} scans/s, "
        f"without {off:6.1f} scans/s, ratio {on / off:6.1%}  ({opened} cases opened)"
    )
    return on / off


def main() -> None:
    """Run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("CHILDGUARD_TEST_PG_URL", ""))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--matched", type=float, default=0.1)
    parser.add_argument("--skip-scale", action="store_true", help="Only the scan ratio.")
    parser.add_argument("--skip-scan", action="store_true", help="Only list and next.")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if not args.skip_scale:
        if args.pg_url:
            bench_scale(args.pg_url, args.cases, args.open, args.requests)
        else:
            print("case list and next: skipped (give --pg-url or CHILDGUARD_TEST_PG_URL)")
    if not args.skip_scan:
        print("scanning with case creation (in process, raw-body uploads)")
        for matched in sorted({0.0, args.matched, 1.0}):
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(data_dir=Path(tmp), log_level="WARNING")
                bench_scan(settings, "SQLite", args.scans, args.rounds, matched)
            if args.pg_url:
                with tempfile.TemporaryDirectory() as tmp, scratch_pg(args.pg_url) as url:
                    settings = Settings(data_dir=Path(tmp), database_url=url, log_level="WARNING")
                    bench_scan(settings, "PostgreSQL", args.scans, args.rounds, matched)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
