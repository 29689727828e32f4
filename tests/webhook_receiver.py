"""A local webhook receiver for tests: an http.server thread on 127.0.0.1 that records calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request as the receiver saw it."""

    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict[str, object]:
        """The decoded JSON body."""
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """What the receiver answers (``status``), whether it holds requests, and what it got."""

    url: str
    status: int = 200
    #: While cleared, requests wait (up to ``hold_seconds``) before being answered.
    release: threading.Event = field(default_factory=threading.Event)
    hold_seconds: float = 60.0
    calls: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def event_ids(self) -> list[str]:
        """The ``id`` of every body received, in order (repeats included)."""
        with self.lock:
            return [str(c.event["id"]) for c in self.calls]


@contextmanager
def run_receiver(status: int = 200, *, held: bool = False) -> Iterator[Receiver]:
    """Serve on a free port of 127.0.0.1 until the block ends."""
    receiver_box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = receiver_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rec.lock:
                rec.calls.append(Received(body, {k.lower(): v for k, v in self.headers.items()}))
            rec.arrived.set()
            rec.release.wait(rec.hold_seconds)
            self.send_response(rec.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook", status=status)
    if not held:
        receiver.release.set()
    receiver_box.append(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
