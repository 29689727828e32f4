"""Benchmark childguard-to-childguard feeds between two servers on this machine.

    .venv/bin/python bench/exchange_bench.py --entries 1000000

Starts a publisher and a subscriber (``childguard serve`` subprocesses, each with its own data
directory and SQLite database, or PostgreSQL databases under ``--pg-url``), fills the publisher's
bank with ``--entries`` random MD5 values, publishes it and measures:

- ``full sync``: the subscriber's server pulls the whole feed from scratch
  (``POST /v1/subscriptions/{id}/sync``, pages of ``--page-size`` changes; goal 1M entries in
  <= 60 s);
- ``delta``: ``--delta`` entries added at the publisher, then synced (goal 1,000 in <= 2 s);
- ``add -> matchable``: one entry added at the publisher until a lookup at the subscriber finds
  it, with the subscriber polling every ``--poll`` seconds (goal <= one poll interval + 1 s).

The full sync also prints the CPU seconds both servers spent on it (wall time on a busy shared
machine mostly measures the other jobs). Figures are printed; nothing is asserted (timed goals
belong to benchmarks, not tests).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx2
import sqlalchemy as sa

from childguard.auth import create_key, ensure_org
from childguard.config import Settings
from childguard.media.bank_formats import EntryIn
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import Bank, BankEntry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_database(admin_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


class Node:
    """One deployment: data directory, database and its server process."""

    def __init__(
        self, root: Path, org: str, poll: float, pg_url: str | None, page_size: int = 50_000
    ) -> None:
        self.data_dir = root / org
        self.org = org
        self.database_url = pg_database(pg_url) if pg_url else None
        self.settings = Settings(data_dir=self.data_dir, database_url=self.database_url, org=org)
        self.db = Database.open(self.settings)
        self.poll = poll
        self.page_size = page_size
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key(self, org: str, role: str) -> str:
        with self.db.session() as s:
            return create_key(s, ensure_org(s, org), role).secret

    def start(self) -> None:
        env = {
            **os.environ,
            "CHILDGUARD_DATA_DIR": str(self.data_dir),
            "CHILDGUARD_ORG": self.org,
            "CHILDGUARD_FEED_POLL_SECONDS": str(self.poll),
            "CHILDGUARD_FEED_PAGE_SIZE": str(self.page_size),
            "CHILDGUARD_INDEX_POLL_SECONDS": "0.2",
            "CHILDGUARD_LOG_LEVEL": "WARNING",
            "CHILDGUARD_REQUEST_TIMEOUT_SECONDS": "600",
        }
        if self.database_url:
            env["CHILDGUARD_DATABASE_URL"] = self.database_url
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "childguard.cli.main", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"server {self.org} did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process and its children have used so far
        (Linux ``/proc``; 0 elsewhere)."""
        return process_tree_cpu(self.proc.pid) if self.proc is not None else 0.0

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants, from ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(c)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()
        ]
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(process_tree_cpu(c) for c in children)


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds per thread of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    out: dict[int, float] = {}
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return out


def fill(node: Node, bank: str, n: int, start: int = 0) -> None:
    """Add ``n`` random MD5 entries to ``bank``: a new bank by one bank import (the fast
    set-up), an existing one by ``add_entries`` (what a delta at the publisher looks like)."""
    with node.db.session(write=True) as s:
        org = ensure_org(s, node.org)
        repo = BankRepository(s, org)
        values = (secrets.token_hex(16) for _ in range(n))
        if start == 0:
            repo.import_entries(
                repo.create(bank), (EntryIn("md5", v, "bench", "", "", "", True) for v in values)
            )
            return
        b = repo.get(bank, write=True)
        repo.add_entries(b, [EntryIn("md5", v, "bench", "", "", "", True) for v in values])


