"""Shared fixtures: settings and a database in a temporary data directory per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from childguard.config import Settings
from childguard.auth import ensure_org
from childguard.store.db import Database
from childguard.store.models import Org

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PDQ_DATA = SHARED_DATA / "pdq"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data directory under the test's tmp_path."""
    return Settings(data_dir=tmp_path / "data")


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
