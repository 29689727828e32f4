"""``childguard scan --case``, ``childguard case`` and ``childguard queue`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from childguard.cli.main import app
from tests.conftest import PDQ_DATA, turned_jpeg

runner = CliRunner()
IMAGES = PDQ_DATA / "images"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.delenv("CHILDGUARD_ORG", raising=False)
    return d


def cg(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result.output


def _turned(tmp_path: Path) -> tuple[Path, Path]:
    """The reference photo turned 180 degrees and mirrored: copies PDQ matches by a transform."""
    rotated = tmp_path / "bridge-3-rotate-180.jpg"
    rotated.write_bytes(turned_jpeg(IMAGES / "bridge-1-original.jpg", "ROTATE_180"))
    flipped = tmp_path / "bridge-5-flipx.jpg"
    flipped.write_bytes(turned_jpeg(IMAGES / "bridge-1-original.jpg", "FLIP_LEFT_RIGHT"))
    return rotated, flipped


def test_scan_with_case_then_review_from_the_command_line(tmp_path: Path) -> None:
    rotated, flipped = _turned(tmp_path)
    cg("bank", "create", "KNOWN")
    cg("bank", "add", "KNOWN", str(IMAGES / "bridge-1-original.jpg"), "--classification", "A2")
    cg("bank", "create", "CONFIRMED")
    out = cg(
        "scan",
        str(rotated),
        str(flipped),
        "--case",
        "--user-id",
        "u-9",
        "--json",
    )
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    case_ids = {r["case_id"] for r in rows if "path" in r}
    assert case_ids == {1}  # same user: one case
    plain = cg("scan", str(rotated), "--json")
    assert "case_id" not in plain
    assert "go with --case" in cg("scan", str(flipped), "--user-id", "x", code=2)
    listed = cg("case", "list", "--status", "open")
    assert "case 1" in listed and "CSAM" in listed and "queue default" in listed
    shown = cg("case", "show", "1")
    assert "KNOWN entry" in shown and "hashes only" in shown
    assert "case 1" in cg("queue", "next")
    assert "no case waits" in cg("queue", "next")
    bad = cg("case", "decide", "1", "--policy", "A7", code=2)
    assert "unknown policy 'A7'" in bad
    decided = cg(
        "case",
        "decide",
        "1",
        "--policy",
        "A2",
        "--action",
        "add_to_bank:CONFIRMED",
        "--action",
        "remove_content",
    )
    assert "in effect" in decided
    case = json.loads(cg("case", "show", "1", "--json"))
    assert case["status"] == "decided"
    assert case["decisions"][0]["actions"] == [
        {"action": "add_to_bank", "bank": "CONFIRMED"},
        {"action": "remove_content"},
    ]
    again = cg("scan", str(rotated), "--bank", "CONFIRMED", "--json")
    assert '"bank": "CONFIRMED"' in again
    assert "closed" in cg("case", "close", "1")
    assert cg("case", "show", "999", code=4).strip().startswith("error: no case 999")


def test_queues_and_routing_from_the_command_line() -> None:
    cg("queue", "add", "urgent", "--description", "known material")
    cg("queue", "route", "urgent", "--label", "CSAM", "--min-priority", "50")
    assert "label=CSAM min_priority=50 -> urgent" in cg("queue", "rules")
    assert "no queue named nowhere" in cg("queue", "route", "nowhere", code=4)
    listed = cg("queue", "list")
    assert "urgent" in listed and "default" in listed
    assert "0 routing rules" in cg("queue", "unroute", "1")
    assert "invalid" in cg("queue", "add", "Bad Name", code=2)
    assert "NOT_VIOLATING" in cg("case", "policies")
