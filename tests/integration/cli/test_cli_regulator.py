"""``childguard policy assess``, ``childguard transparency`` and ``childguard stats``."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from childguard.cli.main import app
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import PolicyAssessment
from tests.integration.api.regulator_seed import seed_cases

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


def _stored() -> int:
    db = Database.open(Settings())
    try:
        with db.session() as s:
            return int(s.scalar(select(func.count()).select_from(PolicyAssessment)) or 0)
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("company_type: ugc\nanswers:\n  A1: 3\n  Q7: 2\n", 4, "unknown item id 'Q7'"),
        (
            "company_type: ugc\nanswers:\n  A1: 3\n\n  B1: 5\n",
            5,
            "score of B1 must be 0, 1, 2 or 3",
        ),
        ("company_type: ugc\nanswers:\n  A2: {score: -1}\n", 3, "score of A2"),
        ("company_type: bank\n", 1, "company_type must be one of"),
    ],
)
def test_bad_answers_name_the_line_and_store_nothing(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    out = cg("policy", "assess", "--answers", str(path), code=2)
    assert f"answers.yaml line {line}:" in out and words in out
    assert _stored() == 0


def test_assessment_scores_gaps_evidence_and_progress(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text("company_type: ugc\nanswers:\n  A1: 1\n  A2: {score: 2, note: owner named}\n")
    result = json.loads(cg("policy", "assess", "--answers", str(first)))
    assert result["progress"] is None
    items = {i["id"]: i for i in result["items"]}
    assert items["A1"]["score"] == 1 and items["A1"]["origin"] == "answer"
    # Evidenced by childguard itself: the audit log, the review console's blur defaults.
    assert items["J3"]["origin"] == "childguard" and "audit log" in items["J3"]["evidence"]
    assert items["H2"]["score"] == 3
    # Not applicable to a UGC platform: ISP blocking.
    assert "B4" not in items
    gaps = result["gaps"]
    assert gaps == sorted(gaps, key=lambda g: (-g["priority"], g["id"]))
    assert {g["where"] for g in gaps} == {"childguard", "company process"}
    assert all(g["sources"] for g in gaps)
    second = tmp_path / "second.yaml"
    second.write_text("company_type: ugc\nanswers:\n  A1: 3\n  A2: 3\n")
    again = json.loads(cg("policy", "assess", "--answers", str(second)))
    assert again["progress"]["areas"]["A"] > 0
    assert again["overall_percent"] > result["overall_percent"]
    assert _stored() == 2
    pdf = tmp_path / "gap.pdf"
    cg("policy", "assess", "--answers", str(second), "--out", str(pdf), "--lang", "km", "--no-save")
    assert pdf.read_bytes().startswith(b"%PDF") and _stored() == 2


def test_transparency_report_in_three_formats() -> None:
    db = Database.open(Settings())
    seed_cases(db, "acme", n=150)
    db.dispose()
    out = Path("report.json")
    try:
        cg("transparency", "--period", "2025", "--lang", "en", "--out", str(out))
        data = json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)
    outcomes = data["trust"]["outcomes"]
    assert outcomes["content_actioned_by_policy"]["total"] == 150
    assert outcomes["accounts_actioned"] == 150
    assert outcomes["proactive_detection_rate"] == round(100 / 150, 3)
    assert data["eu_2024_2835"]["child_safety_categories"] == {
        "CHILD_SEXUAL_ABUSE_MATERIAL": 50,
        "GROOMING_SEXUAL_ENTICEMENT_MINORS": 100,
    }
    assert outcomes["hours_to_decision"]["n"] == 150
    # Reports are counted when they were filed (the audit log's time: now).
    this_year = str(datetime.now(UTC).year)
    try:
        cg("transparency", "--period", this_year, "--out", str(out))
        filed = json.loads(out.read_text())["trust"]["outcomes"]["reports_by_destination"]
    finally:
        out.unlink(missing_ok=True)
    assert filed["values"] == {"ncmec": 75, "aple": 75}
    cg("transparency", "--period", "2025", "--out", "r.docx", code=2)
    cg("transparency", "--period", "last", "--out", "r.pdf", code=2)


def test_khmer_is_rendered_with_a_khmer_font() -> None:
    from childguard.web.regulator_render import render, to_pdf

    pdf = to_pdf(render("public/poster.html", "km", audience="children", pdf=True), compress=False)
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", pdf))
    assert any(b"Khmer" in f for f in fonts), fonts


def test_stats_show_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database.open(Settings())
    seed_cases(db, "acme", n=150)
    db.dispose()
    table = json.loads(cg("stats", "show", "--dimension", "appeals_by_outcome"))
    assert table["dimension"] == "appeals_by_outcome"
    cg("stats", "show", "--dimension", "nope", code=2)
    key = json.loads(cg("stats", "key"))
    assert re.fullmatch(r"([0-9a-f]{4}:){7}[0-9a-f]{4}", key["fingerprint"])
    cg("stats", "submit", "--period", "2025-13", code=2)
    out = cg("stats", "submit", "--period", "2025-01", "--to", "http://ministry.test", code=3)
    assert "CHILDGUARD_STATS_MINISTRY_KEY" in out
    monkeypatch.setenv("CHILDGUARD_STATS_MINISTRY_KEY", "cg_x")
    cg("stats", "submit", "--period", "2025-01", "--to", "ftp://x", code=2)
