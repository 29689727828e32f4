"""The regulator's dashboard and the admin's self-assessment in a real browser, signed in
through the console (Playwright on the Debian Chromium; axe-core from npm)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from childguard.people import users
from tests.browser.test_console_in_chromium import AXE, serious_violations, sign_in
from tests.integration.api.regulator_seed import SECRETS, seed_cases
from tests.live_console import (
    CHROMIUM_ARGS,
    LiveConsole,
    chromium_path,
    click_and_load,
    live_console,
)

pytestmark = pytest.mark.slow

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (make install runs apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    """The served console with a year of seeded cases (cheap argon2id, no sign-in throttle)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        mp.delenv("CHILDGUARD_DATABASE_URL", raising=False)
        # acme is the deployment's admin organisation here: its admin sees the statistics too
        with live_console(
            tmp_path_factory.mktemp("statistics"),
            web_login_attempts_per_minute=10_000,
            admin_org="acme",
        ) as live:
            seed_cases(live.world.db, "acme", n=150)
            yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium, headless."""
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_of(browser, console: LiveConsole):  # type: ignore[no-untyped-def]
    """``page_of(who, width=1280)``: a new page signed in as ``who``."""
    contexts = []

    def make(who: str, width: int = 1280, height: int = 800):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            viewport={"width": width, "height": height}, bypass_csp=True, accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.outside = []  # requests that left the origin
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((console.url, "data:")) else page.outside.append(r.url)
            ),
        )
        sign_in(page, console, console.world.emails[who])
        return page

    yield make
    for c in contexts:
        c.close()


def test_regulator_signs_in_filters_and_switches_language(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("ministry")
    assert page.url.endswith("/statistics")
    assert page.locator("figure.chart svg[role=img]").count() == 1
    nav = page.locator("header nav a").all_inner_texts()
    assert nav == ["Statistics", "Account"]
    page.select_option("#f-dimension", "cases_by_label")
    page.select_option("#f-level", "quarter")
    click_and_load(page, "button[data-action=filter]")
    assert "dimension=cases_by_label" in page.url and "level=quarter" in page.url
    assert page.locator("table.stats caption").first.inner_text() == "cases_by_label"
    assert page.locator("th[scope=row]", has_text="2025-Q1").count() == 1
    click_and_load(page, "a[hreflang=km]")
    assert page.locator("html").get_attribute("lang") == "km"
    assert "ស្ថិតិការពារកុមារតាមអនឡាញ" in page.locator("h1").inner_text()
    assert "dimension=cases_by_label" in page.url  # the switch keeps the filters
    click_and_load(page, "a[hreflang=vi]")
    click_and_load(page, "ul.tabs a >> nth=1")  # national figures
    assert "scope=national" in page.url and page.locator("html").get_attribute("lang") == "vi"
    assert "Đơn vị đã nộp" in page.inner_text("main")
    assert page.outside == []


def test_the_csv_export_downloads_the_protected_table(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("ministry")
    with page.expect_download() as download:
        page.click("a[data-export=csv]")
    path = Path(download.value.path())
    assert download.value.suggested_filename == "local-cases_by_source.csv"
    lines = path.read_text("utf-8").splitlines()
    assert lines[0] == "period,level,match,classifier,user_report,total"
    assert "2025,year,50,50,50,150" in lines


def test_the_regulator_sees_nothing_else_of_the_console(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("ministry")
    for url in ("/queue", f"/cases/{console.world.media_case}", "/wellness", "/admin",
                "/admin/banks/KNOWN", "/admin/assessment", "/admin/audit"):  # fmt: skip
        response = page.goto(f"{console.url}{url}")
        assert response is not None and response.status == 403, url
        text = page.content()
        assert "may not do this" in text
        for secret in (*SECRETS, "shape-0.png", "adult-7"):
            assert secret not in text, url


def test_the_admin_answers_the_self_assessment(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("admin")
    page.goto(f"{console.url}/admin")
    click_and_load(page, "a[href='/admin/assessment']")
    assert "No assessment yet." in page.inner_text("#result")
    page.select_option("#company_type", "ugc")
    page.select_option("#score-A1", "1")
    page.fill("#note-A1", "board member named next year")
    click_and_load(page, "button[data-action=assess]")
    assert "Saved." in page.inner_text("main")
    first = page.locator("[data-overall]").inner_text()
    assert page.locator("#gaps tbody tr").count() > 0
    page.select_option("#score-A1", "3")
    page.select_option("#score-A2", "3")
    click_and_load(page, "button[data-action=assess]")
    assert page.locator("[data-progress]").inner_text().startswith("+")
    assert page.locator("[data-overall]").inner_text() != first
    click_and_load(page, "a[hreflang=km]")
    assert "ការវាយតម្លៃខ្លួនឯង" in page.locator("h1").inner_text()
    assert page.outside == []


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violation_on_the_statistics_pages(  # type: ignore[no-untyped-def]
    page_of, console: LiveConsole, width: int
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    height = 844 if width < 500 else 800
    pages = {
        "ministry": ["/statistics", "/statistics?lang=km&level=year",
                     "/statistics?scope=national&lang=vi", "/account"],
        "admin": ["/statistics", "/admin", "/admin/assessment", "/admin/assessment?lang=km"],
    }  # fmt: skip
    found = {}
    for who, urls in pages.items():
        page = page_of(who, width=width, height=height)
        for url in urls:
            page.goto(f"{console.url}{url}")
            problems = serious_violations(page)
            if problems:
                found[f"{who} {url}"] = problems
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth > window.innerWidth + 1"
            )
            assert not overflow, f"{url} is wider than a {width} px screen"
    assert found == {}
