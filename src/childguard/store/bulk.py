"""Bulk insertion of bank entries: ``COPY`` on PostgreSQL, multi-row ``INSERT``s elsewhere.

Entry counts (``bank_entry_counts``) are kept by triggers (migration ``0005_security``). SQLite
has only row triggers, whose per-row upsert cost four times the insert itself on a large
import. ``counted_in_bulk`` therefore lifts SQLite's insert trigger for the span of a bulk
import: ``bulk_insert_entries`` tallies what it inserts and the tallies are added to the counts
once, at the end, in the same transaction, so the counts stay exact.

On PostgreSQL the count trigger runs once per statement, but the foreign key of every entry is
checked by a row trigger: about half the time of a ``COPY``. Where the role may set
``session_replication_role`` (a superuser, or one granted ``SET`` on it), ``counted_in_bulk``
lets ``bulk_insert_entries`` run its ``COPY`` as ``replica`` (``SET LOCAL``, that statement
only), which fires no trigger: the bank's row is locked ``FOR KEY SHARE`` first, as the
foreign key's own check would, so every row references a bank that exists and cannot go before
the import commits, and the copied rows' counts are added by one upsert right after the
``COPY``. Other roles keep the checked ``COPY``.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row
from sqlalchemy.exc import DBAPIError, IntegrityError
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

#: An entry's value digest and own columns, in the order of a ``DigestedEntry`` flattened.
DIGESTED_COLUMNS = (
    "value_digest",
    "signal_type",
    "value",
    "source",
    "external_id",
    "classification",
    "note",
    "enabled",
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
#: ``session.info`` key set while PostgreSQL's ``COPY`` may run unchecked (``replica``).
_UNCHECKED = "childguard.bulk_entry_unchecked"
_ADD_COUNT = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n) VALUES (?, ?, ?, ?)
    ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = bank_entry_counts.n + excluded.n
"""
#: PostgreSQL's COPY text format: these characters are written as backslash escapes.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
#: Counts entries with ids above ``?`` (SQLite's upsert from a SELECT wants a WHERE).
_ADD_COUNTS_ABOVE = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
    SELECT bank_id, signal_type, enabled, count(*) FROM bank_entries WHERE id > ?
    GROUP BY bank_id, signal_type, enabled
    ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + excluded.n
"""

Tallies = dict[tuple[int, str, bool], int]
#: Bound values per multi-row ``INSERT`` statement (under SQLite's limit of 32,766).
_MAX_PARAMS = 30_000


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
    error propagates (the caller rolls back). On a schema without the trigger it does nothing.

    On PostgreSQL, where the role may set ``session_replication_role``, the block's
    ``bulk_insert_entries`` copy without firing triggers (see the module docstring) and add each
    copy's counts right after it, in one upsert (not at the end: an update of an entry in between
    fires the update trigger, which needs the entry counted); otherwise the triggers count.
    """
    connection = session.connection()
    if _TALLIES in session.info or _UNCHECKED in session.info:
        yield
        return
    if connection.dialect.name == "postgresql":
        with _counted_on_postgresql(session):
            yield
        return
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
    add_tallies(session, tallies)
    connection.exec_driver_sql(trigger_sql)


@contextlib.contextmanager
def _counted_on_postgresql(session: Session) -> Iterator[None]:
    if not _may_copy_unchecked(session):
        yield
        return
    session.info[_UNCHECKED] = True
    try:
        yield  # on error the caller rolls back: counts and rows go together
    finally:
        del session.info[_UNCHECKED]


def _may_copy_unchecked(session: Session) -> bool:
    """Whether this PostgreSQL role may set ``session_replication_role`` (tried, then undone)."""
    connection = session.connection()
    savepoint = _savepoint_name()
    connection.exec_driver_sql(f"SAVEPOINT {savepoint}")
    try:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:  # not a superuser nor granted SET on it: the checked COPY it is
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {savepoint}")
        return False
    connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
    connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint}")
    return True


