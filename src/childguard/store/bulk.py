"""Bulk insertion of bank entries: ``COPY`` on PostgreSQL, one ``executemany`` elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
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
