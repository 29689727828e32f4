"""Profile a from-scratch feed sync in one process: where the CPU-seconds of both sides go.

    .venv/bin/python bench/feed_sync_profile.py --entries 100000
    .venv/bin/python bench/feed_sync_profile.py --entries 100000 --profile 25
    .venv/bin/python bench/feed_sync_profile.py --entries 100000 --pg-url postgresql+psycopg://...

A publisher and a subscriber, each with its own data directory and database (SQLite files, or
fresh PostgreSQL databases under ``--pg-url``), in this one process: the publisher's bank is
filled with ``--entries`` random MD5 values by a bank import and published; the subscriber
subscribes and syncs through a client that calls the publisher's ``read_page`` directly (no
HTTP), then its matcher (as the server's index poller would) loads what was synced.

Printed: CPU-seconds (all threads of this process; a loaded machine inflates them much less than
wall time) of the publisher's serving, of the subscriber's sync (fetch check, parse, apply) and
of the matcher's loading, the same extrapolated to 1M entries, and the load average. The
baseline, run after it in the same process: a bank import of the same values into a third,
fresh database (``BankRepository.import_entries``, the fastest way entries get into a bank) and
the matcher loading them; the ratio sync / import is printed. With ``--profile N``, cProfile's
top ``N`` functions by own time for the sync and matcher phases. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from childguard import orgkeys
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.exchange import feeds, pages, subscriptions
from childguard.exchange.transport import HttpResponse
from childguard.media.bank_formats import EntryIn
from childguard.media.banks import BankRepository
from childguard.media.matcher import Matcher
from childguard.store.db import Database

FEED = "pubco-known"
URL = f"http://publisher.test/v1/feeds/{FEED}"


class Publisher:
    """Serves the publisher's key and pages from its own database, timing its CPU per thread."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db, self.data_dir = db, data_dir
        self.cpu = 0.0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> HttpResponse:
        start = time.thread_time()
        try:
            with self.db.session(write=True) as s:
                pub = ensure_org(s, "pubco")
                if url.endswith("/key"):
                    key = orgkeys.active_key(s, self.data_dir, pub.id)
                    body = (
                        f'{{"public_key": "{key.public_key}", "publisher": "pubco", '
                        '"kind": "bank"}'
                    ).encode()
                    return HttpResponse(200, body)
                assert params is not None
                feeds.refresh(s, FEED)
                body, signature, _ = feeds.read_page(
                    s,
                    self.data_dir,
                    FEED,
                    ensure_org(s, "subco"),
                    cursor=int(params["cursor"]),
                    nonce=str(params["nonce"]),
                    limit=int(params["limit"]),
                    actor=Actor(pub.id, None, "bench"),
                )
            return HttpResponse(200, body, {pages.SIGNATURE_HEADER: signature})
        finally:
            self.cpu += time.thread_time() - start


def open_node(
    root: Path, org: str, pg_url: str | None, page_size: int
) -> tuple[Database, Settings]:
    """A fresh deployment's database (SQLite in ``root/org`` or a new PostgreSQL database)."""
    url = None
    if pg_url:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(data_dir=root / org, database_url=url, org=org, feed_page_size=page_size)
    return Database.open(settings), settings


def fill(db: Database, n: int) -> None:
    """Import ``n`` random MD5 entries into pubco's new bank KNOWN."""
    entries = (EntryIn("md5", secrets.token_hex(16), "bench", "", "", "", True) for _ in range(n))
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "pubco"))
        repo.import_entries(repo.create("KNOWN"), entries)


def baseline(root: Path, pg_url: str | None, page_size: int, pub_db: Database) -> float:
    """CPU-seconds of importing the publisher's values into a fresh deployment's new bank and
    of its matcher loading them."""
    with pub_db.session() as s:
        values = list(s.scalars(sa.text("SELECT value FROM bank_entries ORDER BY id")))
    db, settings = open_node(root, "baseline", pg_url, page_size)
    matcher = Matcher(db, settings)
    cpu = time.process_time()
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "subco"))
        entries = (EntryIn("md5", v, "feed:pubco", "", "", "", True) for v in values)
        repo.import_entries(repo.create("FROM"), entries)
    matcher.catch_up()
    return time.process_time() - cpu


def top(profile: cProfile.Profile, n: int) -> None:
    """Print the ``n`` functions with the most own time."""
    pstats.Stats(profile).sort_stats("tottime").print_stats(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=50_000)
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cg-feed-profile-") as tmp:
        root = Path(tmp)
        pub_db, _ = open_node(root, "pubco", args.pg_url, args.page_size)
        sub_db, sub_settings = open_node(root, "subco", args.pg_url, args.page_size)
        t = time.perf_counter()
        fill(pub_db, args.entries)
        print(f"fill publisher: {time.perf_counter() - t:.1f} s")
        publisher = Publisher(pub_db, root / "pubco")
        with pub_db.session(write=True) as s:
            pub = ensure_org(s, "pubco")
            actor = Actor(pub.id, None, "bench")
            info = feeds.publish_bank(s, root / "pubco", pub, "KNOWN", name=FEED, actor=actor)
            feeds.grant(s, pub, FEED, ensure_org(s, "subco"), revoke=False, actor=actor)
        key = subscriptions.fetch_key(publisher, URL, info.fingerprint, "")
        with sub_db.session(write=True) as s:
            org = ensure_org(s, "subco")
            sub_id = subscriptions.subscribe(
                s, key, org, token="", actor=Actor(org.id, None, "bench"), bank_name="FROM"
            ).id
        matcher = Matcher(sub_db, sub_settings)
        publisher.cpu = 0.0
        profile = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        result = subscriptions.sync(sub_db, sub_settings, publisher, sub_id)
        if profile:
            profile.disable()
        cpu_sync, wall_sync = time.process_time() - cpu, time.perf_counter() - wall
        cpu = time.process_time()
        if profile:
            profile.enable()
        matcher.catch_up()
        if profile:
            profile.disable()
        cpu_match = time.process_time() - cpu
        held = sum(matcher.size.values())
        serve = publisher.cpu
        apply = cpu_sync - serve
        total = cpu_sync + cpu_match
        scale = 1_000_000 / max(args.entries, 1)
        print(
            f"sync: {result.added:,} entries, {result.pages} pages, status {result.status}, "
            f"wall {wall_sync:.1f} s; matcher holds {held:,}"
        )
        print(
            f"CPU-s: publisher serving {serve:.2f} + subscriber sync {apply:.2f} + "
            f"matcher load {cpu_match:.2f} = {total:.2f} "
            f"(per 1M: {serve * scale:.1f} + {apply * scale:.1f} + {cpu_match * scale:.1f} = "
            f"{total * scale:.1f}); {args.entries / max(total, 1e-9):,.0f} entries per CPU-s; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        base = baseline(root, args.pg_url, args.page_size, pub_db)
        print(
            f"baseline, bank import of the same values + matcher load: {base:.2f} CPU-s; "
            f"sync / import = {(cpu_sync - serve + cpu_match) / max(base, 1e-9):.2f} "
            "(subscriber side only)"
        )
        if profile:
            top(profile, args.profile)


if __name__ == "__main__":
    main()
