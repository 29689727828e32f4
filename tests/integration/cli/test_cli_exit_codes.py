"""``hash`` and ``bank add`` exit 2 when no input could be hashed (README: 2 for bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from childguard.cli.main import app
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import BankEntry

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.delenv("CHILDGUARD_ORG", raising=False)
    return d


def _files(tmp_path: Path) -> tuple[Path, Path]:
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    photo = tmp_path / "photo.png"
    img = Image.new("RGB", (64, 64))
    img.putdata([(x % 256, (x * 5) % 256, (x * 11) % 256) for x in range(64 * 64)])
    img.save(photo)
    return text, photo


def test_hash_exits_2_only_when_every_file_fails(tmp_path: Path) -> None:
    text, photo = _files(tmp_path)
    failed = runner.invoke(app, ["hash", str(text)])
    assert failed.exit_code == 2, failed.output
    assert "none of the 1 files could be hashed" in failed.output
    assert "Traceback" not in failed.output
    mixed = runner.invoke(app, ["hash", str(text), str(photo)])
    assert mixed.exit_code == 0, mixed.output


def test_bank_add_of_an_unsupported_file_exits_2_and_adds_nothing(tmp_path: Path) -> None:
    text, photo = _files(tmp_path)
    assert runner.invoke(app, ["bank", "create", "KNOWN"]).exit_code == 0
    refused = runner.invoke(app, ["bank", "add", "KNOWN", str(text)])
    assert refused.exit_code == 2, refused.output
    assert "nothing added to KNOWN" in refused.output
    assert _entries() == 0
    added = runner.invoke(app, ["bank", "add", "KNOWN", str(text), str(photo)])
    assert added.exit_code == 0, added.output
    assert "1 files skipped" in added.output
    assert _entries() >= 3  # pdq, md5, sha256 of the photo


def _entries() -> int:
    db = Database.open(Settings())
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(BankEntry)) or 0
    finally:
        db.dispose()
