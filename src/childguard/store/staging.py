"""A bank import staged in a temporary table, then moved into ``bank_entries`` in digest order.

At the scale the match index is built for (10M hashes), inserting entries in the order they are
read cost 3-4x a plain bulk load: every row lands at a random place of the entries' unique
``(bank, value digest)`` index, and once that B-tree outgrows the caches each insert reads and
writes pages at random. Staging first writes the rows to an unindexed temporary table (as fast
as a plain bulk load), then one ``INSERT ... SELECT ... ORDER BY value_digest`` moves them: the
database sorts them once (the same work as building an index at the end) and every index of
``bank_entries`` then takes them in key order. Into a bank that holds no entry yet (the
importer's fast path), the new keys are the index's last ones: each insert appends.

Everything happens in the caller's transaction: the import stays all-or-nothing, and the
temporary table is the connection's own (invisible to others; dropped at the end, and at
commit on PostgreSQL). It costs temporary disk space about the size of the data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from childguard.store.bulk import (
    COPY_ESCAPES,
    ENTRY_COLUMNS,
    DigestedEntry,
    Tallies,
    add_tallies,
    copy_text,
    insert_rows,
    is_unique_violation,
    lock_bank_for_key_share,
    session_tallies,
    unchecked_copy_allowed,
)
from childguard.store.models import BankEntry

#: The connection's temporary table of staged entries.
STAGING_TABLE = "bank_import_staging"
#: SQLite page cache (KiB) while the staged entries are sorted and moved.
MOVE_CACHE_KIB = 32 * 1024
#: Its columns after ``seq`` (the order in which the entries were read).
STAGED_COLUMNS = (
    "value_digest",
    "signal_type",
    "value",
    "source",
    "external_id",
    "classification",
    "note",
    "enabled",
)


def create_staging(session: Session) -> None:
    """Create the connection's (empty) staging table in the session's transaction.

    On SQLite ``seq`` is the row id, so the staged rows can be read back in order; on
    PostgreSQL the table goes at commit or rollback (``ON COMMIT DROP``).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGING_TABLE}")
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {STAGING_TABLE} (seq BIGINT, value_digest TEXT, "
            "signal_type TEXT, value TEXT, source TEXT, external_id TEXT, "
            "classification TEXT, note TEXT, enabled BOOLEAN) ON COMMIT DROP"
        )
        return
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGING_TABLE} (seq INTEGER PRIMARY KEY, value_digest TEXT, "
        "signal_type TEXT, value TEXT, source TEXT, external_id TEXT, classification TEXT, "
        "note TEXT, enabled BOOLEAN)"
    )


def drop_staging(session: Session) -> None:
    """Drop the staging table (if the transaction still allows it; PostgreSQL drops it anyway)."""
    connection = session.connection()
    schema = "pg_temp" if connection.dialect.name == "postgresql" else "temp"
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.{STAGING_TABLE}")


def stage_entries(session: Session, first_seq: int, entries: Sequence[DigestedEntry]) -> None:
    """Append ``entries`` to the staging table, numbered from ``first_seq`` in their order."""
    if not entries:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        esc = COPY_ESCAPES
        # hash values are letters and digits, and most provenance is empty: nothing to escape
        text = "".join(
            f"{seq}\t{digest}\t{stype}\t{value if value.isalnum() else value.translate(esc)}\t"
            f"{source and source.translate(esc)}\t{ext and ext.translate(esc)}\t"
            f"{cls and cls.translate(esc)}\t{note and note.translate(esc)}\t"
            f"{'t' if enabled else 'f'}\n"
            for seq, (digest, (stype, value, source, ext, cls, note, enabled)) in enumerate(
                entries, start=first_seq
            )
        )
        copy_text(session, f"COPY {STAGING_TABLE} FROM STDIN", text)
        return
    params = [
        (seq, digest, stype, value, source, ext, cls, note, 1 if enabled else 0)
        for seq, (digest, (stype, value, source, ext, cls, note, enabled)) in enumerate(
            entries, start=first_seq
        )
    ]
    insert_rows(connection, STAGING_TABLE, ("seq", *STAGED_COLUMNS), params)


