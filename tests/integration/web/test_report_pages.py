"""Reports in the console: filing a decided case, refusals, following steps, the package, the
hotline reading what was sent to it, and every page in the three languages."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select

from childguard.audit import Actor
from childguard.auth import Role, ensure_org
from childguard.cases import decisions, workflow
from childguard.people.users import create_user
from childguard.reports.referral import verify_package
from childguard.reports.worker import make_sinks, run_due
from childguard.store.models import AuditRecord, Report
from tests.integration.web.conftest import Web
from tests.web_world import PASSWORD, SEED

REPORT_LINK = re.compile(r'href="/reports/(\d+)"')


def _decide(web: Web, case_id: int, actions: tuple[str, ...] = ()) -> str:
    """Claim and decide ``case_id`` as alice (a decision with no report action takes effect
    at once); returns the decision's status."""
    alice = Actor(web.world.org_id, None, "user:alice")
    with web.world.db.session(write=True) as s:
        workflow.claim(s, web.world.org_id, case_id, alice)
        return decisions.decide(s, web.world.org_id, case_id, alice, "A1", list(actions)).status


def _send(web: Web) -> None:
    """One pass of the report worker, as the server runs it in the background."""
    run_due(web.world.db, web.settings, make_sinks(web.settings))


def _reports(web: Web) -> int:
    with web.world.db.session() as s:
        return int(s.scalar(select(func.count(Report.id))) or 0)


def test_a_decided_case_is_filed_as_a_referral_followed_and_its_package_downloaded(
    web: Web,
) -> None:
    case_id = web.world.media_case
    assert _decide(web, case_id) == "effective"
    alice = web.sign_in("alice")
    assert f'href="/cases/{case_id}/reports"' in alice.get(f"/cases/{case_id}").text
    page = alice.get(f"/cases/{case_id}/reports")
    assert page.status_code == 200 and "This case has not been reported." in page.text
    assert 'value="kh_referral"' in page.text and 'value="ncmec"' in page.text

    filed = alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    assert filed.status_code == 303, filed.text
    listing = alice.get(filed.headers["location"])
    assert "is queued" in listing.text
    report_id = int(REPORT_LINK.findall(listing.text)[0])
    waiting = alice.get(f"/reports/{report_id}").text
    assert "Download the referral package" not in waiting and "being built" in waiting

    _send(web)
    shown = alice.get(f"/reports/{report_id}")
    assert shown.status_code == 200
    for fact in ("finished", "package built and signed", "package delivered", "Package SHA-256"):
        assert fact in shown.text, fact
    assert f'href="/reports/{report_id}/package"' in shown.text
    assert "Retract this report" not in shown.text  # a finished report stays

    package = alice.get(f"/reports/{report_id}/package")
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    assert f'filename="referral-{report_id}.zip"' in package.headers["content-disposition"]
    checked = verify_package(package.content)
    assert checked.ok, checked.problems
    assert f'href="/reports/{report_id}"' in alice.get("/reports").text


def test_filing_twice_is_refused_409_with_the_reason_on_the_page(web: Web) -> None:
    case_id = web.world.media_case
    _decide(web, case_id)
    alice = web.sign_in("alice")
    assert alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"}).status_code == 303
    again = alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    assert again.status_code == 409
    assert "The report was not filed." in again.text and "already has report" in again.text
    assert 'role="alert"' in again.text and "Traceback" not in again.text
    assert _reports(web) == 1


def test_an_undecided_case_is_refused_409_and_nothing_is_written(web: Web) -> None:
    alice = web.sign_in("alice")
    r = alice.post(f"/cases/{web.world.chat_case}/reports", {"sink": "kh_referral"})
    assert r.status_code == 409
    assert "The report was not filed." in r.text and "no decision" in r.text
    assert "A case is reported once it is decided." in r.text
    assert _reports(web) == 0


def test_a_decision_waiting_for_its_second_reviewer_is_refused_409(web: Web) -> None:
    case_id = web.world.media_case
    assert _decide(web, case_id, ("report",)) == "pending"  # four eyes is on by default
    alice = web.sign_in("alice")
    page = alice.get(f"/cases/{case_id}/reports").text
    assert "waits for a second reviewer" in page
    r = alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    assert r.status_code == 409 and "second reviewer" in r.text
    assert _reports(web) == 0


def test_ncmec_without_credentials_names_the_missing_settings(web: Web) -> None:
    case_id = web.world.media_case
    _decide(web, case_id)
    r = web.sign_in("alice").post(f"/cases/{case_id}/reports", {"sink": "ncmec"})
    assert r.status_code == 503 and "CHILDGUARD_NCMEC_URL" in r.text
    assert "not configured on this server" in r.text
    assert _reports(web) == 0


