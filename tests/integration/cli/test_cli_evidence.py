"""``childguard evidence``: opt-in, list, hold and release, delete, purge and key rotation."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from childguard import evidence
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.cli.main import app
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import EvidenceItem, utcnow

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.setenv("CHILDGUARD_ORG", "acme")
    return d


def cg(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result.output


def _keep(org: str, shade: int, case_id: int) -> int:
    settings = Settings()
    db = Database.open(settings)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 50, 50)).save(out, format="PNG")
    data = out.getvalue()
    try:
        with db.session(write=True) as s:
            org_id = ensure_org(s, org).id
            assert evidence.keep_media(
                s,
                settings,
                org_id,
                data,
                sha256=hashlib.sha256(data).hexdigest(),
                case_id=case_id,
                filename="f.png",
                mime="image/png",
                actor=Actor(None, None, "t"),
            )
            return max(i.id for i in evidence.list_items(s, org_id))
    finally:
        db.dispose()


def _expire_all() -> None:
    db = Database.open(Settings())
    try:
        with db.session(write=True) as s:
            for item in s.query(EvidenceItem):
                item.expires_at = utcnow() - timedelta(days=1)
    finally:
        db.dispose()


def test_enable_list_hold_purge_delete() -> None:
    assert "off" in cg("evidence", "status")
    assert "on (the organisation opted in)" in cg("evidence", "enable")
    first, second = _keep("acme", 1, 10), _keep("acme", 2, 11)
    rows = [json.loads(x) for x in cg("evidence", "list", "--json").splitlines()]
    assert [r["id"] for r in rows] == [first, second] and rows[0]["case_id"] == 10
    assert "case 11" in cg("evidence", "list", "--case", "11")
    assert "legal hold" in cg("evidence", "hold", str(first), "--reason", "court 7")
    _expire_all()
    out = cg("evidence", "purge", "--json")
    assert json.loads(out)["purged"] == 1
    assert "held: court 7" in cg("evidence", "list")
    assert "already deleted" in cg("evidence", "release", str(second), code=6)
    cg("evidence", "release", str(first))
    assert "not on legal hold" in cg("evidence", "release", str(first), code=6)
    cg("evidence", "delete", str(first), "--reason", "wrong upload")
    shown = json.loads(cg("evidence", "show", str(first)))
    assert shown["delete_reason"] == "wrong upload" and shown["deleted_at"]
    assert cg("evidence", "list") == ""
    assert len(cg("evidence", "list", "--include-deleted").splitlines()) == 2
    assert "disabled" not in cg("evidence", "disable")
    assert "off" in cg("evidence", "status")


def test_other_org_and_bad_input_are_clear_errors() -> None:
    cg("evidence", "enable")
    item = _keep("acme", 3, 1)
    cg("org", "create", "rival")
    assert "no evidence item" in cg("evidence", "show", str(item), "--org", "rival", code=4)
    assert "no organisation" in cg("evidence", "list", "--org", "ghost", code=4)
    assert "reason" in cg("evidence", "hold", str(item), "--reason", " ", code=2)
    assert "--master" in cg("evidence", "rotate-key", "--master", "--org", "acme", code=2)


def test_rotate_keys(data_dir: Path) -> None:
    cg("evidence", "enable")
    item = _keep("acme", 4, 1)
    out = json.loads(cg("evidence", "rotate-key", "--reencrypt", "--json"))
    assert out["reencrypted"] == 1
    key_file = data_dir / "evidence-master.key"
    before = key_file.read_text()
    # The retired key and the active one.
    assert "2 data keys re-wrapped" in cg("evidence", "rotate-key", "--master")
    assert key_file.read_text() != before
    settings = Settings()
    db = Database.open(settings)
    try:
        with db.session(write=True) as s:
            org_id = ensure_org(s, "acme").id
            data = evidence.read_media(
                s, settings, org_id, item, actor=Actor(None, None, "t"), purpose="test"
            )
            assert data.startswith(b"\x89PNG")
            assert evidence.get_item(s, org_id, item).key_id == out["key_id"]
    finally:
        db.dispose()
