"""Hash-chained audit log.

Each record stores the SHA-256 of the previous record's hash plus its own canonical fields, so an
edited, removed, inserted or reordered record breaks the chain and ``verify_chain`` reports the
first bad record. Details hold identifiers, labels and counts only: never media, message text or
personal data.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Insert, Select, TextClause, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from childguard.errors import StorageError
from childguard.store.db import Database
from childguard.store.models import AuditRecord, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who made a change: an organisation, the key used (None on the CLI) and a display name.

    Names follow one scheme, whichever door the change came through: ``<org>:<role>`` for an API
    key (``acme:platform``), ``<org>:cli:<os user>`` for the command line, and ``system`` or
    ``system:<what>`` for the deployment itself (``system:bootstrap``, ``system:cli:<os user>``
    for the CLI's organisation and key administration).
    """

    org_id: int | None
    key_id: int | None
    name: str


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def cli_actor(org_id: int | None = None, org_name: str | None = None) -> Actor:
    """The command line's actor: ``<org>:cli:<os user>``, or ``system:cli:<os user>``."""
    owner = org_name if org_id is not None and org_name else "system"
    return Actor(org_id, None, f"{owner}:cli:{_os_user()}")


def system_actor(what: str = "") -> Actor:
    """The deployment acting on its own: ``system`` or ``system:<what>``."""
    return Actor(None, None, f"system:{what}" if what else "system")


def _canonical(fields: Mapping[str, Any]) -> str:
    """The text a record's hash covers: its fields in a fixed order, ``at`` in UTC."""
    at: datetime = fields["at"]
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return json.dumps(
        [
            fields["id"],
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            fields["org_id"],
            fields["key_id"],
            fields["actor"],
            fields["action"],
            fields["target"],
            fields["details"],
            fields["prev_hash"],
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _row_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(fields).encode()).hexdigest()


def record_hash(rec: AuditRecord) -> str:
    """The hash a record must carry, from its fields and its ``prev_hash``."""
    return _row_hash({name: getattr(rec, name) for name in _HASHED})


def append(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    details: Mapping[str, object] | None = None,
) -> AuditRecord:
    """Append one record in the caller's transaction, chained to the newest record.

    Pending changes of ``session`` are flushed first. The chain is locked as ``_append`` says;
    on SQLite the caller's transaction must hold the write lock (``db.session(write=True)``).
    The returned record is written but not attached to ``session``.
    """
    session.flush()
    return _append(session.connection(), actor, action, target, details)


def append_now(
    db: Database,
    actor: Actor,
    action: str,
    target: str = "",
    details: Mapping[str, object] | None = None,
) -> AuditRecord:
    """Append one record in a transaction of its own, committed when this returns.

    The lean path for a record that goes with no other change (a matched scan): one pooled
    connection and two pre-built statements, no ORM session. SQLite's write lock is taken when
    the transaction begins (``BEGIN IMMEDIATE``), as ``Database.session(write=True)`` does.
    """
    try:
        with db.engine.connect() as conn, conn.begin():
            if db.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            return _append(conn, actor, action, target, details)
    except OperationalError as exc:
        raise StorageError(f"database error: {exc.orig}") from exc


def _append(
    conn: Connection,
    actor: Actor,
    action: str,
    target: str,
    details: Mapping[str, object] | None,
) -> AuditRecord:
    """Write the next record on ``conn``'s open transaction.

    On PostgreSQL a transaction-scoped advisory lock, then the newest record read ``FOR UPDATE``,
    keep concurrent writers from forking the chain; on SQLite the transaction's write lock does.
    """
    newest, insert, pg_lock = _statements()
    if conn.dialect.name == "postgresql":
        conn.execute(pg_lock)
    last = conn.execute(newest).first()
    row = chained_rows(
        None if last is None else (last[0], last[1]), [Pending(actor, action, target, details)]
    )[0]
    conn.execute(insert, row)
    return AuditRecord(**row)


@dataclass(frozen=True)
class Pending:
    """A record to append: who did what to which object, with identifiers-only details."""

    actor: Actor
    action: str
    target: str = ""
    details: Mapping[str, object] | None = None


def chained_rows(last: tuple[int, str] | None, records: Sequence[Pending]) -> list[dict[str, Any]]:
    """The rows that append ``records`` after the newest record ``last`` (id, hash; None when
    the log is empty), each linked to the one before: what ``insert_statement`` takes.

    The caller must hold the chain (``chain_statements``) from reading ``last`` until commit.
    """
    rows: list[dict[str, Any]] = []
    prev_id, prev_hash = last if last is not None else (0, GENESIS)
    for pending in records:
        # Plain rows, not ORM instances: a matched scan writes these on its hot path.
        row: dict[str, Any] = {
            "id": prev_id + 1,
            "at": utcnow(),
            "org_id": pending.actor.org_id,
            "key_id": pending.actor.key_id,
            "actor": pending.actor.name[:200],
            "action": pending.action,
            "target": pending.target[:200],
            "details": json.dumps(
                dict(pending.details or {}), sort_keys=True, ensure_ascii=False, default=str
            ),
            "prev_hash": prev_hash,
        }
        row["hash"] = _row_hash(row)
        rows.append(row)
        prev_id, prev_hash = row["id"], row["hash"]
    return rows


def chain_statements() -> tuple[Select[int, str], Insert, TextClause]:
    """What a batched writer needs: the newest-record read (``FOR UPDATE``), the insert, and the
    PostgreSQL chain lock to run before the read (SQLite's write lock serves on SQLite)."""
    return _statements()


#: The fields a record's hash covers, in ``_canonical``'s order.
_HASHED = ("id", "at", "org_id", "key_id", "actor", "action", "target", "details", "prev_hash")


@functools.cache
def _statements() -> tuple[Select[int, str], Insert, TextClause]:
    """Newest-record read, insert and PostgreSQL chain lock, built once on first use."""
    newest = (
        select(AuditRecord.id, AuditRecord.hash)
        .order_by(AuditRecord.id.desc())
        .limit(1)
        .with_for_update()
    )
    return newest, insert(AuditRecord), text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK})")


#: The PostgreSQL advisory lock key that serialises appends.
_CHAIN_LOCK = 727274


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