def test_an_unknown_sink_or_a_missing_token_is_refused(web: Web) -> None:
    case_id = web.world.media_case
    _decide(web, case_id)
    alice = web.sign_in("alice")
    r = alice.post(f"/cases/{case_id}/reports", {"sink": "fax"})
    assert r.status_code == 400 and "choose where to send the report" in r.text
    forged = alice.client.post(
        f"/cases/{case_id}/reports", data={"sink": "kh_referral"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert _reports(web) == 0


def test_a_report_can_be_retracted_before_it_is_sent(web: Web) -> None:
    case_id = web.world.media_case
    _decide(web, case_id)
    alice = web.sign_in("alice")
    alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    with web.world.db.session() as s:
        report_id = s.scalars(select(Report.id)).one()
    assert "Retract this report" in alice.get(f"/reports/{report_id}").text
    r = alice.post(f"/reports/{report_id}/retract")
    assert r.status_code == 303
    assert "retracted" in alice.get(f"/reports/{report_id}").text
    again = alice.post(f"/reports/{report_id}/retract")
    assert again.status_code == 409 and "already retracted" in again.text


def test_the_hotline_reads_the_reports_sent_to_it_and_files_none(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(kh_referral_hotline_org="aple")
    with web.world.db.session(write=True) as s:
        aple = ensure_org(s, "aple")
        create_user(s, aple, "hotline@aple.example", Role.HOTLINE, PASSWORD, actor=SEED)
    web.world.emails["hotline"] = "hotline@aple.example"
    case_id = web.world.media_case
    _decide(web, case_id)
    alice = web.sign_in("alice")
    alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    _send(web)
    with web.world.db.session() as s:
        report_id = s.scalars(select(Report.id)).one()

    hotline = web.sign_in("hotline")
    listing = hotline.get("/reports")
    assert listing.status_code == 200 and f'href="/reports/{report_id}"' in listing.text
    assert f'href="/cases/{case_id}"' not in listing.text  # no case pages for a hotline
    assert "recorded in the audit log" in listing.text
    page = hotline.get(f"/reports/{report_id}")
    assert page.status_code == 200 and "Retract this report" not in page.text
    package = hotline.get(f"/reports/{report_id}/package")
    assert package.status_code == 200 and verify_package(package.content).ok
    assert hotline.get(f"/cases/{case_id}/reports").status_code == 403
    assert hotline.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"}).status_code == 403
    assert hotline.post(f"/reports/{report_id}/retract").status_code == 403
    with web.world.db.session() as s:
        reads = s.scalar(
            select(func.count(AuditRecord.id)).where(
                AuditRecord.action == "report.read", AuditRecord.target == f"report:{report_id}"
            )
        )
    assert reads == 3  # the list, the page and the download

    # Another organisation's reviewer sees none of it.
    carol = web.sign_in("carol")
    assert f'href="/reports/{report_id}"' not in carol.get("/reports").text
    for url in (
        f"/reports/{report_id}",
        f"/reports/{report_id}/package",
        f"/cases/{case_id}/reports",
    ):
        r = carol.get(url)
        assert r.status_code == 404 and "Traceback" not in r.text, url
    assert carol.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"}).status_code == 404
    assert carol.post(f"/reports/{report_id}/retract").status_code == 404


def test_the_regulator_reaches_no_report_page(web: Web) -> None:
    ministry = web.sign_in("ministry")
    for url in ("/reports", f"/cases/{web.world.media_case}/reports", "/reports/1"):
        r = ministry.get(url)
        assert r.status_code == 403 and "Traceback" not in r.text, url
    assert 'href="/reports"' not in ministry.get("/account").text


def test_report_pages_are_translated(web: Web) -> None:
    case_id = web.world.media_case
    _decide(web, case_id)
    alice = web.sign_in("alice")
    alice.post(f"/cases/{case_id}/reports", {"sink": "kh_referral"})
    _send(web)
    with web.world.db.session() as s:
        report_id = s.scalars(select(Report.id)).one()
    expected = {
        "km": ("របាយការណ៍", "ទាញយកកញ្ចប់បញ្ជូនបន្ត", "បានរៀបចំ និងចុះហត្ថលេខាលើកញ្ចប់"),
        "vi": ("Báo cáo", "Tải gói chuyển tiếp", "đã tạo và ký gói"),
        "en": ("Reports", "Download the referral package", "package built and signed"),
    }
    for lang, words in expected.items():
        page = alice.get(f"/reports/{report_id}?lang={lang}").text
        assert f'<html lang="{lang}">' in page
        for word in words:
            assert word in page, (lang, word)
        assert words[0] in alice.get(f"/cases/{case_id}/reports?lang={lang}").text
