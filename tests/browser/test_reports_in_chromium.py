"""Reports in a real browser: a reviewer files a decided case as a Cambodian referral, the
server's report worker builds the package, and the downloaded zip verifies; a second filing is
refused with its reason. Playwright on the Debian Chromium; axe-core finds no serious or critical
violation on the report pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from childguard.audit import Actor
from childguard.cases import decisions, workflow
from childguard.people import users
from childguard.reports.referral import verify_package
from childguard.reports.worker import make_sinks, run_due
from tests.conftest import REPO_ROOT
from tests.live_console import (
    CHROMIUM_ARGS,
    LiveConsole,
    chromium_path,
    click_and_load,
    live_console,
)
from tests.web_world import PASSWORD

pytestmark = pytest.mark.slow

CHROMIUM = chromium_path()
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"

if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (make install runs apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    """The served console (cheap argon2id parameters, as in the other console tests)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        mp.delenv("CHILDGUARD_DATABASE_URL", raising=False)
        with live_console(
            tmp_path_factory.mktemp("reports-console"),
            web_login_attempts_per_minute=10_000,
        ) as live:
            yield live


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page."""
    import json

    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    return [
        f"{v['id']}: {v['help']}"
        for v in json.loads(result)["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_reviewer_files_a_referral_and_the_downloaded_package_verifies(
    console: LiveConsole, tmp_path: Path
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    world = console.world
    case_id = world.media_case
    alice = Actor(world.org_id, None, "user:alice")
    with world.db.session(write=True) as s:
        workflow.claim(s, world.org_id, case_id, alice)
        decisions.decide(s, world.org_id, case_id, alice, "A1", [])

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, bypass_csp=True)
        page = context.new_page()
        outside: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith((console.url, "data:")) else outside.append(r.url),
        )
        page.goto(f"{console.url}/login")
        page.fill("#email", world.emails["alice"])
        page.fill("#password", PASSWORD)
        click_and_load(page, "button[type=submit]")

        page.goto(f"{console.url}/cases/{case_id}")
        click_and_load(page, "a[data-action=case-reports]")
        assert page.url.endswith(f"/cases/{case_id}/reports")
        assert _violations(page) == []
        page.check("input[name=sink][value=kh_referral]")
        click_and_load(page, "button[data-action=file-report]")
        assert "is queued" in page.locator("[role=status]").first.inner_text()
        assert _violations(page) == []

        click_and_load(page, "table.reports tbody a[href^='/reports/']")
        assert "being built" in page.content()
        # What the server's report worker does in the background (not started in tests).
        assert run_due(world.db, world.settings, make_sinks(world.settings)).finished == 1
        page.reload()
        download_link = page.locator("a[data-action=download-package]")
        assert download_link.count() == 1, "the package was not built"
        assert "package built and signed" in page.content()
        assert _violations(page) == []
        with page.expect_download() as caught:
            download_link.click()
        saved = tmp_path / caught.value.suggested_filename
        caught.value.save_as(saved)
        assert saved.name.startswith("referral-") and saved.suffix == ".zip"
        checked = verify_package(saved.read_bytes())
        assert checked.ok, checked.problems

        page.goto(f"{console.url}/cases/{case_id}/reports")
        page.check("input[name=sink][value=kh_referral]")
        click_and_load(page, "button[data-action=file-report]")
        alert = page.locator("#report-refused")
        assert "The report was not filed." in alert.inner_text()
        assert "already has report" in alert.inner_text()
        assert _violations(page) == []
        assert outside == []
        context.close()
        browser.close()
