"""The Cambodian referral package: contents, Khmer PDF, signature, verify, SMTP delivery."""

from __future__ import annotations

import io
import json
import re
import socket
import zipfile
import zlib
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from childguard.cli.main import app as cli_app
from childguard.reports.referral import package_path, verify_package
from tests.integration.reports.conftest import ReportWorld


def _filed(rworld: ReportWorld, **settings: Any) -> tuple[int, bytes]:
    # The user's upload (with EXIF GPS) and then the conversation: one case about user u-77.
    case_id = rworld.media_case(1, gps=True, user="u-77")
    assert rworld.chat_case(user="u-77") == case_id
    rworld.decide(case_id, "GROOMING", ("suspend_user",))
    report_id = rworld.file(case_id, "kh_referral")
    assert rworld.run(**settings).finished == 1
    return report_id, package_path(rworld.settings.data_dir, report_id).read_bytes()


def test_package_has_the_pdf_facts_and_a_signed_manifest(rworld: ReportWorld) -> None:
    report_id, package = _filed(rworld)
    names = set(zipfile.ZipFile(io.BytesIO(package)).namelist())
    assert names == {"referral.pdf", "referral.json", "manifest.json", "manifest.sig"}
    result = verify_package(package)
    assert result.ok, result.problems
    doc = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("referral.json"))
    phones = [e["value"] for e in doc["entities"]["phone"]]
    assert phones == ["+85512345678"]
    assert [e["value"] for e in doc["entities"]["handle"]] == ["secret_friend"]
    assert [e["value"] for e in doc["entities"]["payment"]] == ["012345678"]
    assert doc["entities"]["gps"][0]["latitude"].startswith("11.55")
    assert doc["media"] and "matches" in doc["media"][0]
    actions = [c["action"] for c in doc["custody"]]
    assert "evidence.keep" in actions and "case.decided" in actions
    assert all(len(c["hash"]) == 64 for c in doc["custody"])
    assert any(t["action"] == "decided" for t in doc["timeline"])
    shown = rworld.report(report_id)
    assert [s["step"] for s in shown["steps"]] == ["package", "deliver"]
    assert shown["package_sha256"]


def test_pdf_embeds_a_khmer_font(rworld: ReportWorld) -> None:
    _, package = _filed(rworld)
    pdf = zipfile.ZipFile(io.BytesIO(package)).read("referral.pdf")
    assert pdf.startswith(b"%PDF")
    # The Khmer font is embedded (its glyphs shaped by HarfBuzz), not a fallback box font.
    assert b"Khmer" in b"".join([*_streams(pdf), pdf])


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def _tampered(package: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == name else src.read(info))
    return out.getvalue()


def test_verify_names_the_changed_file(rworld: ReportWorld, tmp_path: Any) -> None:
    _, package = _filed(rworld)
    changed = _tampered(package, "referral.json", b"{}")
    result = verify_package(changed)
    assert not result.ok
    assert result.problems == ["referral.json: changed (SHA-256 differs from the manifest)"]
    path = tmp_path / "pkg.zip"
    path.write_bytes(changed)
    runner = CliRunner()
    out = runner.invoke(cli_app, ["report", "verify", str(path)])
    assert out.exit_code == 8
    assert "referral.json" in out.output
    path.write_bytes(package)
    ok = runner.invoke(cli_app, ["report", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    forged = _tampered(package, "manifest.json", package[:0] + b'{"files": {}}')
    assert "manifest.json: the signature does not match (manifest changed)" in (
        verify_package(forged).problems
    )
    pinned = verify_package(package, "0" * 32)
    assert not pinned.ok and "not" in pinned.problems[0]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Any:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_delivered_by_smtp(rworld: ReportWorld, smtp: Any) -> None:
    controller, inbox = smtp
    report_id, package = _filed(
        rworld,
        kh_referral_email_to="referrals@hotline.example",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
    )
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "referrals@hotline.example"
    attachments = [p for p in message.walk() if p.get_filename()]
    assert attachments[0].get_payload(decode=True) == package
    steps = rworld.report(report_id)["steps"]
    assert steps[-1]["detail"] == "e-mailed to referrals@hotline.example"
