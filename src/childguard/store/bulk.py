"""Bulk insertion of bank entries: ``COPY`` on PostgreSQL, one ``executemany`` elsewhere.

Entry counts (``bank_entry_counts``) are kept by triggers (migration ``0005_security``). On
PostgreSQL they run once per statement; SQLite has only row triggers, whose per-row upsert cost
four times the insert itself on a large import. ``counted_in_bulk`` therefore lifts SQLite's
insert trigger for the span of a bulk import: ``bulk_insert_entries`` tallies what it inserts
and the tallies are added to the counts once, at the end, in the same transaction, so the counts
stay exact.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from childguard.store.models import BankEntry

#: Column order of the ``bank_entries`` rows ``bulk_insert_entries`` writes.
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

#: An entry's own fields: signal type, value, source, external id, classification, note, enabled
#: (the field order of ``media.bank_formats.EntryIn``, a named tuple of these).
EntryFields = tuple[str, str, str, str, str, str, bool]
#: What ``bulk_insert_entries`` takes per entry: its value digest and its fields.
DigestedEntry = tuple[str, EntryFields]

#: SQLite page cache of a bulk import's connection, in KiB: the entry indexes of a large bank
#: stay in memory while rows with random digests go in (the default 2 MB thrashes). Bounded, so
#: an import's memory stays well under the 500 MB goal whatever the file's length.
SQLITE_IMPORT_CACHE_KIB = 128 * 1024

#: The SQLite row trigger that counts inserted entries (migration ``0005_security``).
INSERT_COUNT_TRIGGER = "bank_entries_count_insert"
#: ``session.info`` key of the tallies of a ``counted_in_bulk`` block.
_TALLIES = "childguard.bulk_entry_tallies"
_ADD_COUNT = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n) VALUES (?, ?, ?, ?)
    ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + excluded.n
"""
#: Counts entries with ids above ``?`` (SQLite's upsert from a SELECT wants a WHERE).
_ADD_COUNTS_ABOVE = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
    SELECT bank_id, signal_type, enabled, count(*) FROM bank_entries WHERE id > ?
    GROUP BY bank_id, signal_type, enabled
    ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + excluded.n
"""

Tallies = dict[tuple[int, str, bool], int]


def prepare_bulk_import(session: Session) -> None:
    """Tune the session's connection for a bulk import (a larger page cache on SQLite)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")


