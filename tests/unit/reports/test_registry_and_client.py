"""Report sink registry, credentials and the CyberTipline client's reading of answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from childguard.config import Settings
from childguard.errors import ConfigurationError, InvalidInput, NotConfigured
from childguard.reports.errors import RemoteReportGone, SinkRefused, SinkUnavailable
from childguard.reports.ncmec import NcmecReportSink, credentials
from childguard.reports.ncmec_client import NcmecClient
from childguard.reports.ncmec_xml import answer_xml
from childguard.reports.referral import KhReferralSink
from childguard.reports.registry import build_sink_registry, get_report_sink, report_sinks


def test_builtin_sinks_are_registered_and_duplicates_fail() -> None:
    assert report_sinks() == {"ncmec": NcmecReportSink, "kh_referral": KhReferralSink}
    assert get_report_sink(" NCMEC ") is NcmecReportSink
    with pytest.raises(InvalidInput, match="kh_referral, ncmec"):
        get_report_sink("fax")

    class Twin(KhReferralSink):
        name = "ncmec"

    with pytest.raises(ConfigurationError, match="registered twice"):
        build_sink_registry([NcmecReportSink, Twin])


def test_credentials_per_organisation_from_the_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "ncmec.json"
    secrets.write_text(
        json.dumps(
            {
                "acme": {"url": "http://a", "username": "ua", "password": "pa"},
                "*": {"url": "http://x", "username": "ux", "password": "px"},
            }
        )
    )
    settings = Settings(
        data_dir=tmp_path, ncmec_secrets_file=secrets, report_contact_email="s@example.org"
    )
    assert credentials(settings, "acme").username == "ua"
    assert credentials(settings, "other").url == "http://x"
    bare = Settings(data_dir=tmp_path)
    with pytest.raises(NotConfigured) as caught:
        credentials(bare, "acme")
    for name in ("URL", "USERNAME", "PASSWORD"):
        assert f"CHILDGUARD_NCMEC_{name}" in caught.value.message
    assert "CHILDGUARD_REPORT_CONTACT_EMAIL" in caught.value.message


def _client(handler: httpx2.MockTransport) -> NcmecClient:
    return NcmecClient("http://ncmec.test/ispws", "u", "p", transport=handler)


def test_answers_become_results_or_the_right_errors() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["authorization"].startswith("Basic ")
        step = request.url.path.rsplit("/", 1)[1]
        rid = {"Request-ID": f"req-{step}"}
        if step == "submit":
            return httpx2.Response(
                200, content=answer_xml("reportResponse", 0, "Success", reportId="77"), headers=rid
            )
        if step == "fileinfo":
            body = answer_xml("reportResponse", 4100, "Validation failed")
            return httpx2.Response(400, content=body, headers=rid)
        if step == "upload":
            return httpx2.Response(503, headers=rid)
        if step == "finish":
            body = answer_xml("reportDoneResponse", 5102, "Report already finished")
            return httpx2.Response(200, content=body, headers=rid)
        body = answer_xml("reportResponse", 5001, "Report does not exist")
        return httpx2.Response(200, content=body, headers=rid)

    client = _client(httpx2.MockTransport(handler))
    answer = client.submit(b"<report/>")
    assert (answer.report_id, answer.request_id) == ("77", "req-submit")
    with pytest.raises(SinkRefused) as refused:
        client.fileinfo(b"<fileDetails/>")
    assert refused.value.response_code == 4100 and refused.value.reason == "validation"
    assert refused.value.request_id == "req-fileinfo"
    with pytest.raises(SinkUnavailable):
        client.upload("77", "a.png", b"x")
    assert client.finish("77").response_code == 5102
    with pytest.raises(RemoteReportGone):
        client.retract("77")