def move_staged(session: Session, bank_id: int, added_at: datetime) -> bool:
    """Move every staged entry into bank ``bank_id`` in digest order, if none is there yet.

    One statement, in a savepoint: when the bank's unique index refuses it (a staged hash is
    in the bank already, or staged twice) the savepoint is rolled back, nothing is moved and
    False is returned, for the caller to merge the staged entries one chunk at a time
    (``iter_staged``). Counts as ``bulk.bulk_insert_entries`` does: inside
    ``bulk.counted_in_bulk`` the moved entries are tallied (SQLite) or moved without triggers
    and counted at once (PostgreSQL, where the role may).
    """
    connection = session.connection()
    pg = connection.dialect.name == "postgresql"
    mark = "%s" if pg else "?"
    unchecked = pg and unchecked_copy_allowed(session)
    # Digests are lowercase hex: every collation orders them as "C" does, the cheapest to sort.
    order = 'value_digest COLLATE "C"' if pg else "value_digest"
    if not pg:
        # SQLite's sorter holds up to the page cache's size in memory, on top of the cache; the
        # sorted move needs little cache (each index appends).
        connection.exec_driver_sql(f"PRAGMA cache_size = -{MOVE_CACHE_KIB}")
    savepoint = f"staged_{uuid.uuid4().hex[:12]}"
    connection.exec_driver_sql(f"SAVEPOINT {savepoint}")
    try:
        if unchecked:
            lock_bank_for_key_share(session, bank_id)
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.exec_driver_sql(
            f"INSERT INTO bank_entries ({', '.join(ENTRY_COLUMNS)}) "
            f"SELECT {mark}, signal_type, value, value_digest, source, external_id, "
            f"classification, note, enabled, {mark} FROM {STAGING_TABLE} "
            f"ORDER BY {order}",
            (bank_id, _stored_time(session, added_at)),
        )
        if unchecked:
            connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {savepoint}")
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint}")
        return False
    connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint}")
    tallies = _staged_tallies(session, bank_id)
    if unchecked:
        add_tallies(session, tallies)
    else:
        pending = session_tallies(session)
        if pending is not None and not pg:
            for key, n in tallies.items():
                pending[key] = pending.get(key, 0) + n
    return True


def staged_counts(session: Session) -> dict[str, int]:
    """The number of staged entries per signal type."""
    rows = session.connection().exec_driver_sql(
        f"SELECT signal_type, count(*) FROM {STAGING_TABLE} GROUP BY signal_type"
    )
    return {str(stype): int(n) for stype, n in rows}


def iter_staged(session: Session, batch: int) -> Iterator[list[DigestedEntry]]:
    """The staged entries in the order they were staged, ``batch`` at a time.

    Other statements may run on the session between batches (the caller inserts each batch
    before it asks for the next).
    """
    connection = session.connection()
    columns = ", ".join(STAGED_COLUMNS)
    if connection.dialect.name == "postgresql":
        driver: Any = connection.connection.driver_connection
        name = f"staged_{uuid.uuid4().hex[:12]}"
        with driver.cursor(name=name) as cursor:
            cursor.execute(f"SELECT {columns} FROM {STAGING_TABLE} ORDER BY seq")
            while rows := cursor.fetchmany(batch):
                yield [_digested(row) for row in rows]
        return
    last = -1
    while True:
        rows = connection.exec_driver_sql(
            f"SELECT seq, {columns} FROM {STAGING_TABLE} WHERE seq > ? ORDER BY seq LIMIT ?",
            (last, batch),
        ).all()
        if not rows:
            return
        last = int(rows[-1][0])
        yield [_digested(tuple(row[1:])) for row in rows]


def _digested(row: Sequence[Any]) -> DigestedEntry:
    digest, stype, value, source, ext, cls, note, enabled = row
    return (
        str(digest),
        (str(stype), str(value), source or "", ext or "", cls or "", note or "", bool(enabled)),
    )


def _staged_tallies(session: Session, bank_id: int) -> Tallies:
    rows = session.connection().exec_driver_sql(
        f"SELECT signal_type, enabled, count(*) FROM {STAGING_TABLE} GROUP BY signal_type, enabled"
    )
    return {(bank_id, str(stype), bool(enabled)): int(n) for stype, enabled, n in rows}


def _stored_time(session: Session, added_at: datetime) -> object:
    """``added_at`` in the form the ``added_at`` column stores (its type's own conversion)."""
    dialect = session.connection().dialect
    column_type = BankEntry.__table__.c["added_at"].type.dialect_impl(dialect)
    process = column_type.bind_processor(dialect)
    return added_at if process is None else process(added_at)
