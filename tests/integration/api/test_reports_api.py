"""``/v1/reports`` over the API: filing, 409s, following, retracting, the hotline's view."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from childguard.reports.fake_ncmec import FakeCyberTipline
from childguard.reports.referral import verify_package
from childguard.reports.worker import make_sinks, run_due
from tests.integration.api.conftest import Api
from tests.integration.reports.conftest import png

PDQ_MATCH_BANK = "KNOWN"


@pytest.fixture
def fake_url() -> Iterator[str]:
    fake = FakeCyberTipline("u", "p")
    server = fake.serve("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ispws"
    server.shutdown()
    server.server_close()


def _decided_case(api: Api) -> tuple[int, dict[str, str]]:
    """A case opened by a matched scan, decided A1 by one reviewer (four eyes off)."""
    admin = api.key("acme", "admin")
    assert api.client.patch(
        "/v1/case-settings", headers=admin, json={"four_eyes": False}
    ).is_success
    assert api.client.post("/v1/banks", headers=admin, json={"name": PDQ_MATCH_BANK}).is_success
    data = png(3)
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    r = api.client.post(
        f"/v1/banks/{PDQ_MATCH_BANK}/entries",
        headers=admin,
        json={"signal_type": "sha256", "signal": sha, "classification": "A1"},
    )
    assert r.status_code == 201, r.text
    platform = api.key("acme", "platform")
    scanned = api.client.post(
        "/v1/scan", headers=platform, files={"file": ("a.png", data, "image/png")}
    )
    case_id = int(scanned.json()["case_id"])
    reviewer = api.key("acme", "reviewer")
    assert api.client.post(f"/v1/cases/{case_id}/claim", headers=reviewer).is_success
    return case_id, reviewer


def _decide(api: Api, case_id: int, reviewer: dict[str, str]) -> None:
    r = api.client.post(
        f"/v1/cases/{case_id}/decisions",
        headers=reviewer,
        json={"policy": "A1", "actions": ["remove_content"]},
    )
    assert r.status_code == 201, r.text


def _run(api: Api) -> Any:
    return run_due(api.db, api.settings, make_sinks(api.settings))


def test_file_follow_and_retract_over_the_api(make_api: Callable[..., Api], fake_url: str) -> None:
    api = make_api(
        evidence_enabled=True,
        ncmec_url=fake_url,
        ncmec_username="u",
        ncmec_password=SecretStr("p"),
        report_contact_email="safety@example.org",
        report_retry_seconds=0.01,
    )
    case_id, reviewer = _decided_case(api)
    early = api.client.post(
        f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "ncmec"}
    )
    assert early.status_code == 409 and "no decision" in early.json()["error"]["message"]
    _decide(api, case_id, reviewer)
    bad = api.client.post(f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "fax"})
    assert bad.status_code == 400 and "ncmec" in bad.json()["error"]["message"]
    filed = api.client.post(
        f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "ncmec"}
    )
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["id"]
    twice = api.client.post(
        f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "ncmec"}
    )
    assert twice.status_code == 409
    assert _run(api).finished == 1
    shown = api.client.get(f"/v1/reports/{report_id}", headers=reviewer).json()
    assert shown["status"] == "finished" and shown["remote_id"]
    assert [s["step"] for s in shown["steps"]] == ["submit", "upload", "fileinfo", "finish"]
    listed = api.client.get("/v1/reports", headers=reviewer, params={"case_id": case_id}).json()
    assert [r["id"] for r in listed["reports"]] == [report_id]
    late = api.client.post(f"/v1/reports/{report_id}/retract", headers=reviewer)
    assert late.status_code == 409
    platform = api.key("acme", "platform")
    assert api.client.get("/v1/reports", headers=platform).status_code == 403


def test_missing_credentials_are_named_not_a_500(make_api: Callable[..., Api]) -> None:
    api = make_api(evidence_enabled=True)
    case_id, reviewer = _decided_case(api)
    _decide(api, case_id, reviewer)
    r = api.client.post(f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "ncmec"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "not_configured"
    assert "CHILDGUARD_NCMEC_URL" in r.json()["error"]["message"]


def test_the_hotline_reads_and_downloads_referrals_sent_to_it(make_api: Callable[..., Api]) -> None:
    api = make_api(evidence_enabled=True, kh_referral_hotline_org="aple")
    hotline = api.key("aple", "hotline")  # creates the hotline's organisation first
    case_id, reviewer = _decided_case(api)
    _decide(api, case_id, reviewer)
    filed = api.client.post(
        f"/v1/cases/{case_id}/reports", headers=reviewer, json={"sink": "kh_referral"}
    )
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["id"]
    assert _run(api).finished == 1
    seen = api.client.get("/v1/reports", headers=hotline).json()["reports"]
    assert [r["id"] for r in seen] == [report_id]
    package = api.client.get(f"/v1/reports/{report_id}/package", headers=hotline)
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    assert verify_package(package.content).ok
    assert "referral.pdf" in zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    # Another hotline sees nothing, and a hotline cannot file or retract.
    other = api.key("elsewhere", "hotline")
    assert api.client.get(f"/v1/reports/{report_id}", headers=other).status_code == 404
    assert api.client.post(f"/v1/reports/{report_id}/retract", headers=hotline).status_code == 403
