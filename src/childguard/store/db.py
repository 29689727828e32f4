"""Database engine, sessions and first-use migration.

``Database.open(settings)`` creates the data directory and the SQLite file if needed and brings
the schema to the newest Alembic revision, so every command works on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from childguard.config import Settings
from childguard.errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """An engine plus a session factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Database:
        """Open the configured database, creating and migrating it on first use."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create data directory {settings.data_dir}: {exc.strerror or exc}"
            ) from exc
        db = cls(settings.resolved_database_url)
        if migrate:
            db.upgrade()
        return db

    def current_revision(self) -> str | None:
        """The schema revision stored in the database, or None for an empty database."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self) -> bool:
        """Apply pending migrations; returns whether anything was applied."""
        cfg = alembic_config(self.url)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        try:
            if self.current_revision() == head:
                return False
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    # Table rebuilds drop the old table, whose implicit DELETE would cascade to
                    # every referencing row; the pragma only takes effect outside a transaction.
                    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    conn.commit()
                try:
                    with conn.begin():
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                finally:
                    if self.is_sqlite:
                        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                        conn.commit()
        except OperationalError as exc:
            raise StorageError(f"database unavailable: {exc.orig}") from exc
        return True

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session committed on success and rolled back on any error.

        ``write=True`` on SQLite takes the database's write lock when the transaction begins
        (``BEGIN IMMEDIATE``), so concurrent writers queue (up to the busy timeout) instead of
        failing when they upgrade a stale read; the audit chain relies on it. PostgreSQL needs
        nothing here (the audit log takes an advisory lock).
        """
        session = self._sessions()
        try:
            if write and self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            if isinstance(exc, OperationalError):
                raise StorageError(f"database error: {exc.orig}") from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in autocommit mode for a read that is one statement.

        A single statement sees one snapshot by itself: no ``BEGIN`` and ``COMMIT`` round trips
        around it (two of the three a one-query read would otherwise make on PostgreSQL).
        Database errors are ``StorageError`` as in ``session``.
        """
        try:
            with self.engine.connect() as conn:
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
        except OperationalError as exc:
            raise StorageError(f"database error: {exc.orig}") from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