def add_tallies(session: Session, tallies: Tallies) -> None:
    counts = [(bank, stype, enabled, n) for (bank, stype, enabled), n in sorted(tallies.items())]
    if not counts:
        return
    sql = _ADD_COUNT
    if session.connection().dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    session.connection().exec_driver_sql(sql, counts)


def session_tallies(session: Session) -> Tallies | None:
    """The tallies of the session's SQLite ``counted_in_bulk`` block (None outside one)."""
    tallies: Tallies | None = session.info.get(_TALLIES)
    return tallies


def unchecked_copy_allowed(session: Session) -> bool:
    """Whether the session is in a PostgreSQL ``counted_in_bulk`` block that may skip triggers."""
    return bool(session.info.get(_UNCHECKED))


def lock_bank_for_key_share(session: Session, bank_id: int) -> None:
    """Lock bank ``bank_id``'s row as an entry's foreign-key check would (PostgreSQL).

    Taken before rows go in without that check: the bank stays until the transaction ends. A
    lock taken inside a savepoint that rolls back goes with it, so take it for every insert.
    """
    found = (
        session.connection()
        .exec_driver_sql("SELECT id FROM banks WHERE id = %s FOR KEY SHARE", (bank_id,))
        .first()
    )
    if found is None:
        raise ValueError(f"bank {bank_id} does not exist")


def copy_text(
    session: Session, sql: str, text: str | Iterable[str], *, unchecked: bool = False
) -> None:
    """Run ``sql`` (a ``COPY ... FROM STDIN``) with ``text``: rows in COPY's text format, in one
    string or in blocks of whole rows (written as they come: the server works meanwhile).

    With ``unchecked`` the ``COPY`` runs as ``session_replication_role = replica`` (no trigger
    fires): only inside ``counted_in_bulk`` where ``unchecked_copy_allowed``.
    """
    driver: Any = session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        if unchecked:
            cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(sql) as copy:
            if isinstance(text, str):
                copy.write(text)
            else:
                for block in text:
                    copy.write(block)
        if unchecked:
            cursor.execute("SET LOCAL session_replication_role = origin")


def _savepoint_name() -> str:
    return f"bulk_{uuid.uuid4().hex[:12]}"


def stored_entries(session: Session, bank_id: int, digests: Sequence[str]) -> list[Row[Any]]:
    """The entries of bank ``bank_id`` whose ``value_digest`` is among ``digests``.

    One statement for any number of digests (a JSON array on SQLite, one comma-separated string
    split by the server on PostgreSQL: the driver's conversion of a list cost as much as the
    look-up), through the driver: an import looks up every one of its digests, and
    SQLAlchemy's expansion of ``IN`` lists cost more than the look-up. Sorted digests are found
    fastest. Rows have the columns ``id, value_digest, source, external_id, classification,
    note``.
    """
    if not digests:
        return []
    connection = session.connection()
    columns = "e.id, e.value_digest, e.source, e.external_id, e.classification, e.note"
    if connection.dialect.name == "postgresql":
        # One index probe per digest: the LIMIT keeps the planner from turning the look-up into
        # a scan of the whole bank (which it prefers for a long array, and grows with the bank).
        sql = (
            f"SELECT {columns} FROM unnest(string_to_array(%s, ',')) AS d(digest) "
            "CROSS JOIN LATERAL (SELECT * FROM bank_entries "
            "WHERE bank_id = %s AND value_digest = d.digest LIMIT 1) e"
        )
        return list(connection.exec_driver_sql(sql, (",".join(digests), bank_id)))
    # the digests drive the join: one index probe each, in their order
    sql = (
        f"SELECT {columns} FROM json_each(?) AS d CROSS JOIN bank_entries AS e "
        "ON e.bank_id = ? AND e.value_digest = d.value"
    )
    return list(connection.exec_driver_sql(sql, (json.dumps(list(digests)), bank_id)))


