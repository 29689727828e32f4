"""Audit checkpoints and witnesses through the API, and the CLI's verify exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from childguard.cli.main import app as cli_app
from childguard.store.models import AuditRecord
from tests.integration.api.conftest import Api


def test_checkpoint_verify_and_witness_over_http(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    log = make_api()
    witness = make_api(data_dir=tmp_path / "witness-instance")
    admin = log.key("admin", "admin")
    for name in ("A1", "A2", "A3"):
        assert log.client.post("/v1/banks", json={"name": name}, headers=admin).status_code == 201
    signed = log.client.post("/v1/audit/checkpoint", headers=admin).json()
    assert signed["size"] >= 4 and len(signed["signature"]) > 40
    assert log.client.post("/v1/audit/checkpoint", headers=admin).json() is None
    # the witness instance countersigns for a hotline key it issued to this log's operator
    hotline = witness.key("aple", "hotline")
    cosig = witness.client.post("/v1/audit/witness", json=signed, headers=hotline)
    assert cosig.status_code == 200, cosig.text
    stored = witness.client.get(f"/v1/audit/witness/{signed['origin']}", headers=hotline).json()
    assert stored["size"] == signed["size"] and stored["cosignature"] == cosig.json()
    forged = {**signed, "head": "0" * 64}
    refused = witness.client.post("/v1/audit/witness", json=forged, headers=hotline)
    assert refused.status_code == 400 and "signature" in refused.json()["error"]["message"]
    assert log.client.get("/v1/audit/verify", headers=admin).json()["ok"] is True
    with log.db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id >= signed["size"]))
    report = log.client.get("/v1/audit/verify", headers=admin).json()
    assert report["ok"] is False and report["bad_record"] == signed["size"]
    assert f"records {signed['size']} to {signed['size']} are missing" in report["problem"]


def test_cli_checkpoint_and_verify_detect_truncation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None
) -> None:
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    for name in ("acme", "beta", "gamma"):
        assert runner.invoke(cli_app, ["org", "create", name]).exit_code == 0
    result = runner.invoke(cli_app, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "checkpoint: 3 records" in result.output
    assert runner.invoke(cli_app, ["audit", "verify"]).exit_code == 0
    from childguard.config import Settings
    from childguard.store.db import Database

    db = Database.open(Settings())
    with db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id == 3))
    db.dispose()
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "records 3 to 3 are missing" in result.output
    key = runner.invoke(cli_app, ["audit", "public-key"])
    assert key.exit_code == 0 and len(key.output.strip()) == 64
