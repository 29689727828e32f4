"""``childguard user create`` and the first admin printed by ``serve --bootstrap``."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from childguard.auth import ensure_org
from childguard.cli.main import app
from childguard.cli.server_cmd import bootstrap_console_admin
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import User


def test_user_create_reads_the_password_from_stdin(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(settings.data_dir))
    with db.session(write=True) as s:
        ensure_org(s, "acme")
    runner = CliRunner()
    args = ["user", "create", "--org", "acme", "--email", "Rev@Acme.example", "--role",
            "reviewer", "--password-stdin"]  # fmt: skip
    r = runner.invoke(app, args, input="a long enough password\n")
    assert r.exit_code == 0, r.output
    with db.session() as s:
        user = s.scalar(select(User).where(User.email == "rev@acme.example"))
    assert user is not None and user.role == "reviewer"
    again = runner.invoke(app, args, input="a long enough password\n")
    assert again.exit_code == 6 and "already exists" in again.output
    short = runner.invoke(app, [*args[:5], "x@acme.example", *args[6:]], input="short\n")
    assert short.exit_code == 2 and "12" in short.output


def test_bootstrap_creates_a_first_admin_once(settings: Settings, db: Database) -> None:
    first = bootstrap_console_admin(settings)
    assert first is not None and first[0].startswith("admin@")
    assert bootstrap_console_admin(settings) is None