def unless_unique_violation(session: Session, work: Callable[[], None]) -> bool:
    """Run ``work`` in a savepoint; True when it ran, False when a unique index refused it.

    A refusal rolls the savepoint back (nothing of ``work`` is kept, the rest of the
    transaction is); any other error propagates.
    """
    connection = session.connection()
    savepoint = _savepoint_name()
    connection.exec_driver_sql(f"SAVEPOINT {savepoint}")
    try:
        work()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {savepoint}")
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint}")
        return False
    connection.exec_driver_sql(f"RELEASE SAVEPOINT {savepoint}")
    return True


def bulk_insert_new_entries(
    session: Session,
    bank_id: int,
    added_at: datetime,
    entries: Sequence[DigestedEntry],
    ids: Sequence[int] | None = None,
) -> bool:
    """``bulk_insert_entries`` if none of ``entries`` is in the bank yet, else nothing.

    The insert runs in a savepoint: when the bank's unique index refuses one of the entries,
    the savepoint is rolled back (nothing of ``entries`` is kept, the rest of the transaction
    is) and False is returned, for the caller to look the stored ones up. An import into a bank
    that holds none of its hashes so skips the look-ups altogether.
    """
    return unless_unique_violation(
        session, lambda: bulk_insert_entries(session, bank_id, added_at, entries, ids)
    )


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a unique index's refusal (SQLAlchemy's, or psycopg's own from COPY)."""
    if isinstance(exc, IntegrityError):
        return "UNIQUE" in str(exc.orig).upper() or getattr(exc.orig, "sqlstate", "") == "23505"
    return getattr(exc, "sqlstate", None) == "23505"


def reserve_entry_ids(session: Session, n: int) -> list[int]:
    """``n`` new, ascending ``bank_entries`` ids for ``bulk_insert_entries(ids=...)``.

    PostgreSQL: taken from the id sequence (never handed out twice, maybe not contiguous).
    SQLite: the ``n`` ids after the largest ever used (the table is AUTOINCREMENT); the
    session's transaction must hold SQLite's write lock (``Database.session(write=True)``) until
    they are inserted, so that no other connection takes them meanwhile.
    """
    if n <= 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('bank_entries', 'id')) "
            "FROM generate_series(1, %s)",
            (n,),
        )
        return sorted(int(r[0]) for r in rows)
    last = connection.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(id) FROM bank_entries), 0), "
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'bank_entries'), 0))"
    ).scalar()
    first = int(last or 0) + 1
    return list(range(first, first + n))


def bulk_insert_entries(
    session: Session,
    bank_id: int,
    added_at: datetime,
    entries: Sequence[DigestedEntry],
    ids: Sequence[int] | None = None,
) -> None:
    """Insert ``entries`` (``(value_digest, fields)`` each) into bank ``bank_id``.

    Runs in the session's transaction, without the ORM: ``COPY`` on PostgreSQL (rows formatted
    here, in COPY's text format, and written at once: the driver's per-row conversion cost
    more than the server's insert), multi-row ``INSERT`` statements of a few thousand rows
    elsewhere (SQLAlchemy's per-row parameter processing would cost more than the insert
    itself, and one statement per row more than a multi-row one). Entries go in in the given
    order: sorted digests let the bank's unique index take them in one sweep. With ``ids``
    (one per entry, from ``reserve_entry_ids``) the entries get those ids; otherwise callers
    that need the new ids read them back by range. Inside ``counted_in_bulk`` the entries are
    tallied for the counts.
    """
    if not entries:
        return
    if ids is not None and len(ids) != len(entries):
        raise ValueError("one id per entry")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if _copy_entries(session, bank_id, added_at, entries, ids):  # no trigger counted them
            add_tallies(session, _tally(bank_id, entries))
        return
    _insert_entry_rows(session, bank_id, added_at, entries, ids)
    tallies: Tallies | None = session.info.get(_TALLIES)
    if tallies is not None:
        for key, n in _tally(bank_id, entries).items():
            tallies[key] = tallies.get(key, 0) + n


