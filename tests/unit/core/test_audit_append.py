"""Both append paths write the same chained record; failures leave nothing behind."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

import pytest
from sqlalchemy import func, select

from childguard import audit
from childguard.audit import GENESIS, Actor
from childguard.errors import StorageError
from childguard.store.db import Database
from childguard.store.models import AuditRecord, Org

ACTOR = Actor(7, 3, "platform-key")


def stored(db: Database) -> list[AuditRecord]:
    with db.session() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def test_append_now_writes_the_record_it_returns_chained_to_the_last(db: Database) -> None:
    with db.session(write=True) as session:
        first = audit.append(session, Actor(None, None, "cli"), "org.create", "org:1")
    details = {"blocked": True, "matches": [{"bank": "B", "entry_id": 4}]}
    rec = audit.append_now(db, ACTOR, "scan.match", "org:7", details)
    rows = stored(db)
    assert [r.id for r in rows] == [1, 2]
    assert rows[0].prev_hash == GENESIS and rows[0].hash == first.hash
    row = rows[1]
    assert (row.org_id, row.key_id, row.actor, row.action, row.target) == (
        7,
        3,
        "platform-key",
        "scan.match",
        "org:7",
    )
    assert json.loads(row.details) == details
    assert row.prev_hash == first.hash
    assert row.hash == rec.hash and row.at == rec.at and row.at.tzinfo is not None
    # the stored hash is the SHA-256 of the canonical fields, recomputed independently here
    canonical = json.dumps(
        [
            row.id,
            row.at.astimezone(UTC).isoformat(timespec="microseconds"),
            row.org_id,
            row.key_id,
            row.actor,
            row.action,
            row.target,
            row.details,
            row.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert row.hash == hashlib.sha256(canonical.encode()).hexdigest()
    with db.session() as session:
        assert audit.verify_chain(session).ok


def test_append_joins_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session(write=True) as session:
        session.add(Org(name="pending"))
        audit.append(session, ACTOR, "org.create", "org:pending")
        raise RuntimeError("the caller fails after appending")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0
        assert session.scalar(select(func.count()).select_from(Org)) == 0
    with db.session(write=True) as session:
        session.add(Org(name="kept"))
        audit.append(session, ACTOR, "org.create", "org:kept")
    assert [r.id for r in stored(db)] == [1]


def test_long_fields_are_cut_to_their_columns(db: Database) -> None:
    audit.append_now(db, Actor(None, None, "n" * 500), "bank.create", "t" * 500)
    row = stored(db)[0]
    assert (len(row.actor), len(row.target)) == (200, 200)
    with db.session() as session:
        assert audit.verify_chain(session).ok


def test_mixed_parallel_appends_keep_one_chain(db: Database) -> None:
    def work(worker: int) -> None:
        for n in range(10):
            if (worker + n) % 2:
                audit.append_now(db, Actor(None, None, f"w{worker}"), "scan.match", f"n:{n}")
            else:
                with db.session(write=True) as session:
                    audit.append(session, Actor(None, None, f"w{worker}"), "bank.x", f"n:{n}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(4)))
    with db.session() as session:
        report = audit.verify_chain(session)
    assert report.ok, report.problem
    assert report.records == 40


def test_append_now_on_an_unreachable_database_is_a_storage_error() -> None:
    broken = Database("sqlite:////nonexistent-folder/for/childguard.db")
    with pytest.raises(StorageError, match="database error"):
        audit.append_now(broken, ACTOR, "scan.match")
    broken.dispose()