@contextlib.contextmanager
def counted_in_bulk(session: Session) -> Iterator[None]:
    """Count the entries ``bulk_insert_entries`` inserts inside the block once, at its end.

    On SQLite the insert trigger is dropped for the block; at its end the tallies of the bulk
    inserts are added to the counts (one upsert per bank, signal type and state) and the trigger
    is re-created from its own stored definition. All of it happens in the session's
    transaction, which must already hold SQLite's write lock (``Database.session(write=True)``
    begins IMMEDIATE): no other connection can insert meanwhile or see the trigger missing, and
    a crash or rollback brings the trigger back with the rest. Inside the block entries must be
    inserted only by ``bulk_insert_entries`` and the counted columns (bank, signal type,
    enabled) of new entries left alone. If the block raises, the counts of every entry inserted
    since it began and the trigger are restored where the transaction still allows it, and the
    error propagates (the caller rolls back). Elsewhere (PostgreSQL's statement triggers) and
    on a schema without the trigger it does nothing.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or _TALLIES in session.info:
        yield
        return
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (INSERT_COUNT_TRIGGER,),
    ).first()
    if found is None:  # a schema older than the counts: nothing to keep
        yield
        return
    trigger_sql = str(found[0])
    last_id = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM bank_entries").scalar()
    connection.exec_driver_sql(f"DROP TRIGGER {INSERT_COUNT_TRIGGER}")
    tallies: Tallies = {}
    session.info[_TALLIES] = tallies
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # a dead transaction: the rollback restores all
            connection.exec_driver_sql(_ADD_COUNTS_ABOVE, (last_id,))
            connection.exec_driver_sql(trigger_sql)
        raise
    finally:
        del session.info[_TALLIES]
    counts = [(bank, stype, enabled, n) for (bank, stype, enabled), n in sorted(tallies.items())]
    if counts:
        connection.exec_driver_sql(_ADD_COUNT, counts)
    connection.exec_driver_sql(trigger_sql)


def stored_entries(session: Session, bank_id: int, digests: Sequence[str]) -> list[Row[Any]]:
    """The entries of bank ``bank_id`` whose ``value_digest`` is among ``digests``.

    One statement for any number of digests (a JSON array on SQLite, an array on PostgreSQL),
    through the driver: an import looks up every one of its digests, and SQLAlchemy's expansion
    of ``IN`` lists cost more than the look-up. Sorted digests are found fastest. Rows have the
    columns ``id, value_digest, source, external_id, classification, note``.
    """
    if not digests:
        return []
    connection = session.connection()
    columns = "e.id, e.value_digest, e.source, e.external_id, e.classification, e.note"
    if connection.dialect.name == "postgresql":
        # One index probe per digest: the LIMIT keeps the planner from turning the look-up into
        # a scan of the whole bank (which it prefers for a long array, and grows with the bank).
        sql = (
            f"SELECT {columns} FROM unnest(%s::text[]) AS d(digest) CROSS JOIN LATERAL "
            "(SELECT * FROM bank_entries WHERE bank_id = %s AND value_digest = d.digest LIMIT 1) e"
        )
        return list(connection.exec_driver_sql(sql, (list(digests), bank_id)))
    # the digests drive the join: one index probe each, in their order
    sql = (
        f"SELECT {columns} FROM json_each(?) AS d CROSS JOIN bank_entries AS e "
        "ON e.bank_id = ? AND e.value_digest = d.value"
    )
    return list(connection.exec_driver_sql(sql, (json.dumps(list(digests)), bank_id)))


def bulk_insert_entries(
    session: Session, bank_id: int, added_at: datetime, entries: Sequence[DigestedEntry]
) -> None:
    """Insert ``entries`` (``(value_digest, fields)`` each) into bank ``bank_id``.

    Runs in the session's transaction, without the ORM: ``COPY`` on PostgreSQL, the DB-API's
    own ``executemany`` elsewhere (SQLAlchemy's per-row parameter processing would cost more
    than the insert itself). Entries go in in the given order: sorted digests let the bank's
    unique index take them in one sweep. Nothing is returned: callers that need the new ids read
    them back by range. Inside ``counted_in_bulk`` the entries are tallied for the counts.
    """
    if not entries:
        return
    connection = session.connection()
    columns = ", ".join(ENTRY_COLUMNS)
    if connection.dialect.name == "postgresql":
        driver: Any = connection.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY bank_entries ({columns}) FROM STDIN") as copy,
        ):
            for digest, (stype, value, source, ext, cls, note, enabled) in entries:
                copy.write_row(
                    (bank_id, stype, value, digest, source, ext, cls, note, enabled, added_at)
                )
        return
    dialect = connection.dialect
    table = BankEntry.__table__

    def bound(column: str, value: object) -> object:  # the column type's own conversion
        process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        return value if process is None else process(value)

    stamp = bound("added_at", added_at)
    states = {True: bound("enabled", True), False: bound("enabled", False)}
    params = [
        (bank_id, stype, value, digest, source, ext, cls, note, states[enabled], stamp)
        for digest, (stype, value, source, ext, cls, note, enabled) in entries
    ]
    marks = ", ".join("?" * len(ENTRY_COLUMNS))
    connection.exec_driver_sql(f"INSERT INTO bank_entries ({columns}) VALUES ({marks})", params)
    tallies: Tallies | None = session.info.get(_TALLIES)
    if tallies is not None:
        for _, (stype, _, _, _, _, _, enabled) in entries:
            key = (bank_id, stype, enabled)
            tallies[key] = tallies.get(key, 0) + 1