def _tally(bank_id: int, entries: Sequence[DigestedEntry]) -> Tallies:
    tallies: Tallies = {}
    for _, (stype, _, _, _, _, _, enabled) in entries:
        key = (bank_id, stype, enabled)
        tallies[key] = tallies.get(key, 0) + 1
    return tallies


def _copy_entries(
    session: Session,
    bank_id: int,
    added_at: datetime,
    entries: Sequence[DigestedEntry],
    ids: Sequence[int] | None,
) -> bool:
    """COPY the rows; returns whether it ran unchecked (no trigger fired)."""
    unchecked = unchecked_copy_allowed(session)
    if unchecked:
        lock_bank_for_key_share(session, bank_id)
    esc = COPY_ESCAPES
    head = f"{bank_id}\t"
    tail = f"\t{added_at.isoformat()}\n"
    # hash values are letters and digits, and most provenance is empty: nothing to escape
    lines = [
        f"{head}{stype}\t{value if value.isalnum() else value.translate(esc)}\t{digest}\t"
        f"{source and source.translate(esc)}\t{ext and ext.translate(esc)}\t"
        f"{cls and cls.translate(esc)}\t{note and note.translate(esc)}\t"
        f"{'t' if enabled else 'f'}{tail}"
        for digest, (stype, value, source, ext, cls, note, enabled) in entries
    ]
    columns = ", ".join(ENTRY_COLUMNS)
    if ids is not None:
        lines = [f"{entry_id}\t{line}" for entry_id, line in zip(ids, lines, strict=True)]
        columns = "id, " + columns
    copy_text(
        session, f"COPY bank_entries ({columns}) FROM STDIN", "".join(lines), unchecked=unchecked
    )
    return unchecked


def _insert_entry_rows(
    session: Session,
    bank_id: int,
    added_at: datetime,
    entries: Sequence[DigestedEntry],
    ids: Sequence[int] | None,
) -> None:
    connection = session.connection()
    stamp = stored_entry_value(connection, "added_at", added_at)
    states = {
        True: stored_entry_value(connection, "enabled", True),
        False: stored_entry_value(connection, "enabled", False),
    }
    if ids is None:
        params: list[tuple[object, ...]] = [
            (bank_id, stype, value, digest, source, ext, cls, note, states[enabled], stamp)
            for digest, (stype, value, source, ext, cls, note, enabled) in entries
        ]
        insert_rows(connection, "bank_entries", ENTRY_COLUMNS, params)
        return
    params = [
        (entry_id, bank_id, stype, value, digest, source, ext, cls, note, states[enabled], stamp)
        for entry_id, (digest, (stype, value, source, ext, cls, note, enabled)) in zip(
            ids, entries, strict=True
        )
    ]
    insert_rows(connection, "bank_entries", ("id", *ENTRY_COLUMNS), params)


def stored_entry_value(connection: Connection, column: str, value: object) -> object:
    """``value`` as ``bank_entries.column`` stores it on this connection's database (the column
    type's own conversion), for statements run through the driver."""
    dialect = connection.dialect
    column_type = BankEntry.__table__.c[column].type.dialect_impl(dialect)
    process = column_type.bind_processor(dialect)
    return value if process is None else process(value)


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert plain tuples (values in their stored form) into ``table`` in the connection's
    transaction, in order, as multi-row ``INSERT`` statements of up to ``_MAX_PARAMS`` bound
    values each (SQLite allows 32,766; PostgreSQL 65,535)."""
    if not rows:
        return
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    one = "(" + ", ".join(mark for _ in columns) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    per_statement = max(1, _MAX_PARAMS // len(columns))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        connection.exec_driver_sql(
            head + ", ".join([one] * len(chunk)), tuple([v for row in chunk for v in row])
        )
