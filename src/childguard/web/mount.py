"""Adds the console to the API's app: pages, static files, the Khmer font, HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from childguard.config import Settings
from childguard.errors import NotFound
from childguard.web.context import build_parts
from childguard.web.errors import install_console_errors
from childguard.web.routes import (
    admin_pages,
    assessment_pages,
    report_pages,
    review_pages,
    session_pages,
    statistics_pages,
    wellness_pages,
)

STATIC = Path(__file__).parent / "static"
#: Free Khmer fonts from Debian packages (fonts-noto-core, fonts-khmeros), first found is served.
KHMER_FONTS = (
    Path("/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf"),
    Path("/usr/share/fonts/truetype/khmeros/KhmerOS.ttf"),
)
#: Every router of console pages (the regulator's walk in the tests goes through all of them).
CONSOLE_ROUTERS = (
    session_pages.router,
    review_pages.router,
    wellness_pages.router,
    statistics_pages.router,
    assessment_pages.router,
    admin_pages.router,
    report_pages.router,
)


def khmer_font() -> Path | None:
    """The Khmer font file the console serves, or None when no package provides one."""
    return next((p for p in KHMER_FONTS if p.is_file()), None)


def mount_console(app: FastAPI, settings: Settings) -> None:
    """Add the console's routes and parts to ``app``."""
    app.state.console = build_parts(settings.web_login_attempts_per_minute)
    for router in CONSOLE_ROUTERS:
        app.include_router(router)

    @app.get("/console/fonts/khmer.ttf", include_in_schema=False)
    def _khmer_font() -> Response:
        font = khmer_font()
        if font is None:
            raise NotFound("no Khmer font installed (apt-get install fonts-khmeros)")
        return FileResponse(
            font, media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    install_console_errors(app)
