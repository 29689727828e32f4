"""Keeping, reading and managing evidence items: the service the API, CLI, cases and reports use.

Every function works in the caller's session and transaction. A kept item's file is written
before the caller commits; if the transaction rolls back the file is removed again, and a crash
in between leaves an orphan file that ``retention.sweep_orphans`` removes. Every read of the
bytes is audited with who, which item and why.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import childguard.evidence.blobs as blobs
import childguard.evidence.keys as keys
from childguard import audit
from childguard.audit import Actor
from childguard.config import Settings
from childguard.errors import Conflict, EvidenceDamaged, InvalidInput, NotFound
from childguard.media.tempfiles import bare_name
from childguard.store.models import EvidenceItem, EvidenceOrgSetting, utcnow

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: The session.info slot listing files written in the open transaction (removed on rollback).
_WRITTEN = "childguard.evidence.written"


# -- the per-organisation opt-in ---------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceSettings:
    """Whether an organisation keeps evidence, and why."""

    org_id: int
    #: The organisation's own choice (None: never set).
    org_enabled: bool | None
    #: ``CHILDGUARD_EVIDENCE_ENABLED``: on for every organisation.
    deployment_enabled: bool
    retention_days: int
    reported_retention_days: int

    @property
    def enabled(self) -> bool:
        """Whether media of this organisation's cases is kept."""
        return self.deployment_enabled or bool(self.org_enabled)


def get_settings(session: Session, settings: Settings, org_id: int) -> EvidenceSettings:
    """The evidence settings in force for ``org_id``."""
    row = session.get(EvidenceOrgSetting, org_id)
    return EvidenceSettings(
        org_id=org_id,
        org_enabled=None if row is None else row.enabled,
        deployment_enabled=settings.evidence_enabled,
        retention_days=settings.evidence_retention_days,
        reported_retention_days=settings.evidence_reported_retention_days,
    )


def set_enabled(
    session: Session, settings: Settings, org_id: int, enabled: bool, *, actor: Actor
) -> EvidenceSettings:
    """Opt ``org_id`` in (or out) of keeping evidence; audited. Kept items stay until purged."""
    row = session.get(EvidenceOrgSetting, org_id)
    if row is None:
        row = EvidenceOrgSetting(org_id=org_id)
        session.add(row)
    row.enabled = enabled
    row.updated_at = utcnow()
    row.updated_by = actor.name[:200]
    audit.append(session, actor, "evidence.settings", f"org:{org_id}", {"enabled": enabled})
    return get_settings(session, settings, org_id)


# -- keeping -----------------------------------------------------------------------------------


def _remember_written(session: Session, path: Path) -> None:
    """Delete ``path`` if the session's transaction rolls back instead of committing."""
    written: list[Path] | None = session.info.get(_WRITTEN)
    if written is None:
        written = session.info[_WRITTEN] = []

        @event.listens_for(session, "after_commit")
        def _committed(_session: Session) -> None:
            written.clear()

        @event.listens_for(session, "after_rollback")
        def _rolled_back(_session: Session) -> None:
            for leftover in written:
                leftover.unlink(missing_ok=True)
            written.clear()

    written.append(path)


def keep_media(
    session: Session,
    settings: Settings,
    org_id: int,
    data: bytes,
    *,
    sha256: str,
    case_id: int,
    filename: str,
    mime: str,
    actor: Actor,
    enabled: bool | None = None,
) -> bool:
    """Keep the original bytes of a case's media item when ``org_id`` has opted in.

    ``enabled`` is whether it has, when the caller has just read its settings in this
    transaction (None: read here).

    Returns True when the bytes were stored (encrypted) in the caller's transaction, or were
    already kept for this case; False when evidence is off for the organisation. ``sha256``
    must be the bytes' SHA-256 (``InvalidInput`` otherwise). The file is written before this
    returns and removed again if the transaction rolls back. An ``evidence.keep`` audit record
    is appended, so on SQLite the transaction must hold the write lock (``session(write=True)``).
    """
    if enabled is None:
        enabled = get_settings(session, settings, org_id).enabled
    if not enabled:
        return False
    digest = sha256.strip().lower()
    if not SHA256_RE.fullmatch(digest) or hashlib.sha256(data).hexdigest() != digest:
        raise InvalidInput("sha256 is not the SHA-256 of the media bytes given")
    existing = session.scalar(
        select(EvidenceItem.id).where(
            EvidenceItem.org_id == org_id,
            EvidenceItem.case_id == case_id,
            EvidenceItem.sha256 == digest,
            EvidenceItem.deleted_at.is_(None),
        )
    )
    if existing is not None:
        return True
    master = keys.load_master_keys(settings)
    data_key_row = keys.active_key(session, master, org_id)
    now = utcnow()
    item = EvidenceItem(
        org_id=org_id,
        case_id=case_id,
        sha256=digest,
        size=len(data),
        mime=mime[:100],
        filename=bare_name(filename) or "",
        key_id=data_key_row.id,
        created_at=now,
        created_by=actor.name[:200],
        expires_at=now + timedelta(days=settings.evidence_retention_days),
    )
    session.add(item)
    session.flush()
    path = blobs.item_path(settings, org_id, item.id)
    sealed = blobs.seal(keys.unwrap(master, data_key_row), data_key_row.id, org_id, item.id, data)
    _remember_written(session, path)
    blobs.write_atomic(path, sealed)
    audit.append(
        session,
        actor,
        "evidence.keep",
        f"evidence:{item.id}",
        {"case_id": case_id, "sha256": digest, "size": len(data)},
    )
    return True


