"""Retention: expiry, reported content, legal hold, purge, verified deletion, orphan sweep."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from childguard import evidence
from childguard.config import Settings
from childguard.errors import Conflict, NotFound, StorageError
from childguard.evidence import blobs
from childguard.evidence.scheduler import PurgeSchedule
from childguard.store.db import Database
from childguard.store.models import AuditRecord, EvidenceItem, utcnow
from tests.unit.evidence.conftest import ACTOR, Keep, Orgs, benign_png


def _item(db: Database, item_id: int) -> EvidenceItem:
    with db.session() as s:
        item = s.get(EvidenceItem, item_id)
        assert item is not None
        return item


def test_expiry_defaults_to_90_days_and_a_year_once_reported(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item_id = keep(orgs.a, benign_png())
    item = _item(db, item_id)
    assert item.expires_at - item.created_at == timedelta(days=90)
    reported_at = utcnow() + timedelta(days=10)
    with db.session(write=True) as s:
        marked = evidence.mark_reported(
            s, on_settings, orgs.a, item.sha256, actor=ACTOR, at=reported_at
        )
    assert marked == [item_id]
    item = _item(db, item_id)
    assert item.reported_at == reported_at
    assert item.expires_at == reported_at + timedelta(days=365)


def test_purge_deletes_only_what_is_due_and_not_held(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    plain = keep(orgs.a, benign_png(1), case_id=1)
    held = keep(orgs.a, benign_png(2), case_id=2)
    reported = keep(orgs.b, benign_png(3), case_id=3)
    with db.session(write=True) as s:
        evidence.hold(s, orgs.a, held, actor=ACTOR, reason="police request 42")
        evidence.mark_reported(s, on_settings, orgs.b, reported, actor=ACTOR)
    assert evidence.purge(db, on_settings, now=utcnow() + timedelta(days=89)).purged == 0
    report = evidence.purge(db, on_settings, now=utcnow() + timedelta(days=91))
    assert report.purged == 1 and report.missing == []
    gone = _item(db, plain)
    assert gone.deleted_at is not None and gone.deleted_by == "evidence-retention"
    assert gone.delete_reason == "retention period ended" and gone.filename == ""
    assert gone.sha256 and gone.case_id == 1  # the tombstone keeps what the item was
    assert not blobs.item_path(on_settings, orgs.a, plain).exists()
    assert blobs.item_path(on_settings, orgs.a, held).exists()
    assert blobs.item_path(on_settings, orgs.b, reported).exists()
    # Two years on, the hold still protects its item; the reported one has gone.
    assert evidence.purge(db, on_settings, now=utcnow() + timedelta(days=730)).purged == 1
    assert _item(db, held).deleted_at is None
    with db.session(write=True) as s:
        evidence.release(s, orgs.a, held, actor=ACTOR)
    assert evidence.purge(db, on_settings, now=utcnow() + timedelta(days=91)).purged == 1
    with db.session() as s:
        actions = [
            r.action
            for r in s.scalars(select(AuditRecord).where(AuditRecord.action.like("evidence.%")))
        ]
    assert actions.count("evidence.delete") == 3
    assert "evidence.hold" in actions and "evidence.release" in actions


def test_purge_of_one_org_leaves_the_others(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    keep(orgs.a, benign_png(1))
    keep(orgs.b, benign_png(2))
    later = utcnow() + timedelta(days=100)
    assert evidence.purge(db, on_settings, org_id=orgs.a, now=later).purged == 1
    with db.session() as s:
        assert len(evidence.list_items(s, orgs.b)) == 1
        assert evidence.list_items(s, orgs.a) == []
        assert len(evidence.list_items(s, orgs.a, include_deleted=True)) == 1


def test_delete_is_verified_and_leaves_a_tombstone(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item_id = keep(orgs.a, benign_png())
    with db.session(write=True) as s:
        evidence.hold(s, orgs.a, item_id, actor=ACTOR, reason="court order")
    with db.session(write=True) as s, pytest.raises(Conflict, match="legal hold"):
        evidence.delete(s, on_settings, orgs.a, item_id, actor=ACTOR, reason="mistake")
    with db.session(write=True) as s:
        evidence.release(s, orgs.a, item_id, actor=ACTOR)
        with pytest.raises(NotFound):
            evidence.delete(s, on_settings, orgs.b, item_id, actor=ACTOR, reason="not mine")
        evidence.delete(s, on_settings, orgs.a, item_id, actor=ACTOR, reason="uploaded in error")
    assert not blobs.item_path(on_settings, orgs.a, item_id).exists()
    item = _item(db, item_id)
    assert (item.deleted_by, item.delete_reason) == ("test", "uploaded in error")
    with db.session(write=True) as s:
        with pytest.raises(NotFound, match="deleted"):
            evidence.read_media(s, on_settings, orgs.a, item_id, actor=ACTOR, purpose="review")
        with pytest.raises(Conflict):
            evidence.hold(s, orgs.a, item_id, actor=ACTOR, reason="too late")
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.delete")).one()
    assert json.loads(record.details)["reason"] == "uploaded in error"


def test_delete_whose_file_survives_fails_and_keeps_the_item(
    db: Database,
    on_settings: Settings,
    orgs: Orgs,
    keep: Keep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item_id = keep(orgs.a, benign_png())
    # A file system that acknowledges the unlink but keeps the file (a stale network mount).
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    with db.session(write=True) as s, pytest.raises(StorageError, match="still on disk"):
        evidence.delete(s, on_settings, orgs.a, item_id, actor=ACTOR, reason="x")
    monkeypatch.undo()
    assert _item(db, item_id).deleted_at is None
    assert blobs.item_path(on_settings, orgs.a, item_id).exists()


def test_sweep_removes_orphans_and_temp_files_after_the_grace_period(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    kept = keep(orgs.a, benign_png())
    orphan = blobs.item_path(on_settings, orgs.a, 9999)
    blobs.write_atomic(orphan, b"CGE1 leftover of a crashed write")
    temp = orphan.with_name("77.abc.tmp")
    temp.write_bytes(b"half")
    # Within the grace period nothing is touched (the write may still commit).
    fresh = evidence.purge(db, on_settings)
    assert (fresh.orphans_removed, fresh.temp_removed) == (0, 0) and orphan.exists()
    old = time.time() - 7200
    for path in (orphan, temp):
        os.utime(path, (old, old))
    swept = evidence.purge(db, on_settings)
    assert (swept.orphans_removed, swept.temp_removed) == (1, 1)
    assert not orphan.exists() and not temp.exists()
    assert blobs.item_path(on_settings, orgs.a, kept).exists()
    blobs.item_path(on_settings, orgs.a, kept).unlink()
    assert evidence.purge(db, on_settings).missing == [kept]


def test_schedule_runs_the_purge(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item_id = keep(orgs.a, benign_png())
    with db.session(write=True) as s:
        s.get(EvidenceItem, item_id).expires_at = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    fast = on_settings.model_copy(update={"evidence_purge_interval_seconds": 0.05})
    schedule = PurgeSchedule(db, fast)
    assert schedule.start()
    try:
        deadline = time.monotonic() + 10
        while schedule.last_report is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        schedule.stop()
    assert schedule.last_report is not None and schedule.last_error is None
    assert _item(db, item_id).deleted_at is not None
    off = on_settings.model_copy(update={"evidence_purge_interval_seconds": 0})
    assert PurgeSchedule(db, off).start() is False
