"""``kill -9`` of a server in the middle of deliveries loses no webhook event."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import OutboxMessage
from childguard.webhooks.outbox import enqueue_event
from tests.integration.webhooks.conftest import add_hook
from tests.webhook_receiver import run_receiver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings: Settings, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CHILDGUARD_DATA_DIR": str(settings.data_dir),
        "CHILDGUARD_LOG_LEVEL": "WARNING",
        "CHILDGUARD_WEBHOOK_ALLOW_PRIVATE": "true",
        "CHILDGUARD_WEBHOOK_TIMEOUT_SECONDS": "2",
        "CHILDGUARD_OUTBOX_LEASE_SECONDS": "4",
        "CHILDGUARD_OUTBOX_POLL_SECONDS": "0.1",
    }
    if settings.database_url:
        env["CHILDGUARD_DATABASE_URL"] = settings.database_url
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "childguard.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / f"{name}.log").open("wb"),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            pass
        assert proc.poll() is None, (tmp_path / f"{name}.log").read_text()[-2000:]
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def _emit(db: Database, org_id: int, count: int) -> set[str]:
    with db.session(write=True) as s:
        return {enqueue_event(s, org_id, "case.opened", {"n": i}) for i in range(count)}


@pytest.mark.slow
def test_kill_9_during_delivery_loses_no_event(settings: Settings, tmp_path: Path) -> None:
    db = Database.open(settings)
    with db.session(write=True) as s:
        org_id = ensure_org(s, "acme").id
    with run_receiver(held=True) as rx:
        add_hook(db, org_id, rx.url, ["case.opened"])
        events = _emit(db, org_id, 40)
        first = _serve(settings, tmp_path, "first")
        try:
            assert rx.arrived.wait(60), "the first server never delivered"
            # Deliveries are in flight (the receiver holds them): kill the server outright.
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.wait(timeout=20)
        assert first.returncode == -signal.SIGKILL
        events |= _emit(db, org_id, 10)  # queued while no server runs
        rx.release.set()
        second = _serve(settings, tmp_path, "second")
        try:
            deadline = time.monotonic() + 90
            while set(rx.event_ids()) != events:
                assert time.monotonic() < deadline, f"{len(set(rx.event_ids()))}/{len(events)}"
                time.sleep(0.1)
            while True:
                with db.session() as s:
                    undelivered = s.scalar(
                        select(func.count()).where(OutboxMessage.status != "delivered")
                    )
                if undelivered == 0:
                    break
                assert time.monotonic() < deadline, f"{undelivered} not recorded as delivered"
                time.sleep(0.1)
        finally:
            second.terminate()
            second.wait(timeout=20)
    assert set(rx.event_ids()) == events  # nothing lost (repeats of in-flight ones allowed)
    db.dispose()
