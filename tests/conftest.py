"""Shared fixtures: settings and a database in a temporary data directory per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import Org

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PDQ_DATA = SHARED_DATA / "pdq"


#: Set by ``make test``'s second pass: the whole suite then runs on PostgreSQL.
PG_ADMIN_URL = os.environ.get("CHILDGUARD_TEST_PG_URL", "")


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """None (SQLite in the data directory) or a fresh PostgreSQL database for this test.

    The URL is also exported as ``CHILDGUARD_DATABASE_URL`` so CLI and server subprocesses
    started by the test use the same database.
    """
    if not PG_ADMIN_URL:
        monkeypatch.delenv("CHILDGUARD_DATABASE_URL", raising=False)
        yield None
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("CHILDGUARD_DATABASE_URL", url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Settings with a fresh data directory (and database) for this test."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A migrated database in the test's data directory."""
    database = Database.open(settings)
    yield database
    database.dispose()


@pytest.fixture
def org(db: Database) -> Org:
    """The organisation ``local`` in the test database."""
    with db.session() as session:
        return ensure_org(session, "local")