def local_count(node: Node, bank: str) -> int:
    """Entries in one of the node's banks."""
    with node.db.session() as s:
        return int(
            s.scalar(
                sa.select(sa.func.count())
                .select_from(BankEntry)
                .join(Bank, Bank.id == BankEntry.bank_id)
                .where(Bank.name == bank)
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--delta", type=int, default=1000)
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--page-size", type=int, default=50_000, help="changes per feed page")
    parser.add_argument("--pg-url", default=os.environ.get("CHILDGUARD_TEST_PG_URL") or None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cg-exchange-bench-") as tmp:
        root = Path(tmp)
        pub = Node(root, "pubco", 0, args.pg_url)
        sub = Node(root, "subco", args.poll, args.pg_url, args.page_size)
        t = time.perf_counter()
        fill(pub, "KNOWN", args.entries)
        print(f"filled publisher with {args.entries:,} entries in {time.perf_counter() - t:.1f} s")
        pub_admin = {"Authorization": f"Bearer {pub.key('pubco', 'admin')}"}
        sub_admin = {"Authorization": f"Bearer {sub.key('subco', 'admin')}"}
        token = pub.key("subco", "platform")
        try:
            pub.start()
            sub.start()
            t = time.perf_counter()
            r = httpx2.post(f"{pub.url}/v1/feeds", headers=pub_admin, json={"bank": "KNOWN"},
                            timeout=600)  # fmt: skip
            r.raise_for_status()
            feed = r.json()
            print(f"publish (snapshot of the bank into the feed): {time.perf_counter() - t:.1f} s")
            httpx2.post(
                f"{pub.url}/v1/feeds/{feed['name']}/grants",
                headers=pub_admin,
                json={"org": "subco"},
            ).raise_for_status()
            r = httpx2.post(
                f"{sub.url}/v1/subscriptions",
                headers=sub_admin,
                json={"url": pub.url + feed["path"], "fingerprint": feed["fingerprint"],
                      "bank": "FROM_PUBCO", "token": token},
            )  # fmt: skip
            r.raise_for_status()
            sub_id = r.json()["id"]
            cpu0 = pub.cpu_seconds(), sub.cpu_seconds()
            threads0 = thread_cpu(sub.proc.pid) if sub.proc else {}
            t = time.perf_counter()
            r = httpx2.post(
                f"{sub.url}/v1/subscriptions/{sub_id}/sync", headers=sub_admin, timeout=3600
            )
            full = time.perf_counter() - t
            cpu_pub, cpu_sub = pub.cpu_seconds() - cpu0[0], sub.cpu_seconds() - cpu0[1]
            threads = thread_cpu(sub.proc.pid) if sub.proc else {}
            busiest = sorted(
                (cpu - threads0.get(tid, 0.0) for tid, cpu in threads.items()), reverse=True
            )
            result = r.json()
            # the server's own poller may have applied some pages meanwhile: count the bank
            got = local_count(sub, "FROM_PUBCO")
            print(
                f"full sync: {got:,} entries, {full:.1f} s "
                f"({got / max(full, 1e-9):,.0f} entries/s; goal for 1M: <= 60 s) "
                f"status {result['status']}"
            )
            # On a busy shared machine wall time says little; CPU time of the two servers is
            # what an otherwise idle machine would spend (sync is sequential: fetch, then apply).
            print(
                f"full sync CPU: publisher {cpu_pub:.1f} s + subscriber {cpu_sub:.1f} s = "
                f"{cpu_pub + cpu_sub:.1f} s ({got / max(cpu_pub + cpu_sub, 1e-9):,.0f} entries per "
                f"CPU-second); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            # which of the subscriber's threads spent it: the sync request's, the page
            # prefetcher's, the index poller's (matcher), the server's event loop
            print("subscriber threads, CPU-s: " + ", ".join(f"{cpu:.1f}" for cpu in busiest[:5]))
            fill(pub, "KNOWN", args.delta, start=1)
            t = time.perf_counter()
            r = httpx2.post(
                f"{sub.url}/v1/subscriptions/{sub_id}/sync", headers=sub_admin, timeout=600
            )
            delta = time.perf_counter() - t
            got = local_count(sub, "FROM_PUBCO") - got
            print(f"delta: {got:,} entries in {delta:.2f} s (goal for 1,000: <= 2 s)")
            # add one entry at the publisher; poll a lookup at the subscriber
            value = secrets.token_hex(16)
            with pub.db.session(write=True) as s:
                org = ensure_org(s, "pubco")
                repo = BankRepository(s, org)
                repo.add_entries(repo.get("KNOWN", write=True), [
                    EntryIn("md5", value, "bench", "", "", "", True)
                ])  # fmt: skip
            t = time.perf_counter()
            look = {"signal_type": "md5", "hashes": [value]}
            while True:
                r = httpx2.post(f"{sub.url}/v1/lookup", headers=sub_admin, json=look)
                if r.status_code == 200 and r.json()["results"][0]["matches"]:
                    break
                if time.perf_counter() - t > 10 * args.poll + 30:
                    print("add -> matchable: not matchable in time")
                    break
                time.sleep(0.05)
            took = time.perf_counter() - t
            print(
                f"add -> matchable at the subscriber: {took:.2f} s "
                f"(goal: <= poll {args.poll:g} s + 1 s)"
            )
        finally:
            pub.stop()
            sub.stop()


if __name__ == "__main__":
    main()
