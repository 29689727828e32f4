"""The regulator's dashboard and the public awareness pages in a real browser (system Chromium)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from childguard.api.app import create_app
from childguard.auth import create_key, ensure_org
from childguard.config import Settings
from childguard.store.db import Database
from tests.integration.api.regulator_seed import seed_cases
from tests.live_console import click_and_load

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs the system Chromium")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, str]]:
    """A live server on a free port, with seeded cases and a regulator key."""
    db = Database.open(settings)
    seed_cases(db, "acme", n=150)
    with db.session(write=True) as s:
        key = create_key(s, ensure_org(s, "ministry"), "regulator").secret
    db.dispose()
    port = _port()
    config = uvicorn.Config(create_app(settings, start_poller=False), port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", key
    srv.should_exit = True
    thread.join(10)


def test_pages_in_chromium(server: tuple[str, str]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    base, key = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"{base}/safety?lang=km")
        assert "1280" in page.inner_text("main")
        assert page.locator("h1").inner_text().strip() != ""
        click_and_load(page, "text=Tiếng Việt")
        assert "Đường dây nóng cảnh sát: 1288" in page.inner_text("main")
        context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {key}"})
        dash = context.new_page()
        dash.goto(f"{base}/regulator?lang=en&level=quarter")
        assert dash.locator("svg[role=img]").count() == 1
        dash.select_option("select[name=dimension]", "cases_by_label")
        click_and_load(dash, "button[type=submit]")
        assert "dimension=cases_by_label" in dash.url
        assert "cases_by_label" in dash.inner_text("table caption")
        anonymous = browser.new_page()
        response = anonymous.goto(f"{base}/regulator")
        assert response is not None and response.status == 401
        browser.close()
