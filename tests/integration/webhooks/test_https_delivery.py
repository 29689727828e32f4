"""HTTPS deliveries go to the checked address while TLS verifies the URL's host name."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from childguard.store.db import Database
from childguard.store.models import Org, OutboxMessage
from childguard.webhooks.outbox import enqueue_event
from tests.integration.webhooks.conftest import Clock, add_hook, make_worker

HOST = "hooks.childguard.test"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``HOST`` (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def https_receiver(certificate: tuple[Path, Path]) -> Iterator[tuple[int, list[str]]]:
    """A TLS receiver on 127.0.0.1; yields its port and the Host headers it saw."""
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hosts.append(self.headers.get("Host", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hosts
    finally:
        server.shutdown()
        server.server_close()


def _local(host: str, port: int) -> list[str]:
    assert host == HOST
    return ["127.0.0.1"]


def test_https_to_pinned_address_with_host_name_verified(
    db: Database, org: Org, certificate: tuple[Path, Path], https_receiver: tuple[int, list[str]]
) -> None:
    port, hosts = https_receiver
    add_hook(db, org.id, f"https://{HOST}:{port}/hook", resolver=_local)
    with db.session(write=True) as s:
        enqueue_event(s, org.id, "case.opened", {"case_id": 1})
    clock = Clock()
    # The system's authorities do not trust the self-signed certificate: refused, retried.
    make_worker(db, clock, resolver=_local).run_once()
    with db.session() as s:
        m = s.scalars(select(OutboxMessage)).one()
        assert m.status == "pending" and m.last_error.startswith("connection failed")
    assert hosts == []
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    clock.advance(seconds=11)
    make_worker(db, clock, resolver=_local, tls=trusted).run_once()
    with db.session() as s:
        m = s.scalars(select(OutboxMessage)).one()
        assert (m.status, m.last_status_code) == ("delivered", 204)
    assert hosts == [f"{HOST}:{port}"]
