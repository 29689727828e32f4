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

pytest_plugins = ["tests.thread_watch"]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Small public reference images with the C++ reference's hashes, part of every clone.
PDQ_DATA = REPO_ROOT / "tests" / "data" / "pdq"
#: Names the directory of the large conformance data sets (``pdq/``, ``text/``); ``.ci/run`` sets
#: it to ``../shared/data``. Tests that need it are skipped, naming it, when it is unset.
CONFORMANCE_ENV = "CHILDGUARD_CONFORMANCE_DATA"


def conformance_dir() -> Path | None:
    """The conformance data directory, or None when ``CHILDGUARD_CONFORMANCE_DATA`` names none."""
    raw = os.environ.get(CONFORMANCE_ENV, "")
    return Path(raw) if raw and Path(raw).is_dir() else None


def skip_reason(what: str) -> str:
    """The skip message of a test that needs ``what`` from the conformance data."""
    return f"needs {what}: set {CONFORMANCE_ENV} to the conformance data directory"


def conformance_path(*parts: str) -> Path:
    """A path in the conformance data; skips the calling test (naming the variable) if absent."""
    root = conformance_dir()
    path = root.joinpath(*parts) if root is not None else None
    if path is None or not path.exists():
        pytest.skip(skip_reason("/".join(parts)))
    return path


def pdq_set() -> Path:
    """The PDQ image set (``images/`` and ``expected.csv``) to check against the reference: the
    full conformance set when available, else the small one in ``tests/data``."""
    root = conformance_dir()
    if root is not None and (root / "pdq" / "expected.csv").is_file():
        return root / "pdq"
    return PDQ_DATA


def turned_jpeg(source: Path, op: str, quality: int = 95) -> bytes:
    """``source`` turned or flipped by PIL's ``Image.Transpose[op]`` (e.g. ``ROTATE_180``),
    re-encoded as a JPEG: a copy that PDQ matches only through a dihedral lookup."""
    import io

    from PIL import Image

    with Image.open(source) as im:
        turned = im.convert("RGB").transpose(Image.Transpose[op])
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=quality)
    return out.getvalue()


def dihedral_copies(source: Path, folder: Path) -> list[Path]:
    """The seven rotations and flips of ``source``, saved losslessly as PNG files in ``folder``."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with Image.open(source) as im:
        rgb = im.convert("RGB")
    for op in (
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_180,
        Image.Transpose.ROTATE_270,
        Image.Transpose.FLIP_LEFT_RIGHT,
        Image.Transpose.FLIP_TOP_BOTTOM,
        Image.Transpose.TRANSPOSE,
        Image.Transpose.TRANSVERSE,
    ):
        path = folder / f"{source.stem}-{op.name.lower()}.png"
        rgb.transpose(op).save(path)
        paths.append(path)
    return paths


#: Set by ``make test``'s second pass: the whole suite then runs on PostgreSQL.
PG_ADMIN_URL = os.environ.get("CHILDGUARD_TEST_PG_URL", "")


@pytest.fixture(autouse=True)
def _private_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default data directory is the user's: point it into the test's temporary folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


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
    # "admin" runs the deployment in the API tests; by default it is CHILDGUARD_ORG
    return Settings(data_dir=tmp_path / "data", database_url=database_url, admin_org="admin")


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
