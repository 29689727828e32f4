"""``childguard inspect FILE --json``: each intelligence signal explained (issue 20, req. 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from childguard.cli.main import app
from tests.intel_images import PHNOM_PENH, exif_jpeg

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.setenv("CHILDGUARD_INTEL_OCR", "false")
    return d


def test_inspect_json_explains_place_device_and_priority(tmp_path: Path) -> None:
    photo = exif_jpeg(tmp_path / "p.jpg", *PHNOM_PENH)
    result = runner.invoke(app, ["bank", "create", "KNOWN"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["bank", "add", "KNOWN", str(photo)]).exit_code == 0
    result = runner.invoke(app, ["inspect", str(photo), "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("{")]
    out = json.loads(line)
    meta = out["intel"]["metadata"]
    assert meta["place"]["name"] == "Phnom Penh"
    assert meta["camera"]["serial"] == "SN-0042"
    assert meta["explanation"]
    assert out["intel"]["faces"]["explanation"] and out["intel"]["nudity"]["explanation"]
    assert out["matched"] is True and out["matches"][0]["bank"] == "KNOWN"
    assert out["priority"]["parts"]["match"] == 60.0 and out["priority"]["band"] == "urgent"
    human = runner.invoke(app, ["inspect", str(photo), "--no-match"])
    assert human.exit_code == 0 and "Phnom Penh" in human.output and "SN-0042" in human.output


def test_inspect_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path / "none.jpg")])
    assert result.exit_code == 2 and "no such file" in result.output
    (tmp_path / "t.txt").write_text("hello")
    result = runner.invoke(app, ["inspect", str(tmp_path / "t.txt"), "--no-match"])
    assert result.exit_code == 2 and "Traceback" not in result.output
