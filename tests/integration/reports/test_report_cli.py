"""``childguard report ...`` and ``childguard dev fake-ncmec`` from the command line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from childguard.cli.main import app as cli_app
from tests.integration.reports.conftest import Fake, ReportWorld

REPO = Path(__file__).resolve().parents[3]


def test_file_show_list_retract_from_the_cli(
    rworld: ReportWorld, fake_ncmec: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "DATA_DIR": str(rworld.settings.data_dir),
        "ORG": "acme",
        "EVIDENCE_ENABLED": "true",
        "NCMEC_URL": fake_ncmec.url,
        "NCMEC_USERNAME": "acme-user",
        "NCMEC_PASSWORD": "acme-pass",
        "REPORT_CONTACT_EMAIL": "safety@example.org",
    }.items():
        monkeypatch.setenv(f"CHILDGUARD_{name}", value)
    case_id = rworld.media_case(1)
    runner = CliRunner()
    early = runner.invoke(cli_app, ["report", "file", str(case_id), "--to", "ncmec"])
    assert early.exit_code == 6 and "no decision" in early.output
    rworld.decide(case_id, "A1", ("remove_content",))
    filed = runner.invoke(
        cli_app, ["report", "file", str(case_id), "--to", "ncmec", "--now", "--json"]
    )
    assert filed.exit_code == 0, filed.output
    report = json.loads(filed.output)
    assert report["status"] == "finished"
    shown = runner.invoke(cli_app, ["report", "show", str(report["id"])])
    assert shown.exit_code == 0 and "finish" in shown.output and "Request-ID" in shown.output
    listed = runner.invoke(cli_app, ["report", "list", "--json"])
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [report["id"]]
    late = runner.invoke(cli_app, ["report", "retract", str(report["id"])])
    assert late.exit_code == 6 and "finished" in late.output


def test_dev_fake_ncmec_serves_with_basic_auth() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "childguard.cli.main",
            "dev",
            "fake-ncmec",
            "--port",
            str(port),
            "--username",
            "dev",
            "--password",
            "pw",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/ispws/status"
        for _ in range(200):
            try:
                response = httpx2.get(url, auth=("dev", "pw"))
                break
            except httpx2.HTTPError:
                time.sleep(0.05)
        assert response.status_code == 200 and b"<responseCode>0<" in response.content
        assert response.headers["Request-ID"]
        assert httpx2.get(url, auth=("dev", "wrong")).status_code == 401
    finally:
        proc.terminate()
        proc.wait()
