"""``kill -9`` of ``childguard report run`` between the uploads and ``finish``: after a restart
the report is finished once and no file is uploaded twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.reports.conftest import Fake, ReportWorld

REPO = Path(__file__).resolve().parents[3]


def _env(rworld: ReportWorld, fake: Fake, timeout: float) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(REPO / "src"),
            "CHILDGUARD_DATA_DIR": str(rworld.settings.data_dir),
            "CHILDGUARD_ORG": "acme",
            "CHILDGUARD_EVIDENCE_ENABLED": "true",
            "CHILDGUARD_NCMEC_URL": fake.url,
            "CHILDGUARD_NCMEC_USERNAME": "acme-user",
            "CHILDGUARD_NCMEC_PASSWORD": "acme-pass",
            "CHILDGUARD_REPORT_CONTACT_EMAIL": "safety@example.org",
            "CHILDGUARD_REPORT_LEASE_SECONDS": "1",
            "CHILDGUARD_NCMEC_TIMEOUT_SECONDS": str(timeout),
            "CHILDGUARD_LOG_JSON": "true",
        }
    )
    if rworld.settings.database_url:
        env["CHILDGUARD_DATABASE_URL"] = rworld.settings.database_url
    return env


def test_kill_9_between_upload_and_finish_resumes_without_doubles(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    case_id = rworld.media_case(3)
    rworld.decide(case_id, "A1", ("remove_content",))
    report_id = rworld.file(case_id)
    fake_ncmec.faults(rules=[{"endpoint": "finish", "kind": "hang", "times": 1}], delay=60)
    cmd = [sys.executable, "-m", "childguard.cli.main", "report", "run"]
    worker = subprocess.Popen(
        cmd, env=_env(rworld, fake_ncmec, 120), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while fake_ncmec.state()["faults_injected"]["hang"] == 0:
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker never reached finish"
            time.sleep(0.05)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    steps = [s["step"] for s in rworld.report(report_id)["steps"]]
    assert steps == ["submit"] + ["upload", "fileinfo"] * 3  # stored before finish was sent
    fake_ncmec.faults(rules=[])
    time.sleep(1.2)  # the killed worker's lease runs out
    done = subprocess.run(
        cmd, env=_env(rworld, fake_ncmec, 10), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert '"finished": 1' in done.stdout
    reports = fake_ncmec.state()["reports"]
    assert len(reports) == 1
    held = next(iter(reports.values()))
    assert held["finished_times"] == 1
    assert len(held["files"]) == 3
    assert len({f["sha256"] for f in held["files"].values()}) == 3
    assert fake_ncmec.state()["calls"]["upload"] == 3
    assert rworld.report(report_id)["status"] == "finished"
