"""Console page speed: the queue page over many open cases, a case page with many items.

Usage: ``python bench/web_bench.py [--cases 100000] [--items 200] [--runs 40] [--database-url URL]``

Fills a fresh database (SQLite by default) with ``--cases`` open cases of one organisation
(bulk inserts, as intake would leave them) and one case holding ``--items`` matched media items,
signs a reviewer in, and requests ``/queue`` and ``/cases/{id}`` ``--runs`` times each through
the app in this process (``TestClient``: no network, so the time is the server's work plus the
in-process transport). Prints p50 and p95 in milliseconds.

Target (issue 16 §8): both pages <= 150 ms server time at p95.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from childguard.api.app import create_app
from childguard.auth import Role, ensure_org
from childguard.cases.routing import get_queue
from childguard.config import Settings
from childguard.people.users import create_user
from childguard.store.models import Case, CaseMedia, utcnow

PASSWORD = "bench password 12345"


def fill(app_settings: Settings, app: object, cases: int, items: int) -> int:
    """Insert the open cases and the big case; returns the big case's id."""
    db = app.state.cg.db  # type: ignore[attr-defined]
    with db.session(write=True) as s:
        org = ensure_org(s, "bench")
        create_user(s, org, "reviewer@bench.example", Role.REVIEWER, PASSWORD)
        queue_id = get_queue(s, org.id, "default").id
        org_id = org.id
    now = utcnow()
    batch = 5000
    for start in range(0, cases, batch):
        rows = [
            {
                "org_id": org_id,
                "status": "open",
                "priority": (n * 7) % 100,
                "labels": json.dumps(["CSAM"] if n % 3 else ["GROOMING"]),
                "source": "match",
                "queue_id": queue_id,
                "content_id": f"c-{n}",
                "user_id": f"u-{n % 5000}",
                "opened_at": now - timedelta(seconds=n),
                "updated_at": now,
            }
            for n in range(start, min(start + batch, cases))
        ]
        with db.session(write=True) as s:
            s.execute(insert(Case), rows)
    with db.session(write=True) as s:
        big = Case(org_id=org_id, status="open", priority=100, labels='["CSAM"]',
                   source="match", queue_id=queue_id, opened_at=now, updated_at=now)  # fmt: skip
        s.add(big)
        s.flush()
        match = [{"bank": "KNOWN", "entry_id": 1, "signal_type": "pdq", "distance": 4,
                  "transform": "original", "classification": "A1",
                  "provenance": {"source": "bench"}}]  # fmt: skip
        s.execute(
            insert(CaseMedia),
            [
                {
                    "case_id": big.id,
                    "sha256": f"{n:064x}",
                    "md5": f"{n:032x}",
                    "pdq": f"{n:064x}",
                    "filename": f"item-{n}.png",
                    "mime": "image/png",
                    "size": 1000 + n,
                    "matches": json.dumps(match),
                    "signals": "{}",
                    "evidence_kept": False,
                    "evidence_note": "evidence store is off",
                    "added_at": now,
                }
                for n in range(items)
            ],
        )
        return big.id


def timed(client: TestClient, url: str, runs: int) -> list[float]:
    """Milliseconds of ``runs`` GETs of ``url`` (after one warm-up)."""
    assert client.get(url).status_code == 200
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    return out


def p95(values: list[float]) -> float:
    """95th percentile."""
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    """Run the bench and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url, outbox_worker=False)
        app = create_app(settings, start_poller=False)
        with TestClient(app) as client:
            t0 = time.perf_counter()
            big = fill(settings, app, args.cases, args.items)
            print(f"filled {args.cases} open cases and a case of {args.items} items "
                  f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
            form = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf
            r = client.post("/login", data={"email": "reviewer@bench.example",
                            "password": PASSWORD, "csrf": csrf.group(1)},
                            follow_redirects=False)  # fmt: skip
            assert r.status_code == 303
            for name, url in (("queue page", "/queue"), ("case page", f"/cases/{big}")):
                ms = timed(client, url, args.runs)
                print(f"{name:11} {url:16} p50 {statistics.median(ms):7.1f} ms   "
                      f"p95 {p95(ms):7.1f} ms   (target <= 150 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
