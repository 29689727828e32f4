"""Evidence store speed: keeping (encrypt, fsync, commit) and audited reads, per item size.

Usage: ``python bench/evidence_bench.py [--items 50] [--sizes 20000,1000000,20000000]``

Times ``keep_media`` (hash check, AES-256-GCM, temp file + fsync + rename, row and audit record,
commit) and ``read_media`` (decrypt, SHA-256 check, audit record, commit) on SQLite in a
temporary data directory, with random (benign noise) bytes. Prints items/s and MB/s for each
size, and the purge of every item. The disk's fsync latency dominates small items.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from childguard import evidence
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import utcnow

ACTOR = Actor(None, None, "bench")


def run(items: int, size: int, settings: Settings, db: Database, org_id: int) -> None:
    """Keep then read ``items`` items of ``size`` bytes; print the rates."""
    blobs = [os.urandom(size) for _ in range(items)]
    ids: list[int] = []
    t0 = time.perf_counter()
    for n, data in enumerate(blobs):
        with db.session(write=True) as s:
            evidence.keep_media(
                s,
                settings,
                org_id,
                data,
                sha256=hashlib.sha256(data).hexdigest(),
                case_id=size * 1000 + n,
                filename="b.bin",
                mime="application/octet-stream",
                actor=ACTOR,
            )
    keep_s = time.perf_counter() - t0
    with db.session() as s:
        ids = [i.id for i in evidence.list_items(s, org_id, limit=100_000)][-items:]
    t0 = time.perf_counter()
    for item_id in ids:
        with db.session(write=True) as s:
            evidence.read_media(s, settings, org_id, item_id, actor=ACTOR, purpose="bench")
    read_s = time.perf_counter() - t0
    mb = items * size / 1e6
    print(
        f"size {size:>10} B  keep {items / keep_s:8.1f} items/s {mb / keep_s:8.1f} MB/s   "
        f"read {items / read_s:8.1f} items/s {mb / read_s:8.1f} MB/s"
    )


def main() -> None:
    """Parse arguments and run every size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--sizes", default="20000,1000000,20000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), evidence_enabled=True, database_url=None)
        db = Database.open(settings)
        with db.session(write=True) as s:
            org_id = ensure_org(s, "bench").id
        for size in (int(x) for x in args.sizes.split(",")):
            run(args.items, size, settings, db, org_id)
        t0 = time.perf_counter()
        report = evidence.purge(db, settings, now=utcnow() + timedelta(days=91))
        elapsed = time.perf_counter() - t0
        print(f"purge {report.purged} items (verified deletion): {report.purged / elapsed:.1f}/s")
        db.dispose()


if __name__ == "__main__":
    main()
