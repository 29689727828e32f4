"""Listing banks with a million entries: kept counts against recounting.

Usage: ``python bench/bank_list_bench.py [--entries 1000000] [--database-url URL] [--rounds 50]
[--reuse]``

Fills one bank with ``--entries`` MD5 entries (multi-row inserts, as an import makes them, so
the counting triggers run as they do for an import) on a fresh SQLite database in a temporary
directory, or on ``--database-url`` (an empty PostgreSQL database; with ``--reuse``, one an
earlier run filled, which is then not filled again), then prints, each timed in rounds that
alternate between them (so a load that comes and goes weighs on all alike):

- the time the bulk insert took (triggers included),
- ``GET /v1/banks`` through the app in process (median and 95th percentile of ``--rounds``),
- ``GET /healthz`` the same way: the in-process client's own cost per request,
- the listing itself without HTTP (one prebuilt statement), against the listing as it was
  before (one query per table in a transaction: seven round trips),
- the counting query the listing used before the counters (``GROUP BY`` over the entries):
  what each listing cost before the counters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from childguard.store.models import Bank, BankEntry, BankEntryCount, BankShare, Org


def _alternating(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds of each of ``fns`` per round, the functions taking turns within a round."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def _median_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _listing_before(session: Session, org_id: int) -> list[tuple[object, ...]]:
    """The listing as it was before the prebuilt statement: one query per table (the org, the
    owned and shared bank ids, the counters, every org's name, the shares, the banks)."""
    session.get(Org, org_id)
    ids = set(session.scalars(select(Bank.id).where(Bank.org_id == org_id)))
    ids |= set(session.scalars(select(BankShare.bank_id).where(BankShare.org_id == org_id)))
    counts = session.execute(
        select(BankEntryCount.bank_id, BankEntryCount.signal_type, BankEntryCount.n).where(
            BankEntryCount.bank_id.in_(ids), BankEntryCount.n > 0
        )
    ).all()
    names: dict[int, str] = {i: n for i, n in session.execute(select(Org.id, Org.name))}
    shares = session.execute(
        select(BankShare.bank_id, BankShare.org_id).where(BankShare.bank_id.in_(ids))
    ).all()
    banks = session.scalars(select(Bank).where(Bank.id.in_(ids)).order_by(Bank.name)).all()
    return [(b.name, names.get(b.org_id), len(counts), len(shares)) for b in banks]


def main() -> None:
    """Fill, list and print."""
    from fastapi.testclient import TestClient

    from childguard.api.app import create_app
    from childguard.auth import create_key, ensure_org
    from childguard.config import Settings
    from childguard.media.bank_listing import visible_banks
    from childguard.media.banks import BankRepository

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true", help="list the bank an earlier run left")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="cg-banklist-"))
    settings = Settings(data_dir=data, database_url=args.database_url, log_level="WARNING")
    app = create_app(settings, start_poller=False)
    with TestClient(app) as client:
        db = app.state.cg.db
        with db.session(write=True) as s:
            org = ensure_org(s, "bench")
            org_id = org.id
            key = create_key(s, org, "platform").secret
            repo = BankRepository(s, org)
            existing = s.scalar(select(Bank.id).where(Bank.org_id == org_id))
            bank_id = existing if args.reuse and existing else repo.create("MILLION").id
        started = time.perf_counter()
        batch = 50_000
        for first in range(0, 0 if args.reuse and existing else args.entries, batch):
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

        def statement() -> None:
            with db.read() as conn:
                visible_banks(conn, org_id)

        def before() -> None:
            with db.session() as s:
                _listing_before(s, org_id)

        def recount() -> None:
            with db.session() as s:
                s.execute(
                    select(BankEntry.signal_type, BankEntry.enabled, func.count())
                    .where(BankEntry.bank_id == bank_id)
                    .group_by(BankEntry.signal_type, BankEntry.enabled)
                ).all()

        def floor() -> None:
            assert client.get("/healthz").status_code == 200

        load = os.getloadavg()
        fast = _alternating(
            {"floor": floor, "listing": listing, "statement": statement, "before": before},
            args.rounds,
        )
        slow = _alternating({"recount": recount}, max(3, args.rounds // 10))
        load_after = os.getloadavg()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}, one bank of {args.entries} entries")
    if not (args.reuse and existing):
        print(
            f"bulk insert with counting triggers: {filled:.1f} s ({args.entries / filled:,.0f}/s)"
        )
    print(f"load average (1 min) before/after timing: {load[0]:.2f} / {load_after[0]:.2f}")
    figures = [
        ("GET /v1/banks (kept counts)", fast["listing"]),
        ("GET /healthz through the same client (floor)", fast["floor"]),
        ("the listing without HTTP: one prebuilt statement", fast["statement"]),
        ("the listing without HTTP as before: 7 queries", fast["before"]),
        ("recount (before the counters, per listing)", slow["recount"]),
    ]
    for label, times in figures:
        median, p95 = _median_p95(times)
        print(f"{label}: median {median:.2f} ms, p95 {p95:.2f} ms")
    ratio = statistics.median(fast["before"]) / statistics.median(fast["statement"])
    print(f"statement vs 7 queries: {ratio:.1f}x faster")


if __name__ == "__main__":
    main()
