"""``childguard webhook add|list|deliveries|redeliver|remove``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from childguard.cli.main import app
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import Org
from childguard.webhooks.outbox import enqueue_event
from tests.integration.webhooks.conftest import Clock, make_worker

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.delenv("CHILDGUARD_ORG", raising=False)
    monkeypatch.delenv("CHILDGUARD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    return d


def cg(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result.output


def rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_bad_urls_and_events_are_usage_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "http:// or https://" in cg("webhook", "add", "ftp://example.org/x", code=2)
    out = cg("webhook", "add", "http://127.0.0.1:9/hook", code=2)
    assert "CHILDGUARD_WEBHOOK_ALLOW_PRIVATE" in out
    monkeypatch.setenv("CHILDGUARD_WEBHOOK_ALLOW_PRIVATE", "true")
    assert "unknown event type" in cg(
        "webhook", "add", "http://127.0.0.1:9/hook", "--event", "case.lost", code=2
    )
    assert "no webhook 42" in cg("webhook", "deliveries", "42", code=4)


def test_add_list_deliveries_redeliver_remove(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str | None
) -> None:
    monkeypatch.setenv("CHILDGUARD_WEBHOOK_ALLOW_PRIVATE", "true")
    out = cg("webhook", "add", "http://127.0.0.1:9/hook", "-e", "case.opened")
    [secret] = [line for line in out.splitlines() if line.startswith("whsec_")]
    assert secret.startswith("whsec_")
    [hook] = rows(cg("webhook", "list", "--json"))
    assert hook["events"] == ["case.opened"] and secret not in json.dumps(hook)
    hook_id = str(hook["id"])

    db = Database.open(Settings(data_dir=data_dir, database_url=database_url))
    with db.session(write=True) as s:
        org_id = s.query(Org).filter_by(name="local").one().id
        enqueue_event(s, org_id, "case.opened", {"case_id": 1})
    [pending] = rows(cg("webhook", "deliveries", hook_id, "--json"))
    assert pending["status"] == "pending"
    assert "still pending" in cg("webhook", "redeliver", hook_id, str(pending["id"]), code=6)
    # Port 9 is closed; with no retry window the first failure is a dead letter.
    make_worker(db, Clock(), retry_window=timedelta(0)).run_once()
    [dead] = rows(cg("webhook", "deliveries", hook_id, "--status", "dead", "--json"))
    assert dead["id"] == pending["id"] and str(dead["last_error"]).startswith("connection")
    assert "queued 1" in cg("webhook", "redeliver", hook_id, str(dead["id"]))
    assert rows(cg("webhook", "deliveries", hook_id, "--status", "dead", "--json")) == []
    make_worker(db, Clock(), retry_window=timedelta(0)).run_once()
    assert "queued 1" in cg("webhook", "redeliver", hook_id, "--all-dead")
    assert cg("webhook", "redeliver", hook_id, code=2)
    cg("webhook", "remove", hook_id)
    assert rows(cg("webhook", "list", "--json")) == []
    db.dispose()
