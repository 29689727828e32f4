"""Bulk insertion of bank entries: ``COPY`` on PostgreSQL, one ``executemany`` elsewhere.

Entry counts (``bank_entry_counts``) are kept by triggers (migration ``0005_security``). On
PostgreSQL they run once per statement; SQLite has only row triggers, whose per-row upsert cost
four times the insert itself on a large import. ``counted_in_bulk`` therefore lifts SQLite's
insert trigger for the span of a bulk import and adds the counts of the new rows with one grouped
statement instead, in the same transaction, so the counts stay exact.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from childguard.store.models import BankEntry

#: Column order of the tuples ``bulk_insert_entries`` takes.
ENTRY_COLUMNS = (
    "bank_id",
    "signal_type",
    "value",
    "value_digest",
    "source",
    "external_id",
    "classification",
    "note",
    "enabled",
    "added_at",
)

EntryRow = tuple[int, str, str, str, str, str, str, str, bool, datetime]


#: SQLite page cache of a bulk import's connection, in KiB: the entry indexes of a large bank
#: stay in memory while rows with random digests go in (the default 2 MB thrashes). Bounded, so
#: an import's memory stays well under the 500 MB goal whatever the file's length.
SQLITE_IMPORT_CACHE_KIB = 128 * 1024


def prepare_bulk_import(session: Session) -> None:
    """Tune the session's connection for a bulk import (a larger page cache on SQLite)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")


#: The SQLite row trigger that counts inserted entries (migration ``0005_security``).
INSERT_COUNT_TRIGGER = "bank_entries_count_insert"
#: Adds the counts of the entries with an id above ``:after`` (SQLite's upsert wants a WHERE).
_ADD_COUNTS = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
    SELECT bank_id, signal_type, enabled, count(*) FROM bank_entries WHERE id > ?
    GROUP BY bank_id, signal_type, enabled
    ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + excluded.n
"""


@contextlib.contextmanager
def counted_in_bulk(session: Session) -> Iterator[None]:
    """Count the entries inserted inside the block once, at its end, rather than row by row.

    On SQLite the insert trigger is dropped for the block and re-created, from its own stored
    definition, at its end, after one grouped upsert has added the counts of every entry with an
    id above the largest before the block. All of it happens in the session's transaction, which
    must already hold SQLite's write lock (``Database.session(write=True)`` begins IMMEDIATE): no
    other connection can insert meanwhile, or see the trigger missing, and a crash or rollback
    brings the trigger back with the rest. The block must insert entries only through bulk
    statements and must not update the counted columns (updates are still counted row by row,
    against counts not yet added). If the block raises, the counts and trigger are restored
    where the transaction still allows it, and the error propagates (the caller rolls back).
    Elsewhere (PostgreSQL's statement triggers) it does nothing.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (INSERT_COUNT_TRIGGER,),
    ).first()
    if found is None:  # a schema older than the counts: nothing to keep
        yield
        return
    after = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM bank_entries").scalar()
    connection.exec_driver_sql(f"DROP TRIGGER {INSERT_COUNT_TRIGGER}")

    def restore() -> None:
        connection.exec_driver_sql(_ADD_COUNTS, (after,))
        connection.exec_driver_sql(str(found[0]))

    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # a dead transaction: the rollback restores all
            restore()
        raise
    restore()


def bulk_insert_entries(session: Session, rows: Sequence[EntryRow]) -> None:
    """Insert ``rows`` (in ``ENTRY_COLUMNS`` order) in the session's transaction.

    Nothing is returned: callers that need the new ids read them back by range.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver: Any = connection.connection.driver_connection
        with driver.cursor() as cursor:
            columns = ", ".join(ENTRY_COLUMNS)
            with cursor.copy(f"COPY bank_entries ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    # The DB-API's own executemany: SQLAlchemy's per-row parameter processing would cost more
    # than the insert itself. Values are converted with the columns' own bind processors.
    dialect = connection.dialect
    processors = [
        BankEntry.__table__.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in ENTRY_COLUMNS
    ]
    enabled_at = ENTRY_COLUMNS.index("enabled")
    added_at = ENTRY_COLUMNS.index("added_at")
    converted: dict[tuple[int, object], object] = {}

    def convert(i: int, value: object) -> object:
        proc = processors[i]
        if proc is None:
            return value
        key = (i, value)
        if key not in converted:
            converted[key] = proc(value)
        return converted[key]

    params = [
        (*row[:enabled_at], convert(enabled_at, row[enabled_at]), convert(added_at, row[added_at]))
        for row in rows
    ]
    columns = ", ".join(ENTRY_COLUMNS)
    marks = ", ".join("?" * len(ENTRY_COLUMNS))
    connection.exec_driver_sql(f"INSERT INTO bank_entries ({columns}) VALUES ({marks})", params)
