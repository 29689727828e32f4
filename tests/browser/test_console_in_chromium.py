"""The console in a real browser (Playwright on the Debian Chromium, never a downloaded one).

One server and demo world for the module; tests run in file order and each uses its own case
or person where state matters. axe-core comes from npm (``make install`` runs ``npm ci``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from childguard.people import users, wellness
from childguard.store.models import AuditRecord, CaseDecision
from tests.conftest import REPO_ROOT
from tests.live_console import (
    CHROMIUM_ARGS,
    LiveConsole,
    chromium_path,
    click_and_load,
    live_console,
)
from tests.web_world import PASSWORD, SEED

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
        # one client address signs in many times here: the per-address throttle is lifted
        with live_console(
            tmp_path_factory.mktemp("console"), web_login_attempts_per_minute=10_000
        ) as live:
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
    """``page_of(who, width=1280)``: a new page signed in as ``who`` (None: signed out)."""
    contexts = []

    def make(who: str | None, width: int = 1280, height: int = 800):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.outside = []  # requests that left the origin
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((console.url, "data:")) else page.outside.append(r.url)
            ),
        )
        if who is not None:
            sign_in(page, console, console.world.emails[who])
        return page

    yield make
    for c in contexts:
        c.close()


def sign_in(page, console: LiveConsole, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{console.url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    click_and_load(page, "button[type=submit]")


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    return [
        f"{v['id']}: {v['help']}"
        for v in json.loads(result)["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_and_lockout(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("alice")
    assert page.url.endswith("/queue")
    assert page.locator("h1").inner_text() == "Queue"
    bob = page_of(None)
    for _ in range(5):
        sign_in(bob, console, console.world.emails["bob"], "wrong password 12345")
    assert "locked" in bob.locator("[role=alert]").inner_text()
    sign_in(bob, console, console.world.emails["bob"])
    assert "/login" in bob.url


def test_queue_and_next_case(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("admin")
    assert page.locator("table").first.is_visible()
    click_and_load(page, "button[data-action=next-case]")
    assert "/cases/" in page.url
    assert "You hold this case" in page.content()
    click_and_load(page, "text=Give back to the queue")
    assert "Claim this case" in page.content()
    assert page.outside == []


def _pixels_are_grey(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate(
        """() => { const img = document.querySelector('figure.viewer img');
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4 * 97) {
          if (d[i] !== d[i+1] || d[i+1] !== d[i+2]) return false; }
        return true; }"""
    ))  # fmt: skip


def test_reveal_blurred_and_grey_before_audited_after(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("alice")
    page.goto(f"{console.url}/cases/{console.world.media_case}")
    img = page.locator("figure.viewer img").first
    img.evaluate("i => i.complete || new Promise(r => i.onload = r)")
    style = img.evaluate("i => getComputedStyle(i).filter")
    assert "grayscale" in style and "blur" in style
    assert _pixels_are_grey(page)
    page.click("button[data-action=reveal]")
    page.wait_for_selector("figure.viewer .steps:not([hidden])")
    page.click("button[data-action=colour]")
    for _ in range(3):
        page.click("button[data-action=less-blur]")
    page.wait_for_function(
        "() => { const i = document.querySelector('figure.viewer img'); "
        "return i.complete && i.src.includes('level=0') && i.src.includes('grey=0'); }"
    )
    assert not _pixels_are_grey(page)
    with console.world.db.session() as s:
        rec = s.scalar(select(AuditRecord).where(AuditRecord.action == "console.reveal"))
    assert rec is not None and console.world.emails["alice"] in rec.actor


def test_decide_with_four_eyes_then_appeal(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    case = console.world.chat_case
    alice = page_of("alice")
    alice.goto(f"{console.url}/cases/{case}")
    click_and_load(alice, "button[data-action=claim]")
    alice.check("input[name=policy][value=GROOMING]")
    alice.check("input[name=actions][value=report]")
    alice.fill("#note", "clear intent to isolate the child")
    click_and_load(alice, "button[data-action=decide]")
    assert "Waiting for a second reviewer" in alice.content()
    bob = page_of("admin")  # bob is locked out by the first test; the admin confirms
    bob.goto(f"{console.url}/cases/{case}")
    click_and_load(bob, "button[data-action=confirm]")
    with console.world.db.session() as s:
        statuses = list(s.scalars(select(CaseDecision.status).where(CaseDecision.case_id == case)))
    assert statuses == ["effective"]
    bob.fill("#reason", "the user says it was a joke")
    click_and_load(bob, "button[data-action=appeal]")
    assert "the user says it was a joke" in bob.content()
    assert bob.locator("button[data-action=decide-appeal]").count() == 1


def test_a_form_without_its_csrf_token_is_refused(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("alice")
    page.goto(f"{console.url}/account")
    page.evaluate("() => document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    click_and_load(page, "form[action='/account'] button[type=submit]")
    assert "did not come from the console" in page.content()


def test_language_switch_to_khmer_uses_the_served_font(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page = page_of("alice")
    click_and_load(page, "a[hreflang=km]")
    assert page.locator("html").get_attribute("lang") == "km"
    assert "ជួរ" in page.locator("h1").inner_text()
    loaded = page.evaluate(
        """async () => { await document.fonts.load('16px "Console Khmer"', 'ជួរ');
        await document.fonts.ready;
        const faces = [...document.fonts].filter(f => f.family.includes('Console Khmer'));
        return faces.some(f => f.status === 'loaded')
          && document.fonts.check('16px "Console Khmer"', 'ជួរ'); }"""
    )  # fmt: skip
    assert loaded
    assert page.outside == []


@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violation_on_any_page(
    page_of, console: LiveConsole, width: int
) -> None:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    page = page_of("admin", width=width, height=844 if width < 500 else 800)
    urls = ["/queue", f"/cases/{console.world.media_case}", f"/cases/{console.world.chat_case}",
            "/wellness", "/account", "/admin", "/admin/banks", "/admin/banks/KNOWN",
            "/admin/users", "/admin/queues", "/admin/webhooks", "/admin/audit",
            "/queue?lang=km"]  # fmt: skip
    found = {}
    for url in urls:
        page.goto(f"{console.url}{url}")
        problems = serious_violations(page)
        if problems:
            found[url] = problems
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth > window.innerWidth + 1"
        )
        assert not overflow, f"{url} is wider than a {width} px screen"
    login = page_of(None, width=width)
    login.goto(f"{console.url}/login")
    assert serious_violations(login) == []
    assert found == {}


def test_the_hard_limit_stops_reveals_in_the_browser(page_of, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    with console.world.db.session(write=True) as s:
        wellness.update_org(
            s,
            console.world.org_id,
            SEED,
            wellness.Rendering(3, True, True),
            wellness.Limits(1, 1, 60, 120),
        )
    page = page_of("alice")
    page.goto(f"{console.url}/cases/{console.world.media_case}")
    if page.locator("button[data-action=reveal]").count():
        # This test ran without the reveal test before it: reveal once, reaching the limit.
        page.click("button[data-action=reveal]")
        page.wait_for_selector("figure.viewer .steps:not([hidden])")
        page.goto(f"{console.url}/cases/{console.world.media_case}")
    assert "You reached today" in page.content()
    assert page.locator("button[data-action=reveal]").count() == 0
