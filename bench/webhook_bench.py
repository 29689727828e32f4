"""Webhook delivery throughput: N events through the durable outbox to a local receiver.

Usage: ``python bench/webhook_bench.py [--events 10000] [--database-url URL] [--webhooks 1]``

Queues ``--events`` ``case.opened`` events with ``enqueue_event`` (500 per transaction, as a busy
case service would), then starts the outbox worker exactly as a server builds it
(``childguard.outbox.registry.build_worker``, ``CHILDGUARD_OUTBOX_CONCURRENCY`` threads) and
times until a receiver on 127.0.0.1 (``http.server`` threads, in this process) has every event
and the database records every delivery. The receiver checks each signature. The default
database is a fresh SQLite file; pass a PostgreSQL URL to measure that.

Target (issue 12 §9): 10,000 webhook events delivered to a local receiver in <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.outbox.registry import build_worker
from childguard.store.db import Database
from childguard.store.models import OutboxMessage
from childguard.webhooks.events import EVENT_TYPES
from childguard.webhooks.outbox import enqueue_event
from childguard.webhooks.signing import verify
from childguard.webhooks.subscriptions import create_webhook


class Tally:
    """What the receiver saw: event ids, repeats and bad signatures."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: set[str] = set()
        self.requests = 0
        self.bad_signatures = 0
        self.secrets: list[str] = []


def start_receiver(tally: Tally) -> tuple[ThreadingHTTPServer, str]:
    """A receiver on a free port that answers 200 and checks signatures."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get("X-Childguard-Signature", "")
            good = any(verify(s, body, header) for s in tally.secrets)
            event_id = self.headers.get("X-Childguard-Event-Id", "")
            with tally.lock:
                tally.requests += 1
                tally.ids.add(event_id)
                tally.bad_signatures += 0 if good else 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--webhooks", type=int, default=1, help="Webhooks each event goes to.")
    parser.add_argument("--database-url", default=os.environ.get("CHILDGUARD_DATABASE_URL"))
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    settings = Settings(
        data_dir=workdir,
        database_url=args.database_url,
        webhook_allow_private=True,
        outbox_poll_seconds=0.05,
    )
    db = Database.open(settings)
    tally = Tally()
    server, url = start_receiver(tally)
    actor = Actor(None, None, "bench")
    with db.session(write=True) as s:
        org_id = ensure_org(s, f"bench-{os.getpid()}").id
        for _ in range(args.webhooks):
            new = create_webhook(s, org_id, url, list(EVENT_TYPES), allow_private=True, actor=actor)
            tally.secrets.append(new.secret)

    t0 = time.perf_counter()
    done = 0
    while done < args.events:
        with db.session(write=True) as s:
            for i in range(done, min(done + 500, args.events)):
                enqueue_event(s, org_id, "case.opened", {"case_id": i, "priority": 3})
        done = min(done + 500, args.events)
    queued = time.perf_counter() - t0
    deliveries = args.events * args.webhooks

    worker = build_worker(db, settings)
    t1 = time.perf_counter()
    worker.start()
    received = recorded = None
    while time.perf_counter() - t1 < args.timeout:
        if received is None and tally.requests >= deliveries and len(tally.ids) >= args.events:
            received = time.perf_counter() - t1
        if received is not None:
            with db.session() as s:
                left = s.scalar(
                    select(func.count()).where(
                        OutboxMessage.org_id == org_id, OutboxMessage.status != "delivered"
                    )
                )
            if left == 0:
                recorded = time.perf_counter() - t1
                break
        time.sleep(0.05)
    worker.stop()
    server.shutdown()
    db.dispose()

    backend = "sqlite" if db.is_sqlite else "postgresql"
    print(
        f"database: {backend}; delivery threads: {settings.outbox_concurrency}; "
        f"cpus: {os.cpu_count()}; load: {os.getloadavg()[0]:.2f}"
    )
    print(
        f"queued {args.events} events x {args.webhooks} webhooks in {queued:.2f} s "
        f"({args.events / queued:.0f} events/s)"
    )
    if received is None:
        print(f"NOT all delivered within {args.timeout:.0f} s: {len(tally.ids)} events received")
        return
    print(f"received every event in {received:.2f} s ({deliveries / received:.0f} deliveries/s)")
    if recorded is not None:
        print(f"every delivery recorded as delivered after {recorded:.2f} s")
    print(
        f"requests {tally.requests} for {deliveries} deliveries; "
        f"bad signatures {tally.bad_signatures}"
    )
    target = 60.0 * deliveries / 10_000
    verdict = "meets" if received <= target else "MISSES"
    print(f"target: {deliveries} deliveries in <= {target:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
