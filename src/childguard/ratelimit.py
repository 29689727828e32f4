"""Request rate limits shared by every server on the same database.

Counts live in ``rate_counters``: one row per bucket (``auth:<address>``, ``key:<id>``) and
fixed window, incremented with one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``) on SQLite and PostgreSQL alike, so servers behind a load balancer share the limit.

To keep the hot path free of a database write per request, a bucket may be synced every
``sync_seconds``: hits are counted locally in between and added to the shared row at the next
sync, so a limit may be overshot by what the servers accept within one sync interval.
Failed authentications are synced at once (each already cost a database read).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from childguard.store.db import Database
from childguard.store.models import RateCounter

#: Counters older than this are deleted, at most once per ``PRUNE_EVERY_SECONDS``.
KEEP_SECONDS = 3600
PRUNE_EVERY_SECONDS = 60.0


@dataclass
class _Local:
    window_start: int
    pending: int = 0
    shared: int = 0
    synced_at: float = 0.0


class RateLimiter:
    """Fixed-window counters per bucket, shared through the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._clock = time.time
        self._lock = threading.Lock()
        self._local: dict[str, _Local] = {}
        self._blocked: dict[str, float] = {}
        self._pruned_at = 0.0

    def blocked_for(self, bucket: str) -> float:
        """Seconds ``bucket`` is still refused in this process (0 when it is not)."""
        until = self._blocked.get(bucket)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            self._blocked.pop(bucket, None)
            return 0.0
        return left

    def hit(self, bucket: str, limit: int, window: float, sync_seconds: float = 0.0) -> float:
        """Count one request in ``bucket``; returns 0 when within ``limit``, else seconds to wait.

        Past the limit the bucket stays refused until its window ends.
        """
        now = self._clock()
        start = int(now // window * window)
        with self._lock:
            local = self._local.get(bucket)
            if local is None or local.window_start != start:
                local = self._local[bucket] = _Local(start)
            local.pending += 1
            due = now - local.synced_at >= sync_seconds
            if due:
                pending, local.pending = local.pending, 0
                local.synced_at = now
        if due:
            total = self._add(bucket, start, pending)
            with self._lock:
                local.shared = max(local.shared, total)
        total = local.shared + local.pending
        if total <= limit:
            return 0.0
        wait = start + window - now
        self._blocked[bucket] = now + wait
        if len(self._local) > 100_000:  # many one-off addresses: forget old windows
            with self._lock:
                self._local = {b: v for b, v in self._local.items() if v.window_start == start}
                self._blocked = {b: t for b, t in self._blocked.items() if t > now}
        return wait

    def _add(self, bucket: str, start: int, n: int) -> int:
        """Add ``n`` to the shared counter and return its new value."""
        table = cast(Table, RateCounter.__table__)
        values = {"bucket": bucket[:200], "window_start": start, "count": n}
        if self.db.is_sqlite:
            sq = sqlite_insert(table).values(**values)
            stmt = sq.on_conflict_do_update(
                index_elements=["bucket", "window_start"],
                set_={"count": table.c.count + sq.excluded.count},
            ).returning(table.c.count)
        else:
            pg = pg_insert(table).values(**values)
            stmt = pg.on_conflict_do_update(
                index_elements=["bucket", "window_start"],
                set_={"count": table.c.count + pg.excluded.count},
            ).returning(table.c.count)
        with self.db.session(write=True) as session:
            total = int(session.execute(stmt).scalar_one())
            if start - self._pruned_at >= PRUNE_EVERY_SECONDS:
                self._pruned_at = start
                session.execute(
                    delete(RateCounter).where(RateCounter.window_start < start - KEEP_SECONDS)
                )
        return total
