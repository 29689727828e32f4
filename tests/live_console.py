"""A real console server on a free local port, with the demo world, for browser tests and
``make screenshots``; and the Debian Chromium that Playwright drives (never a downloaded one)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from childguard.api.app import create_app
from childguard.config import Settings
from tests.web_world import WebWorld, build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@dataclass
class LiveConsole:
    """A served console: its base URL and demo world."""

    url: str
    world: WebWorld


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_console(data_dir: Path, **overrides: object) -> Iterator[LiveConsole]:
    """Serve the console on 127.0.0.1 with a demo world in ``data_dir`` until the block ends."""
    settings = Settings(data_dir=data_dir, outbox_worker=False, **overrides)  # type: ignore[arg-type]
    app = create_app(settings, start_poller=False)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.05)
    try:
        world = build(app.state.cg.db, settings)
        yield LiveConsole(f"http://127.0.0.1:{port}", world)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def click_and_load(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Click ``selector`` on a Playwright page and wait until the page it navigates to has loaded.

    ``page.click`` returns once a navigation has started; a form POST answered 303 is still
    redirecting then, and ``page.content()`` may read an empty document.
    """
    with page.expect_navigation():
        page.click(selector)
