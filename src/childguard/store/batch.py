"""Statements sent together: one round trip on PostgreSQL (psycopg's pipeline mode).

A hot path that needs several independent reads (or several writes whose results it does not
need) runs them as one batch. The statements are compiled once per dialect and handed straight
to the driver, without SQLAlchemy's per-execution work (about a tenth of a millisecond a
statement, most of a small statement's cost). On PostgreSQL they are sent in one pipeline and
their results read at its end, so the batch waits for the server once instead of once per
statement; on SQLite, in process, they run one after another. Either way they run in the
connection's current transaction, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

#: Parameters of one statement: one row, several rows (an ``executemany``), or none.
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass
class Batch:
    """Statements to run together in order; ``run`` returns each one's rows (None: no rows).

    Statements must not use expanding ``IN`` parameters (write ``or_`` of equalities). Values
    must be what the driver takes as they are (timezone-aware UTC datetimes, str, int,
    float, bool, None): on PostgreSQL the statements bypass SQLAlchemy's type processing (on
    SQLite the columns' bind processors apply, as SQLite stores datetimes as text). Rows come
    as the driver returns them: on SQLite a boolean is 0 or 1 and a datetime is text.
    """

    statements: list[tuple[Executable, Params]] = field(default_factory=list)

    def add(self, statement: Executable, params: Params = None) -> int:
        """Queue ``statement``; returns the index of its result in ``run``'s list."""
        self.statements.append((statement, params))
        return len(self.statements) - 1

    def run(self, conn: Connection) -> list[list[tuple[Any, ...]] | None]:
        """Run every queued statement on ``conn`` (one round trip on PostgreSQL)."""
        if conn.dialect.name == "postgresql":
            return _run_pipelined(conn, self.statements)
        if conn.dialect.name == "sqlite":
            return _run_sqlite(conn, self.statements)
        out: list[list[tuple[Any, ...]] | None] = []
        for statement, params in self.statements:
            result = conn.execute(statement, _as_execute_params(params))
            out.append([tuple(row) for row in result] if result.returns_rows else None)
        return out


def _as_execute_params(params: Params) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return dict(params)
    return [dict(p) for p in params]


def _run_sqlite(
    conn: Connection, statements: Sequence[tuple[Executable, Params]]
) -> list[list[tuple[Any, ...]] | None]:
    driver = conn.connection.driver_connection
    assert driver is not None
    out: list[list[tuple[Any, ...]] | None] = []
    sql = ""
    try:
        for statement, params in statements:
            sql, rows, many = _compile_positional(conn, statement, params)
            cur = driver.cursor()
            try:
                if many:
                    cur.executemany(sql, rows)
                else:
                    cur.execute(sql, rows[0] if rows else ())
                out.append(list(cur.fetchall()) if cur.description is not None else None)
            finally:
                cur.close()
        return out
    except conn.dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(sql, None, error, conn.dialect.loaded_dbapi.Error) from error


def _run_pipelined(
    conn: Connection, statements: Sequence[tuple[Executable, Params]]
) -> list[list[tuple[Any, ...]] | None]:
    driver = conn.connection.driver_connection
    assert driver is not None
    prepared = [_compile(conn, statement, params) for statement, params in statements]
    sql = ""
    try:
        cursors = []
        with driver.pipeline():
            for sql, rows, many in prepared:
                cur = driver.cursor()
                if many:
                    cur.executemany(sql, rows)
                else:
                    cur.execute(sql, rows[0] if rows else None)
                cursors.append(cur)
        out: list[list[tuple[Any, ...]] | None] = []
        for cur in cursors:
            out.append(list(cur.fetchall()) if cur.description is not None else None)
            cur.close()
        return out
    except conn.dialect.loaded_dbapi.Error as error:
        # The same exception types (and so the same StorageError) as a statement run through
        # SQLAlchemy would raise.
        raise exc.DBAPIError.instance(sql, None, error, conn.dialect.loaded_dbapi.Error) from error


