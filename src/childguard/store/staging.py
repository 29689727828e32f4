"""A SQLite bank import staged in a temporary table, then moved into the bank in digest order.

At the scale the match index is built for (10M hashes), inserting entries in the order they are
read cost about 3x a plain bulk load: every row lands at a random place of the entries' unique
``(bank, value digest)`` index, and once that B-tree outgrows the page cache each insert reads
and writes pages at random. Staging first appends the rows to an unindexed temporary table (as
fast as a plain bulk load), then one ``INSERT ... SELECT ... ORDER BY value_digest`` moves them:
SQLite sorts them once (the work of building an index at the end) and every index of
``bank_entries`` then takes them in key order. Into a bank that holds no entry yet (the
importer's fast path), the new keys are the index's last ones: each insert appends.

Everything happens in the caller's transaction: the import stays all-or-nothing, and the
temporary table is the connection's own, dropped at the end. It costs temporary disk space
about the size of the data. (PostgreSQL sorts on the client instead, for ``COPY``:
``store.sorted_runs``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from childguard.store.bulk import (
    DIGESTED_COLUMNS,
    ENTRY_COLUMNS,
    DigestedEntry,
    insert_rows,
    session_tallies,
    stored_entry_value,
    unless_unique_violation,
)

#: The connection's temporary table of staged entries.
STAGING_TABLE = "bank_import_staging"
#: SQLite page cache (KiB) while the staged entries are sorted and moved.
MOVE_CACHE_KIB = 32 * 1024
#: Its columns after ``seq`` (the order in which the entries were read, and the row id).
STAGED_COLUMNS = DIGESTED_COLUMNS


def create_staging(session: Session) -> None:
    """Create the connection's (empty) staging table in the session's transaction."""
    connection = session.connection()
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGING_TABLE} (seq INTEGER PRIMARY KEY, value_digest TEXT, "
        "signal_type TEXT, value TEXT, source TEXT, external_id TEXT, classification TEXT, "
        "note TEXT, enabled BOOLEAN)"
    )


def drop_staging(session: Session) -> None:
    """Drop the staging table."""
    session.connection().exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}")


def stage_entries(session: Session, first_seq: int, entries: Sequence[DigestedEntry]) -> None:
    """Append ``entries`` to the staging table, numbered from ``first_seq`` in their order."""
    params = [
        (seq, digest, stype, value, source, ext, cls, note, 1 if enabled else 0)
        for seq, (digest, (stype, value, source, ext, cls, note, enabled)) in enumerate(
            entries, start=first_seq
        )
    ]
    insert_rows(session.connection(), STAGING_TABLE, ("seq", *STAGED_COLUMNS), params)


def move_staged(session: Session, bank_id: int, added_at: datetime) -> bool:
    """Move every staged entry into bank ``bank_id`` in digest order, if none is there yet.

    One statement, in a savepoint: when the bank's unique index refuses it (a staged hash is
    in the bank already, or staged twice) the savepoint is rolled back, nothing is moved and
    False is returned, for the caller to merge the repeats (``merge_staged_repeats``) and move
    again. Inside ``bulk.counted_in_bulk`` the moved entries are tallied for the
    counts.
    """
    connection = session.connection()
    # SQLite's sorter holds up to the page cache's size in memory, on top of the cache; the
    # sorted move needs little cache (each index appends).
    connection.exec_driver_sql(f"PRAGMA cache_size = -{MOVE_CACHE_KIB}")
    stamp = stored_entry_value(connection, "added_at", added_at)

    def move() -> None:
        connection.exec_driver_sql(
            f"INSERT INTO bank_entries ({', '.join(ENTRY_COLUMNS)}) "
            "SELECT ?, signal_type, value, value_digest, source, external_id, "
            f"classification, note, enabled, ? FROM {STAGING_TABLE} ORDER BY value_digest",
            (bank_id, stamp),
        )

    if not unless_unique_violation(session, move):
        return False
    pending = session_tallies(session)
    if pending is not None:
        rows = connection.exec_driver_sql(
            f"SELECT signal_type, enabled, count(*) FROM {STAGING_TABLE} "
            "GROUP BY signal_type, enabled"
        )
        for stype, enabled, n in rows:
            key = (bank_id, str(stype), bool(enabled))
            pending[key] = pending.get(key, 0) + int(n)
    return True


def staged_counts(session: Session) -> dict[str, int]:
    """The number of staged entries per signal type."""
    rows = session.connection().exec_driver_sql(
        f"SELECT signal_type, count(*) FROM {STAGING_TABLE} GROUP BY signal_type"
    )
    return {str(stype): int(n) for stype, n in rows}


def merge_staged_repeats(session: Session) -> int:
    """Merge the staged entries of one hash into the first one staged; returns how many went.

    As ``bank_formats.merge_in`` merges them in reading order: the first keeps its provenance,
    each empty field takes the first non-empty value staged after it, and the entry is enabled
    if any of them is. Costs one sort of the staged digests (an index), so it runs only after a
    move refused for a repeat.
    """
    connection = session.connection()
    table = STAGING_TABLE
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS temp.{table}_digest ON {table} (value_digest, seq)"
    )
    first = f"SELECT min(seq) FROM {table} GROUP BY value_digest HAVING count(*) > 1"
    fills = ", ".join(
        f"{column} = coalesce((SELECT s.{column} FROM {table} AS s "
        f"WHERE s.value_digest = {table}.value_digest AND s.{column} <> '' "
        "ORDER BY s.seq LIMIT 1), '')"
        for column in ("source", "external_id", "classification", "note")
    )
    connection.exec_driver_sql(
        f"UPDATE {table} SET {fills}, enabled = (SELECT max(s.enabled) FROM {table} AS s "
        f"WHERE s.value_digest = {table}.value_digest) WHERE seq IN ({first})"
    )
    gone = connection.exec_driver_sql(
        f"DELETE FROM {table} WHERE seq NOT IN (SELECT min(seq) FROM {table} GROUP BY value_digest)"
    )
    return int(gone.rowcount)
