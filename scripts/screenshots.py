"""``make screenshots``: PNGs of the console's main pages in km, vi and en into docs/screenshots/.

Made from the demo world of tests/web_world.py (coloured shapes, a non-graphic chat), served
locally and photographed with the Debian Chromium through Playwright. Each PNG is reduced to a
small palette so the committed files stay small.
Run: ``PYTHONPATH=src:. python scripts/screenshots.py``.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.live_console import CHROMIUM_ARGS, chromium_path, live_console
from tests.web_world import PASSWORD

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
LANGUAGES = ("en", "km", "vi")


def _small_png(raw: bytes) -> bytes:
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=96).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    """Write the screenshots; 1 when Chromium is missing."""
    chromium = chromium_path()
    if chromium is None:
        print("Chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_console(Path(tmp), web_login_attempts_per_minute=10_000) as live,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        pages = {
            "queue": "/queue",
            "case-media": f"/cases/{live.world.media_case}",
            "case-chat": f"/cases/{live.world.chat_case}",
            "wellness": "/wellness",
            "admin": "/admin",
            "audit": "/admin/audit?verify=1",
        }
        for lang in LANGUAGES:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{live.url}/login?lang={lang}")
            page.screenshot(path=str(OUT / f"login-{lang}.png"))
            page.fill("#email", live.world.emails["admin"])
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            for name, url in pages.items():
                page.goto(f"{live.url}{url}")
                page.evaluate("document.fonts.ready")
                page.wait_for_load_state("networkidle")
                (OUT / f"{name}-{lang}.png").write_bytes(_small_png(page.screenshot()))
            phone = browser.new_context(viewport={"width": 390, "height": 844})
            mobile = phone.new_page()
            mobile.context.add_cookies(context.cookies())
            mobile.goto(f"{live.url}/cases/{live.world.media_case}")
            mobile.wait_for_load_state("networkidle")
            (OUT / f"phone-case-{lang}.png").write_bytes(_small_png(mobile.screenshot()))
            phone.close()
            context.close()
        browser.close()
    for path in sorted(OUT.glob("login-*.png")):
        path.write_bytes(_small_png(path.read_bytes()))
    total = sum(p.stat().st_size for p in OUT.glob("*.png"))
    print(f"wrote {len(list(OUT.glob('*.png')))} screenshots to {OUT} ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