#: Compiled statements by (statement, dialect, parameter names), with their binding plan; each
#: entry keeps its statement alive, so the ``id`` in its key is never reused. Hot paths use a
#: few module-level statements.
_COMPILED: dict[tuple[int, str, tuple[str, ...]], tuple[Executable, SQLCompiler, _Plan | None]] = {}
_MAX_COMPILED = 256
#: The bind processors of each compiled statement, in its positional order (SQLite).
_PROCESSORS: dict[int, tuple[SQLCompiler, list[Callable[[Any], Any] | None]]] = {}
#: A value taken from no row: the bind parameter's own.
_FIXED = None


@dataclass(frozen=True)
class _Plan:
    """Where each bind parameter's value comes from, for rows of one set of keys: a row's key,
    or (key None) a value fixed in the statement. What ``construct_params`` works out anew for
    every row, worked out once."""

    sources: dict[str, tuple[str | None, Any]]

    def bind(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: value if key is None else row[key] for name, (key, value) in self.sources.items()
        }


def _plan(compiled: SQLCompiler, keys: tuple[str, ...]) -> _Plan | None:
    """The binding plan of ``compiled`` for rows with ``keys``; None where ``construct_params``
    must do it (renamed, computed, expanding or missing parameters: it also raises the error)."""
    if compiled.escaped_bind_names or getattr(compiled, "_render_postcompile", False):
        return None
    present = set(keys)
    sources: dict[str, tuple[str | None, Any]] = {}
    for bindparam, name in compiled.bind_names.items():
        if bindparam.callable is not None or bindparam.expanding:
            return None
        if bindparam.key in present:
            sources[name] = (bindparam.key, _FIXED)
        elif name in present:
            sources[name] = (name, _FIXED)
        elif bindparam.required:
            return None
        else:
            sources[name] = (None, bindparam.value)
    return _Plan(sources)


def _compile_positional(
    conn: Connection, statement: Executable, params: Params
) -> tuple[str, list[tuple[Any, ...]], bool]:
    """Like ``_compile``, for a positional driver: rows as tuples, bind processors applied."""
    compiled, bound, many = _compiled_rows(conn, statement, params)
    names = compiled.positiontup or []
    cached = _PROCESSORS.get(id(compiled))
    if cached is None or cached[0] is not compiled:
        processors: list[Callable[[Any], Any] | None] = [
            compiled.binds[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            for name in names
        ]
        if len(_PROCESSORS) >= _MAX_COMPILED:
            _PROCESSORS.clear()
        _PROCESSORS[id(compiled)] = (compiled, processors)
    else:
        processors = cached[1]
    rows = [
        tuple(
            row[name] if process is None else process(row[name])
            for name, process in zip(names, processors, strict=True)
        )
        for row in bound
    ]
    return compiled.string, rows, many


def _compile(
    conn: Connection, statement: Executable, params: Params
) -> tuple[str, list[dict[str, Any]], bool]:
    compiled, bound, many = _compiled_rows(conn, statement, params)
    return compiled.string, bound, many


def _compiled_rows(
    conn: Connection, statement: Executable, params: Params
) -> tuple[SQLCompiler, list[dict[str, Any]], bool]:
    rows: list[Mapping[str, Any]]
    if params is None:
        rows = []
    elif isinstance(params, Mapping):
        rows = [params]
    else:
        rows = list(params)
    keys = tuple(rows[0]) if rows else ()
    cache_key = (id(statement), conn.dialect.name, keys)
    cached = _COMPILED.get(cache_key)
    if cached is None or cached[0] is not statement:
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(
            dialect=conn.dialect,
            column_keys=list(keys) or None,
        )
        assert isinstance(compiled, SQLCompiler)
        plan = _plan(compiled, keys)
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        _COMPILED[cache_key] = (statement, compiled, plan)
    else:
        compiled, plan = cached[1], cached[2]
    if not rows:
        rows = [{}] if compiled.binds else []
    bound = [
        plan.bind(row)
        if plan is not None and tuple(row) == keys
        else dict(compiled.construct_params(dict(row) or None) or {})
        for row in rows
    ]
    return compiled, bound, len(rows) > 1
