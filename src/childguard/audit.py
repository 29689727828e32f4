"""Hash-chained audit log.

Each record stores the SHA-256 of the previous record's hash plus its own canonical fields, so an
edited, removed, inserted or reordered record breaks the chain and ``verify_chain`` reports the
first bad record. Details hold identifiers, labels and counts only: never media, message text or
personal data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from childguard.store.models import AuditRecord, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who made a change: an organisation, the key used (None on the CLI) and a display name."""

    org_id: int | None
    key_id: int | None
    name: str


def _canonical(rec: AuditRecord) -> str:
    at = rec.at if rec.at.tzinfo else rec.at.replace(tzinfo=UTC)
    return json.dumps(
        [
            rec.id,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            rec.org_id,
            rec.key_id,
            rec.actor,
            rec.action,
            rec.target,
            rec.details,
            rec.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def record_hash(rec: AuditRecord) -> str:
    """The hash a record must carry, from its fields and its ``prev_hash``."""
    return hashlib.sha256(_canonical(rec).encode()).hexdigest()


def append(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    details: Mapping[str, object] | None = None,
) -> AuditRecord:
    """Append one record in the caller's transaction, chained to the newest record.

    The newest record is read with ``FOR UPDATE`` on PostgreSQL (a no-op on SQLite, where writes
    are serialised) so concurrent writers cannot fork the chain.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727274)"))
    last = session.execute(
        select(AuditRecord.id, AuditRecord.hash)
        .order_by(AuditRecord.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    rec = AuditRecord(
        id=(last[0] + 1) if last else 1,
        at=utcnow(),
        org_id=actor.org_id,
        key_id=actor.key_id,
        actor=actor.name[:200],
        action=action,
        target=target[:200],
        details=json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=last[1] if last else GENESIS,
    )
    rec.hash = record_hash(rec)
    session.add(rec)
    session.flush()
    return rec


@dataclass(frozen=True)
class ChainReport:
    """Result of ``verify_chain``: records checked and the first problem found, if any."""

    records: int
    ok: bool
    problem: str = ""
    bad_record: int | None = None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log in id order and check ids, links and hashes."""
    prev = GENESIS
    expected_id = 1
    count = 0
    for rec in _iter(session):
        count += 1
        if rec.id != expected_id:
            return ChainReport(count, False, f"record {expected_id} is missing", expected_id)
        if rec.prev_hash != prev:
            return ChainReport(
                count, False, f"record {rec.id} does not follow its predecessor", rec.id
            )
        if record_hash(rec) != rec.hash:
            return ChainReport(count, False, f"record {rec.id} was altered", rec.id)
        prev = rec.hash
        expected_id += 1
    return ChainReport(count, True)


def _iter(session: Session) -> Iterator[AuditRecord]:
    yield from session.scalars(
        select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    )


def public(rec: AuditRecord) -> dict[str, object]:
    """JSON form of a record."""
    at: datetime = rec.at
    return {
        "id": rec.id,
        "at": at.isoformat(),
        "org_id": rec.org_id,
        "key_id": rec.key_id,
        "actor": rec.actor,
        "action": rec.action,
        "target": rec.target,
        "details": json.loads(rec.details),
        "hash": rec.hash,
    }