# -- finding and reading -----------------------------------------------------------------------


def get_item(session: Session, org_id: int, item_id: int) -> EvidenceItem:
    """Item ``item_id`` of ``org_id`` (tombstones included); ``NotFound`` for any other org's."""
    item = session.get(EvidenceItem, item_id)
    if item is None or item.org_id != org_id:
        raise NotFound(f"no evidence item {item_id}")
    return item


def find_item(session: Session, org_id: int, ref: int | str) -> EvidenceItem:
    """A live item by id, or the newest live item of ``org_id`` with SHA-256 ``ref``."""
    if isinstance(ref, int) or (ref.isdigit() and len(ref) < 64):
        item = get_item(session, org_id, int(ref))
        if item.deleted_at is not None:
            raise NotFound(f"evidence item {item.id} was deleted ({item.delete_reason})")
        return item
    digest = ref.strip().lower()
    if not SHA256_RE.fullmatch(digest):
        raise InvalidInput("give an evidence id or a SHA-256 of 64 hex digits")
    found = session.scalar(
        select(EvidenceItem)
        .where(
            EvidenceItem.org_id == org_id,
            EvidenceItem.sha256 == digest,
            EvidenceItem.deleted_at.is_(None),
        )
        .order_by(EvidenceItem.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(f"no evidence kept with SHA-256 {digest}")
    return found


def list_items(
    session: Session,
    org_id: int,
    *,
    case_id: int | None = None,
    sha256: str | None = None,
    include_deleted: bool = False,
    after: int = 0,
    limit: int = 100,
) -> list[EvidenceItem]:
    """``org_id``'s items in id order after ``after`` (metadata only), filtered as asked."""
    query = select(EvidenceItem).where(EvidenceItem.org_id == org_id, EvidenceItem.id > after)
    if case_id is not None:
        query = query.where(EvidenceItem.case_id == case_id)
    if sha256 is not None:
        query = query.where(EvidenceItem.sha256 == sha256.strip().lower())
    if not include_deleted:
        query = query.where(EvidenceItem.deleted_at.is_(None))
    return list(session.scalars(query.order_by(EvidenceItem.id).limit(limit)))


def decrypt_item(session: Session, settings: Settings, item: EvidenceItem) -> bytes:
    """The plain bytes of ``item``, checked against its SHA-256 (not audited: callers audit)."""
    blob = blobs.read_blob(blobs.item_path(settings, item.org_id, item.id), item.id)
    key_row = keys.org_key(session, item.org_id, blobs.key_id_of(blob, item.id))
    master = keys.load_master_keys(settings, create=False)
    plain = blobs.open_sealed(keys.unwrap(master, key_row), item.org_id, item.id, blob)
    if hashlib.sha256(plain).hexdigest() != item.sha256:
        raise EvidenceDamaged(f"evidence {item.id} does not match its recorded SHA-256")
    return plain


def read_media(
    session: Session,
    settings: Settings,
    org_id: int,
    ref: int | str,
    *,
    actor: Actor,
    purpose: str,
) -> bytes:
    """The original bytes of a live item of ``org_id`` (by id or SHA-256), audited.

    The audit record names the reader, the item and ``purpose`` (e.g. ``review``,
    ``report:ncmec``); it is written in the caller's transaction, which must commit for the
    read to count as audited. Another organisation's item is ``NotFound``; a file that was
    altered, moved or lost is ``EvidenceDamaged``.
    """
    purpose = purpose.strip()
    if not purpose or len(purpose) > 200:
        raise InvalidInput("say why the evidence is read (purpose, 1 to 200 characters)")
    item = find_item(session, org_id, ref)
    plain = decrypt_item(session, settings, item)
    audit.append(
        session,
        actor,
        "evidence.read",
        f"evidence:{item.id}",
        {"case_id": item.case_id, "sha256": item.sha256, "purpose": purpose},
    )
    return plain


# -- retention changes -------------------------------------------------------------------------


def _live(session: Session, org_id: int, item_id: int) -> EvidenceItem:
    item = get_item(session, org_id, item_id)
    if item.deleted_at is not None:
        raise Conflict(f"evidence item {item_id} was already deleted")
    return item


def mark_reported(
    session: Session,
    settings: Settings,
    org_id: int,
    ref: int | str,
    *,
    actor: Actor,
    at: datetime | None = None,
) -> list[int]:
    """Record that content was reported to a hotline: it is then kept a year from ``at``.

    ``ref`` is an item id, or a SHA-256 that marks every live item of ``org_id`` with it.
    Returns the ids marked. The expiry only ever moves later.
    """
    now = at or utcnow()
    if isinstance(ref, int) or (ref.isdigit() and len(ref) < 64):
        items = [_live(session, org_id, int(ref))]
    else:
        first = find_item(session, org_id, ref)
        items = list_items(session, org_id, sha256=first.sha256, limit=10_000)
    until = now + timedelta(days=settings.evidence_reported_retention_days)
    for item in items:
        item.reported_at = now
        item.expires_at = max(item.expires_at, until)
        audit.append(
            session,
            actor,
            "evidence.reported",
            f"evidence:{item.id}",
            {"case_id": item.case_id, "expires_at": item.expires_at.isoformat()},
        )
    return [i.id for i in items]


def hold(session: Session, org_id: int, item_id: int, *, actor: Actor, reason: str) -> EvidenceItem:
    """Put an item on legal hold: it never expires while held. Audited; idempotent."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("a legal hold needs a reason (1 to 500 characters)")
    item = _live(session, org_id, item_id)
    item.legal_hold = True
    item.hold_reason = reason
    item.held_by = actor.name[:200]
    item.held_at = utcnow()
    audit.append(session, actor, "evidence.hold", f"evidence:{item.id}", {"reason": reason})
    return item


def release(session: Session, org_id: int, item_id: int, *, actor: Actor) -> EvidenceItem:
    """Lift an item's legal hold; its normal expiry applies again. Audited."""
    item = _live(session, org_id, item_id)
    if not item.legal_hold:
        raise Conflict(f"evidence item {item_id} is not on legal hold")
    item.legal_hold = False
    audit.append(session, actor, "evidence.release", f"evidence:{item.id}")
    return item


def delete(
    session: Session,
    settings: Settings,
    org_id: int,
    item_id: int,
    *,
    actor: Actor,
    reason: str,
) -> EvidenceItem:
    """Delete an item now: its file is removed and checked gone, its record becomes a tombstone.

    ``Conflict`` while the item is on legal hold.
    """
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("say why the evidence is deleted (reason, 1 to 500 characters)")
    item = _live(session, org_id, item_id)
    if item.legal_hold:
        raise Conflict(f"evidence item {item_id} is on legal hold: release it first")
    tombstone(session, settings, item, actor=actor, reason=reason)
    return item


def tombstone(
    session: Session, settings: Settings, item: EvidenceItem, *, actor: Actor, reason: str
) -> None:
    """Remove ``item``'s file (verified) and keep its record as a tombstone; audited."""
    blobs.delete_verified(blobs.item_path(settings, item.org_id, item.id), item.id)
    item.deleted_at = utcnow()
    item.deleted_by = actor.name[:200]
    item.delete_reason = reason[:500]
    item.filename = ""
    audit.append(
        session,
        actor,
        "evidence.delete",
        f"evidence:{item.id}",
        {"case_id": item.case_id, "sha256": item.sha256, "reason": reason[:500]},
    )


def public(item: EvidenceItem) -> dict[str, object]:
    """An item's metadata as the API and the CLI show it (never its bytes)."""
    return {
        "id": item.id,
        "case_id": item.case_id,
        "sha256": item.sha256,
        "size": item.size,
        "mime": item.mime,
        "filename": item.filename,
        "key_id": item.key_id,
        "created_at": item.created_at,
        "created_by": item.created_by,
        "expires_at": item.expires_at,
        "legal_hold": item.legal_hold,
        "hold_reason": item.hold_reason,
        "held_by": item.held_by,
        "held_at": item.held_at,
        "reported_at": item.reported_at,
        "deleted_at": item.deleted_at,
        "deleted_by": item.deleted_by,
        "delete_reason": item.delete_reason,
    }
