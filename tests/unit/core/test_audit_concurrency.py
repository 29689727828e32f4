"""Concurrent writers never fork or break the audit chain (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from childguard import audit
from childguard.audit import Actor
from childguard.store.db import Database
from childguard.store.models import AuditRecord


def test_parallel_appends_keep_one_intact_chain(db: Database) -> None:
    def work(worker: int) -> int:
        for n in range(15):
            with db.session(write=True) as session:
                # a read first, as real routes do, before the append
                session.execute(select(AuditRecord.id).limit(1))
                audit.append(session, Actor(None, None, f"w{worker}"), "test.append", f"n:{n}")
        return worker

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert sorted(pool.map(work, range(6))) == list(range(6))
    with db.session() as session:
        report = audit.verify_chain(session)
    assert report.ok, report.problem
    assert report.records == 90
