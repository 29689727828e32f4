"""The evidence routes: opt-in, audited reads, isolation between organisations, holds, deletion."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from childguard.api.app import create_app
from childguard.config import Settings
from childguard.store.models import EvidenceItem, utcnow
from tests.conftest import PDQ_DATA
from tests.integration.api.conftest import Api
from tests.integration.api.evidence_calls import benign_png, seed_evidence


def test_admin_opts_in_and_reviewer_sees_the_setting(api: Api) -> None:
    admin, reviewer = api.key("acme", "admin"), api.key("acme", "reviewer")
    got = api.client.get("/v1/evidence/settings", headers=reviewer).json()
    assert got["enabled"] is False and got["org_enabled"] is None
    assert got["retention_days"] == 90 and got["reported_retention_days"] == 365
    r = api.client.put("/v1/evidence/settings", headers=admin, json={"enabled": True})
    assert r.status_code == 200 and r.json()["enabled"] is True
    r = api.client.put("/v1/evidence/settings", headers=reviewer, json={"enabled": False})
    assert r.status_code == 403
    r = api.client.put("/v1/evidence/settings", headers=admin, json={"enabled": "maybe"})
    assert r.status_code == 400


def test_reviewer_reads_content_and_the_read_is_audited(api: Api) -> None:
    admin, reviewer = api.key("acme", "admin"), api.key("acme", "reviewer")
    first, _ = seed_evidence(api, "acme")
    listed = api.client.get("/v1/evidence", headers=reviewer).json()
    assert [i["case_id"] for i in listed] == [1, 2] and listed[0]["filename"] == "item1.png"
    r = api.client.get(
        f"/v1/evidence/{first}/content", headers=reviewer, params={"purpose": "triage"}
    )
    assert r.status_code == 200 and r.content == benign_png(40)
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    records = api.client.get("/v1/audit", headers=admin, params={"limit": 1000}).json()
    reads = [x for x in records if x["action"] == "evidence.read"]
    assert len(reads) == 1
    assert reads[0]["target"] == f"evidence:{first}"
    assert reads[0]["details"]["purpose"] == "triage"
    assert reads[0]["actor"] == "acme:reviewer"
    # Metadata reads are not content reads: no further record.
    api.client.get(f"/v1/evidence/{first}", headers=reviewer)
    records = api.client.get("/v1/audit", headers=admin, params={"limit": 1000}).json()
    assert len([x for x in records if x["action"] == "evidence.read"]) == 1


def test_other_organisations_see_nothing(api: Api) -> None:
    first, second = seed_evidence(api, "acme")
    for role in ("reviewer", "admin"):
        other = api.key("rival", role)
        assert api.client.get("/v1/evidence", headers=other).json() == []
        for call in (
            lambda h: api.client.get(f"/v1/evidence/{first}", headers=h),
            lambda h: api.client.get(f"/v1/evidence/{first}/content", headers=h),
        ):
            r = call(other)
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    rival_admin = api.key("rival", "admin")
    assert (
        api.client.post(
            f"/v1/evidence/{first}/hold", headers=rival_admin, json={"reason": "x"}
        ).status_code
        == 404
    )
    r = api.client.delete(f"/v1/evidence/{second}", headers=rival_admin, params={"reason": "x"})
    assert r.status_code == 404
    assert api.client.post("/v1/evidence/purge", headers=rival_admin).json()["purged"] == 0
    acme = api.key("acme", "reviewer")
    assert len(api.client.get("/v1/evidence", headers=acme).json()) == 2
    regulator = api.key("acme", "regulator")
    assert api.client.get("/v1/evidence", headers=regulator).status_code == 403


def test_hold_release_and_delete(api: Api) -> None:
    admin = api.key("acme", "admin")
    first, _ = seed_evidence(api, "acme")
    r = api.client.post(f"/v1/evidence/{first}/hold", headers=admin, json={"reason": ""})
    assert r.status_code == 400
    r = api.client.post(f"/v1/evidence/{first}/hold", headers=admin, json={"reason": "court"})
    assert r.status_code == 200 and r.json()["legal_hold"] is True
    assert r.json()["held_by"] == "acme:admin"
    r = api.client.delete(f"/v1/evidence/{first}", headers=admin, params={"reason": "x"})
    assert r.status_code == 409 and "legal hold" in r.json()["error"]["message"]
    assert api.client.delete(f"/v1/evidence/{first}/hold", headers=admin).status_code == 200
    assert api.client.delete(f"/v1/evidence/{first}/hold", headers=admin).status_code == 409
    assert api.client.delete(f"/v1/evidence/{first}", headers=admin).status_code == 400
    r = api.client.delete(f"/v1/evidence/{first}", headers=admin, params={"reason": "dup"})
    assert r.status_code == 200
    body = r.json()
    assert body["deleted_by"] == "acme:admin" and body["delete_reason"] == "dup"
    assert body["deleted_at"] is not None
    assert not list(api.settings.resolved_evidence_dir.rglob(f"{first}.cge"))
    assert api.client.get(f"/v1/evidence/{first}/content", headers=admin).status_code == 404
    tombstones = api.client.get(
        "/v1/evidence", headers=admin, params={"include_deleted": True}
    ).json()
    assert [t["id"] for t in tombstones if t["deleted_at"]] == [first]


def test_tampered_item_is_a_clear_error(api: Api) -> None:
    admin = api.key("acme", "admin")
    first, _ = seed_evidence(api, "acme")
    (path,) = api.settings.resolved_evidence_dir.rglob(f"{first}.cge")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    r = api.client.get(f"/v1/evidence/{first}/content", headers=admin)
    assert r.json()["error"]["code"] == "evidence_damaged"
    assert str(first) in r.json()["error"]["message"]


def test_rotate_with_reencrypt(api: Api) -> None:
    admin = api.key("acme", "admin")
    _, second = seed_evidence(api, "acme")
    r = api.client.post("/v1/evidence/keys/rotate", headers=admin, json={"reencrypt": True})
    assert r.status_code == 200 and r.json()["reencrypted"] == 2
    key_id = r.json()["key_id"]
    items = api.client.get("/v1/evidence", headers=admin).json()
    assert {i["key_id"] for i in items} == {key_id}
    r = api.client.get(f"/v1/evidence/{second}/content", headers=admin)
    assert r.content == benign_png(200)
    r = api.client.post("/v1/evidence/keys/rotate", headers=admin, json={"reencrypt": "x"})
    assert r.status_code == 400


def test_scanning_keeps_no_media_on_disk(make_api: Callable[..., Api]) -> None:
    # Every upload spills to a temporary file; it must be gone once the scan answered.
    api = make_api(upload_memory_bytes=0)
    image = PDQ_DATA / "images" / "bridge-1-original.jpg"
    image_bytes = image.read_bytes() if image.exists() else benign_png(10)
    headers = api.key("acme", "platform")
    r = api.client.post(
        "/v1/scan", headers=headers, files={"file": ("a.jpg", image_bytes, "image/jpeg")}
    )
    assert r.status_code == 200, r.text
    tmp = api.settings.data_dir / "tmp"
    assert not tmp.exists() or [p for p in tmp.rglob("*") if p.is_file()] == []
    assert not api.settings.resolved_evidence_dir.exists()


def test_the_server_purges_on_its_schedule(settings: Settings) -> None:
    fast = settings.model_copy(update={"evidence_purge_interval_seconds": 0.1})
    app = create_app(fast, start_poller=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, fast, app.state.cg.db, app)
        first, second = seed_evidence(api, "acme")
        with api.db.session(write=True) as s:
            item = s.get(EvidenceItem, first)
            assert item is not None
            item.expires_at = utcnow() - timedelta(minutes=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with api.db.session() as s:
                if s.get(EvidenceItem, first).deleted_at is not None:  # type: ignore[union-attr]
                    break
            time.sleep(0.1)
        with api.db.session() as s:
            assert s.get(EvidenceItem, first).deleted_at is not None  # type: ignore[union-attr]
            assert s.get(EvidenceItem, second).deleted_at is None  # type: ignore[union-attr]
