"""Listing banks with a million entries: kept counts against recounting.

Usage: ``python bench/bank_list_bench.py [--entries 1000000] [--database-url URL] [--rounds 50]``

Fills one bank with ``--entries`` MD5 entries (multi-row inserts, as an import makes them, so
the counting triggers run as they do for an import) on a fresh SQLite database in a temporary
directory, or on ``--database-url`` (an empty PostgreSQL database), then prints:

- the time the bulk insert took (triggers included),
- ``GET /v1/banks`` through the app in process (median and 95th percentile of ``--rounds``),
- ``GET /healthz`` the same way: the in-process client's own cost per request,
- the counting query the listing used before the counters (``GROUP BY`` over the entries),
  timed the same way: what each listing cost before.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select


def _timed(fn: object, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def main() -> None:
    """Fill, list and print."""
    from fastapi.testclient import TestClient

    from childguard.api.app import create_app
    from childguard.auth import create_key, ensure_org
    from childguard.config import Settings
    from childguard.media.banks import BankRepository
    from childguard.store.models import BankEntry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="cg-banklist-"))
    settings = Settings(data_dir=data, database_url=args.database_url, log_level="WARNING")
    app = create_app(settings, start_poller=False)
    with TestClient(app) as client:
        db = app.state.cg.db
        with db.session(write=True) as s:
            org = ensure_org(s, "bench")
            key = create_key(s, org, "platform").secret
            bank = BankRepository(s, org).create("MILLION")
            bank_id = bank.id
        started = time.perf_counter()
        batch = 50_000
        for first in range(0, args.entries, batch):
            rows = [
                {
                    "bank_id": bank_id,
                    "signal_type": "md5",
                    "value": f"{i:032x}",
                    "value_digest": f"{i:064x}",
                }
                for i in range(first, min(first + batch, args.entries))
            ]
            with db.session(write=True) as s:
                # multi-row INSERT ... RETURNING, as BankRepository.add_entries inserts
                s.scalars(insert(BankEntry).returning(BankEntry.id), rows).all()
        filled = time.perf_counter() - started
        headers = {"Authorization": f"Bearer {key}"}
        listed = client.get("/v1/banks", headers=headers).json()
        assert listed[0]["entries"] == {"md5": args.entries}, listed

        def listing() -> None:
            assert client.get("/v1/banks", headers=headers).status_code == 200

        def recount() -> None:
            with db.session() as s:
                s.execute(
                    select(BankEntry.signal_type, BankEntry.enabled, func.count())
                    .where(BankEntry.bank_id == bank_id)
                    .group_by(BankEntry.signal_type, BankEntry.enabled)
                ).all()

        def floor() -> None:
            assert client.get("/healthz").status_code == 200

        floor_med, _ = _timed(floor, args.rounds)
        list_med, list_p95 = _timed(listing, args.rounds)
        count_med, count_p95 = _timed(recount, max(3, args.rounds // 10))
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}, one bank of {args.entries} entries")
    print(f"bulk insert with counting triggers: {filled:.1f} s ({args.entries / filled:,.0f}/s)")
    print(f"GET /v1/banks (kept counts):  median {list_med:.2f} ms, p95 {list_p95:.2f} ms")
    print(f"GET /healthz through the same client (floor): median {floor_med:.2f} ms")
    print(f"recount (before, per listing): median {count_med:.1f} ms, p95 {count_p95:.1f} ms")


if __name__ == "__main__":
    main()
