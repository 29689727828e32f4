"""Sample calls of the HMA-compatible routes for the route x role matrix.

The matrix seeds bank ``SEED`` (entries 1 and 2) in the callers' organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

from childguard.api.permissions import Permission
from tests.conftest import PDQ_DATA

Call = Callable[[Any, dict[str, str]], httpx2.Response]
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
IMAGE = PDQ_DATA / "images" / "bridge-1-original.jpg"


def _photo() -> dict[str, tuple[str, bytes, str]]:
    return {"photo": (IMAGE.name, IMAGE.read_bytes(), "image/jpeg")}


HMA_ROUTES: dict[tuple[str, str], tuple[Permission | None, Call]] = {
    ("GET", "/status"): (Permission.LOOKUP, lambda a, h: a.client.get("/status", headers=h)),
    ("POST", "/h/hash"): (
        Permission.SCAN,
        lambda a, h: a.client.post("/h/hash", headers=h, files=_photo()),
    ),
    ("GET", "/h/hash"): (
        Permission.SCAN,
        lambda a, h: a.client.get("/h/hash", headers=h, params={"url": "http://x/"}),
    ),
    ("GET", "/m/lookup"): (
        Permission.LOOKUP,
        lambda a, h: a.client.get(
            "/m/lookup", headers=h, params={"signal_type": "pdq", "signal": PDQ}
        ),
    ),
    ("POST", "/m/lookup"): (
        Permission.SCAN,
        lambda a, h: a.client.post("/m/lookup", headers=h, files=_photo()),
    ),
    ("GET", "/m/raw_lookup"): (
        Permission.LOOKUP,
        lambda a, h: a.client.get(
            "/m/raw_lookup", headers=h, params={"signal_type": "pdq", "signal": PDQ}
        ),
    ),
    ("POST", "/m/compare"): (
        Permission.LOOKUP,
        lambda a, h: a.client.post("/m/compare", headers=h, json={"pdq": [PDQ, PDQ]}),
    ),
    ("GET", "/m/index/status"): (
        Permission.LOOKUP,
        lambda a, h: a.client.get("/m/index/status", headers=h),
    ),
    ("GET", "/c/banks"): (Permission.BANKS_READ, lambda a, h: a.client.get("/c/banks", headers=h)),
    ("POST", "/c/banks"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/c/banks", headers=h, json={"name": "HMA_NEW"}),
    ),
    ("GET", "/c/bank/{bank_name}"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/c/bank/SEED", headers=h),
    ),
    ("PUT", "/c/bank/{bank_name}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.put("/c/bank/SEED", headers=h, json={"enabled": True}),
    ),
    ("DELETE", "/c/bank/{bank_name}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.delete("/c/bank/NOT_THERE", headers=h),
    ),
    ("POST", "/c/bank/{bank_name}/signal"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/c/bank/SEED/signal", headers=h, json={"md5": "c" * 32}),
    ),
    ("POST", "/c/bank/{bank_name}/content"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/c/bank/SEED/content", headers=h, files=_photo()),
    ),
    ("GET", "/c/bank/{bank_name}/content/{content_id}"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/c/bank/SEED/content/1", headers=h),
    ),
    ("PUT", "/c/bank/{bank_name}/content/{content_id}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.put("/c/bank/SEED/content/1", headers=h, json={"note": "x"}),
    ),
    ("DELETE", "/c/bank/{bank_name}/content/{content_id}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.delete("/c/bank/SEED/content/99", headers=h),
    ),
    ("GET", "/c/signal_type"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/c/signal_type", headers=h),
    ),
    ("GET", "/c/content_type"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/c/content_type", headers=h),
    ),
}
