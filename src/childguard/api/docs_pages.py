"""``/docs`` (Swagger UI) and ``/redoc`` served with scripts, styles and icon from the package.

FastAPI's default pages load them from a CDN, which an offline hotline or ministry network cannot
reach. ``make install`` copies the npm packages' files (``package-lock.json``) into
``api/static/docs`` (``scripts/vendor-web-assets.sh``); redoc's web fonts are not loaded (the
browser's own fonts serve).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "docs"
PREFIX = "/static/docs"


def install_docs_pages(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and the static files they load to ``app``.

    The app must be built with ``docs_url=None, redoc_url=None``. Without the copied assets
    (a checkout where ``make install`` did not run) the pages still load nothing from outside.
    """
    app.mount(PREFIX, StaticFiles(directory=ASSETS, check_dir=False), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            redoc_js_url=f"{PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{PREFIX}/favicon-32x32.png",
            with_google_fonts=False,
        )
