"""Sample calls of the evidence routes for the route x role matrix.

``seed_evidence`` keeps items 1 and 2 (benign synthetic PNGs) in the callers' organisation.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import httpx2
from PIL import Image

from childguard import evidence
from childguard.api.permissions import Permission
from childguard.audit import Actor
from childguard.auth import ensure_org

Call = Callable[[Any, dict[str, str]], httpx2.Response]


def benign_png(shade: int) -> bytes:
    """A small flat-colour PNG."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (shade, 120, 180)).save(out, format="PNG")
    return out.getvalue()


def seed_evidence(api: Any, org: str = "admin") -> list[int]:
    """Opt ``org`` in and keep two items in it; returns their ids."""
    actor = Actor(None, None, "seed")
    with api.db.session(write=True) as s:
        org_id = ensure_org(s, org).id
        evidence.set_enabled(s, api.settings, org_id, True, actor=actor)
        for case_id, shade in ((1, 40), (2, 200)):
            data = benign_png(shade)
            assert evidence.keep_media(
                s,
                api.settings,
                org_id,
                data,
                sha256=hashlib.sha256(data).hexdigest(),
                case_id=case_id,
                filename=f"item{case_id}.png",
                mime="image/png",
                actor=actor,
            )
        return [i.id for i in evidence.list_items(s, org_id)]


EVIDENCE_ROUTES: dict[tuple[str, str], tuple[Permission | None, Call]] = {
    ("GET", "/v1/evidence/settings"): (
        Permission.EVIDENCE_READ,
        lambda a, h: a.client.get("/v1/evidence/settings", headers=h),
    ),
    ("PUT", "/v1/evidence/settings"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.put("/v1/evidence/settings", headers=h, json={"enabled": True}),
    ),
    ("POST", "/v1/evidence/keys/rotate"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.post("/v1/evidence/keys/rotate", headers=h, json={}),
    ),
    ("POST", "/v1/evidence/purge"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.post("/v1/evidence/purge", headers=h),
    ),
    ("GET", "/v1/evidence"): (
        Permission.EVIDENCE_READ,
        lambda a, h: a.client.get("/v1/evidence", headers=h),
    ),
    ("GET", "/v1/evidence/{item_id}"): (
        Permission.EVIDENCE_READ,
        lambda a, h: a.client.get("/v1/evidence/1", headers=h),
    ),
    ("GET", "/v1/evidence/{item_id}/content"): (
        Permission.EVIDENCE_READ,
        lambda a, h: a.client.get("/v1/evidence/1/content", headers=h),
    ),
    ("POST", "/v1/evidence/{item_id}/hold"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.post("/v1/evidence/1/hold", headers=h, json={"reason": "court"}),
    ),
    ("DELETE", "/v1/evidence/{item_id}/hold"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.delete("/v1/evidence/1/hold", headers=h),
    ),
    ("DELETE", "/v1/evidence/{item_id}"): (
        Permission.EVIDENCE_MANAGE,
        lambda a, h: a.client.delete("/v1/evidence/2", headers=h, params={"reason": "test"}),
    ),
}
