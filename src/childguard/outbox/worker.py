"""The delivery worker: claims due messages and delivers them on its own threads.

It runs inside the server process (started and stopped with the app) with its own database
connections and a bounded pool of delivery threads, so a receiver that is down, slow or failing
costs only those threads, never a request's time.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from childguard.outbox import store
from childguard.outbox.backoff import Backoff
from childguard.outbox.messages import ClaimedMessage, DeliveryResult, Handler
from childguard.store.db import Database
from childguard.store.models import utcnow

log = logging.getLogger("childguard.outbox")

#: Claimed messages per delivery thread (running or queued): enough to keep the threads busy
#: between claims, few enough that a queued message is sent long before its lease runs out.
QUEUED_PER_THREAD = 4


def worker_name() -> str:
    """A name unique to this worker: host, process and a random suffix."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxWorker:
    """Delivers due outbox messages through the handler of their ``kind``.

    ``start()`` runs the loop in a daemon thread; ``run_once()`` delivers what is due now and
    returns (tests, benchmarks and one-shot commands). Results are recorded in batches; a
    message's lease (``lease``) must outlast one delivery's timeout. ``on_outcome`` sees every
    recorded attempt (metrics).
    """

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 8,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=120),
        retry_window: timedelta = timedelta(hours=24),
        poll_seconds: float = 0.5,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = utcnow,
        name: str | None = None,
        on_outcome: Callable[[store.Outcome], None] | None = None,
    ) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self.concurrency = concurrency
        self.batch = batch
        self.lease = lease
        self.retry_window = retry_window
        self.poll_seconds = poll_seconds
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.name = name or worker_name()
        self.on_outcome = on_outcome
        self.last_error: str | None = None
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="childguard-deliver")
        self._done: queue.SimpleQueue[store.Outcome] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._in_flight = 0
        self._idle = True
        self._futures: set[Future[None]] = set()

    def _deliver(self, message: ClaimedMessage, claimed_at: float) -> None:
        started_at = self.clock()
        t0 = time.perf_counter()
        handler = self.handlers.get(message.kind)
        try:
            if t0 - claimed_at > self.lease.total_seconds() / 2:
                # Waited too long for a thread: the lease might run out mid-delivery and let
                # another worker send the same message at the same time.
                result = DeliveryResult.failed("not attempted: the claim was too old")
            elif handler is None:
                result = DeliveryResult.failed(f"no handler for kind {message.kind!r}")
            else:
                result = handler(message)
        except Exception as exc:  # a handler bug must not kill the worker; retried later
            result = DeliveryResult.failed(f"handler error: {type(exc).__name__}")
        duration_ms = int((time.perf_counter() - t0) * 1000)
        self._done.put(store.Outcome(message, result, started_at, duration_ms))
        self._wake.set()

    def _settle_finished(self) -> int:
        outcomes: list[store.Outcome] = []
        while True:
            try:
                outcomes.append(self._done.get_nowait())
            except queue.Empty:
                break
        # Counted as finished even if recording fails: those messages stay leased and are
        # tried again once the lease runs out, and this worker keeps its capacity.
        self._in_flight -= len(outcomes)
        if outcomes:
            store.settle(
                self.db,
                self.name,
                outcomes,
                now=self.clock(),
                retry_window=self.retry_window,
                backoff=self.backoff,
            )
            for o in outcomes:
                if self.on_outcome is not None:
                    self.on_outcome(o)
                log.log(
                    logging.DEBUG if o.result.ok else logging.INFO,
                    "outbox delivery",
                    extra={
                        "outbox_id": o.message.id,
                        "kind": o.message.kind,
                        "attempt": o.message.attempt,
                        "ok": o.result.ok,
                        "status_code": o.result.status_code,
                        "duration_ms": o.duration_ms,
                        "error": o.result.error,
                    },
                )
        return len(outcomes)

    def _claim(self, limit: int) -> list[ClaimedMessage]:
        now = self.clock()
        if limit <= 0 or (self._idle and not store.has_due(self.db, now)):
            return []
        claimed = store.claim(self.db, self.name, limit, now=now, lease=self.lease)
        self._idle = not claimed
        return claimed

    def run_once(self) -> int:
        """Claim what is due now, deliver it, record the results; returns how many were tried."""
        total = 0
        while True:
            claimed = self._claim(self.batch)
            if not claimed:
                return total
            now = time.perf_counter()
            self._in_flight += len(claimed)
            wait([self._pool.submit(self._deliver, m, now) for m in claimed])
            self._settle_finished()
            total += len(claimed)

    def _step(self) -> bool:
        """One turn of the loop; returns whether there may be more to do at once."""
        self._settle_finished()
        free = self.concurrency * QUEUED_PER_THREAD - self._in_flight
        claimed = self._claim(min(free, self.batch))
        now = time.perf_counter()
        for message in claimed:
            future = self._pool.submit(self._deliver, message, now)
            self._futures.add(future)
            future.add_done_callback(self._futures.discard)
        self._in_flight += len(claimed)
        return bool(claimed) and len(claimed) == min(free, self.batch)

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                busy = self._step()
                self.last_error = None
            except Exception as exc:  # database down: keep trying, readiness shows the error
                self.last_error = type(exc).__name__
                log.warning("outbox worker step failed", extra={"error": type(exc).__name__})
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def start(self) -> None:
        """Run the delivery loop in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="childguard-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming, give running deliveries ``timeout`` seconds, record what finished.

        Deliveries still running keep their lease and are retried after it runs out.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        pending = list(self._futures)
        for future in pending:
            future.cancel()
        wait(pending, timeout=timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self._settle_finished()
        except Exception as exc:  # shutting down: unsettled messages are retried after the lease
            log.warning("outbox results not recorded", extra={"error": type(exc).__name__})
