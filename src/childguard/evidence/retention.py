"""Retention: the purge of expired evidence and the sweep of files no record owns.

``purge`` deletes every item whose expiry has passed and that is not on legal hold, in small
transactions (file removed and checked gone, record kept as a tombstone, audited). The file is
removed before the tombstone commits; a crash in between leaves a live record without a file,
which the next purge tombstones like any other due item. ``sweep_orphans`` removes files that a
crashed or rolled-back write left behind (no record, or a tombstone), and temporary files of
interrupted writes, once they are older than a grace period that covers writes in flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import childguard.evidence.blobs as blobs
from childguard.audit import Actor
from childguard.config import Settings
from childguard.evidence.store import tombstone
from childguard.store.db import Database
from childguard.store.models import EvidenceItem, utcnow

#: Files younger than this may belong to a write whose transaction has not committed yet.
ORPHAN_GRACE_SECONDS = 3600.0
PURGE_BATCH = 200
SYSTEM_ACTOR = Actor(None, None, "evidence-retention")


@dataclass
class PurgeReport:
    """What one purge did: items deleted (tombstoned) and files the sweep removed or missed."""

    purged: int = 0
    orphans_removed: int = 0
    temp_removed: int = 0
    #: Live items whose file is missing (listed, never silently tombstoned).
    missing: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "purged": self.purged,
            "orphans_removed": self.orphans_removed,
            "temp_removed": self.temp_removed,
            "missing": self.missing,
        }


def purge_expired(
    db: Database,
    settings: Settings,
    *,
    org_id: int | None = None,
    now: datetime | None = None,
    actor: Actor = SYSTEM_ACTOR,
) -> int:
    """Delete every item due at ``now`` (not on legal hold); returns how many were deleted."""
    now = now or utcnow()
    done = 0
    while True:
        with db.session(write=True) as session:
            query = (
                select(EvidenceItem)
                .where(
                    EvidenceItem.deleted_at.is_(None),
                    EvidenceItem.legal_hold.is_(False),
                    EvidenceItem.expires_at <= now,
                )
                .order_by(EvidenceItem.id)
                .limit(PURGE_BATCH)
            )
            if org_id is not None:
                query = query.where(EvidenceItem.org_id == org_id)
            if not db.is_sqlite:
                # Several servers may purge at once: each takes rows the others do not hold.
                query = query.with_for_update(skip_locked=True)
            items = list(session.scalars(query))
            for item in items:
                tombstone(session, settings, item, actor=actor, reason="retention period ended")
        done += len(items)
        if len(items) < PURGE_BATCH:
            return done


def sweep_orphans(
    db: Database,
    settings: Settings,
    *,
    org_id: int | None = None,
    min_age_seconds: float = ORPHAN_GRACE_SECONDS,
) -> PurgeReport:
    """Remove leftover files older than ``min_age_seconds`` and list live items without a file."""
    report = PurgeReport()
    root = settings.resolved_evidence_dir
    cutoff = time.time() - min_age_seconds
    on_disk: dict[int, tuple[int, Path]] = {}
    if root.is_dir():
        for org_dir in root.iterdir():
            if not org_dir.is_dir() or not org_dir.name.isdigit():
                continue
            if org_id is not None and int(org_dir.name) != org_id:
                continue
            for path in org_dir.glob("*/*"):
                if path.name.endswith(blobs.TMP_SUFFIX):
                    if _older(path, cutoff):
                        path.unlink(missing_ok=True)
                        report.temp_removed += 1
                elif path.suffix == blobs.SUFFIX and path.stem.isdigit():
                    on_disk[int(path.stem)] = (int(org_dir.name), path)
    with db.session() as session:
        owners = _live_owners(session, list(on_disk))
        query = select(EvidenceItem.id, EvidenceItem.org_id).where(
            EvidenceItem.deleted_at.is_(None)
        )
        if org_id is not None:
            query = query.where(EvidenceItem.org_id == org_id)
        live = list(session.execute(query.order_by(EvidenceItem.id)))
    for item_id, (folder_org, path) in on_disk.items():
        if owners.get(item_id) != folder_org and _older(path, cutoff):
            blobs.delete_verified(path, item_id)
            report.orphans_removed += 1
    for item_id, item_org in live:
        if not blobs.item_path(settings, item_org, item_id).exists():
            report.missing.append(item_id)
    return report


def _live_owners(session: Session, ids: list[int]) -> dict[int, int]:
    """item id -> org id of the live items among ``ids``."""
    owners: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(EvidenceItem.id, EvidenceItem.org_id).where(
                EvidenceItem.id.in_(chunk), EvidenceItem.deleted_at.is_(None)
            )
        )
        owners.update({row[0]: row[1] for row in rows})
    return owners


def _older(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def purge(
    db: Database,
    settings: Settings,
    *,
    org_id: int | None = None,
    now: datetime | None = None,
    actor: Actor = SYSTEM_ACTOR,
    min_age_seconds: float = ORPHAN_GRACE_SECONDS,
) -> PurgeReport:
    """Purge expired items, then sweep leftover files: what the schedule and the CLI run."""
    purged = purge_expired(db, settings, org_id=org_id, now=now, actor=actor)
    report = sweep_orphans(db, settings, org_id=org_id, min_age_seconds=min_age_seconds)
    report.purged = purged
    return report
