"""API behaviour: isolation between organisations, scanning, bad input, audit, metrics, logs."""

from __future__ import annotations

import io
import logging
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import text

from tests.conftest import PDQ_DATA, turned_jpeg
from tests.integration.api.conftest import Api

IMAGES = PDQ_DATA / "images"
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def jpeg_bytes(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(small).resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(data: bytes, name: str = "x.jpg") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "application/octet-stream")}


def err(response: object) -> tuple[int, str]:
    r = response  # httpx2.Response
    body = r.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    return r.status_code, body["error"]["code"]  # type: ignore[attr-defined]


def test_scan_matches_rotations_and_reports_provenance(api: Api) -> None:
    h = api.key("acme", "platform")
    api.client.post("/v1/banks", headers=h, json={"name": "KNOWN"})
    r = api.client.post(
        "/v1/banks/KNOWN/entries/upload",
        headers=h,
        files=upload((IMAGES / "bridge-1-original.jpg").read_bytes()),
        data={"source": "NCMEC", "external_id": "n-1", "classification": "A1"},
    )
    assert r.status_code == 201 and r.json()["by_signal"] == {"pdq": 1, "md5": 1, "sha256": 1}
    for op in ("ROTATE_180", "TRANSPOSE"):
        data = turned_jpeg(IMAGES / "bridge-1-original.jpg", op)
        body = api.client.post("/v1/scan", headers=h, files=upload(data, f"{op}.jpg")).json()
        assert body["blocked"] is True, op
        (m,) = body["matches"]
        assert m["provenance"]["classification"] == "A1" and m["transform"] != "original"
    clean = api.client.post("/v1/scan", headers=h, files=upload(jpeg_bytes(5))).json()
    assert clean["blocked"] is False and clean["matches"] == []
    assert clean["signals"]["pdq"]["quality"] >= 50


def test_organisations_are_isolated_until_a_bank_is_shared(api: Api) -> None:
    a, b = api.key("org-a", "platform"), api.key("org-b", "platform")
    api.client.post("/v1/banks", headers=a, json={"name": "PRIVATE"})
    api.client.post(
        "/v1/banks/PRIVATE/entries", headers=a, json={"signal_type": "pdq", "signal": PDQ}
    )
    look = {"signal_type": "pdq", "hashes": [PDQ]}
    assert api.client.post("/v1/lookup", headers=b, json=look).json()["results"][0]["matches"] == []
    assert err(api.client.get("/v1/banks/PRIVATE", headers=b)) == (404, "not_found")
    assert api.client.get("/v1/banks", headers=b).json() == []
    # same name in another org is allowed and separate
    assert api.client.post("/v1/banks", headers=b, json={"name": "PRIVATE"}).status_code == 201
    api.client.delete("/v1/banks/PRIVATE", headers=b)
    assert (
        api.client.post("/v1/banks/PRIVATE/shares", headers=a, json={"org": "org-b"}).status_code
        == 204
    )
    hits = api.client.post("/v1/lookup", headers=b, json=look).json()["results"][0]["matches"]
    assert [m["bank"] for m in hits] == ["PRIVATE"]
    shared = api.client.get("/v1/banks/PRIVATE", headers=b).json()
    assert shared["owner"] == "org-a"
    assert err(
        api.client.post(
            "/v1/banks/PRIVATE/entries", headers=b, json={"signal_type": "md5", "signal": "c" * 32}
        )
    ) == (403, "permission_denied")
    assert err(api.client.delete("/v1/banks/PRIVATE", headers=b)) == (403, "permission_denied")
    api.client.delete("/v1/banks/PRIVATE/shares/org-b", headers=a)
    assert api.client.post("/v1/lookup", headers=b, json=look).json()["results"][0]["matches"] == []
    # audit records of one org are not visible to another org's admin
    admin_b = api.key("org-b", "admin")
    actions = {r["org_id"] for r in api.client.get("/v1/audit", headers=admin_b).json()}
    assert len(actions) <= 1


def test_a_new_entry_is_matchable_on_the_next_request(api: Api) -> None:
    h = api.key("acme", "platform")
    api.client.post("/v1/banks", headers=h, json={"name": "FAST"})
    look = {"signal_type": "pdq", "hashes": [PDQ]}
    assert api.client.post("/v1/lookup", headers=h, json=look).json()["results"][0]["matches"] == []
    api.client.post("/v1/banks/FAST/entries", headers=h, json={"signal_type": "pdq", "signal": PDQ})
    (hit,) = api.client.post("/v1/lookup", headers=h, json=look).json()["results"][0]["matches"]
    api.client.patch(
        f"/v1/banks/FAST/entries/{hit['entry_id']}", headers=h, json={"enabled": False}
    )
    assert api.client.post("/v1/lookup", headers=h, json=look).json()["results"][0]["matches"] == []


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 9))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda c, h: c.post(
                "/v1/lookup",
                headers={**h, "content-type": "application/json"},
                content=b"{not json",
            ),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post("/v1/lookup", headers=h, json={"signal_type": 5, "hashes": "x"}),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post(
                "/v1/lookup", headers=h, json={"signal_type": "tlsh", "hashes": ["a"]}
            ),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post(
                "/v1/lookup", headers=h, json={"signal_type": "pdq", "hashes": ["12"]}
            ),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post(
                "/v1/lookup", headers=h, json={"signal_type": "pdq", "hashes": [PDQ] * 1001}
            ),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post(
                "/v1/lookup", headers=h, json={"signal_type": "pdq", "hashes": ["' OR 1=1; --"]}
            ),
            (400, "invalid_input"),
        ),
        (lambda c, h: c.post("/v1/scan", headers=h, files=upload(b"")), (422, "hashing_error")),
        (
            lambda c, h: c.post(
                "/v1/scan", headers=h, files=upload(b"hello, plain text\n", "a.jpg")
            ),
            (415, "unsupported_media"),
        ),
        (
            lambda c, h: c.post(
                "/v1/scan", headers=h, files=upload(_png(50000, 50000), "bomb.png")
            ),
            (413, "too_large"),
        ),
        (
            lambda c, h: c.post("/v1/scan", headers=h, files=upload(jpeg_bytes(1)[:3000])),
            (422, "hashing_error"),
        ),
        (lambda c, h: c.post("/v1/scan", headers=h), (400, "invalid_input")),
        (
            lambda c, h: c.post("/v1/banks", headers=h, json={"name": "../../etc/passwd"}),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post("/v1/banks", headers=h, json={"name": "X'; DROP TABLE banks;--"}),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post(
                "/v1/banks", headers=h, json={"name": "OK_NAME", "threshold": "high"}
            ),
            (400, "invalid_input"),
        ),
        (
            lambda c, h: c.post("/v1/banks", headers=h, json={"name": "OK_NAME", "bogus": 1}),
            (400, "invalid_input"),
        ),
        (lambda c, h: c.get("/v1/banks/..%2F..%2Fetc", headers=h), (404, "not_found")),
        (lambda c, h: c.get("/v1/banks/lower", headers=h), (400, "invalid_input")),
        (lambda c, h: c.get("/v1/banks/NO_SUCH_BANK", headers=h), (404, "not_found")),
        (
            lambda c, h: c.post(
                "/v1/banks/NO_SUCH_BANK/entries",
                headers=h,
                json={"signal_type": "pdq", "signal": PDQ},
            ),
            (404, "not_found"),
        ),
        (lambda c, h: c.get("/v1/nothing-here", headers=h), (404, "not_found")),
    ],
)
def test_bad_input_gets_a_clear_4xx(api: Api, call: object, expected: tuple[int, str]) -> None:
    h = api.key("acme", "platform")
    response = call(api.client, h)  # type: ignore[operator]
    assert err(response) == expected


def test_raw_body_scan_matches_like_multipart(api: Api) -> None:
    h = api.key("acme", "platform")
    data = (IMAGES / "bridge-1-original.jpg").read_bytes()
    api.client.post("/v1/banks", headers=h, json={"name": "RAW"})
    api.client.post("/v1/banks/RAW/entries/upload", headers=h, files=upload(data))
    raw = api.client.post(
        "/v1/scan",
        headers={**h, "content-type": "application/octet-stream", "x-filename": "r.jpg"},
        content=data,
    ).json()
    multi = api.client.post("/v1/scan", headers=h, files=upload(data, "r.jpg")).json()
    assert raw == multi and raw["blocked"] is True and raw["filename"] == "r.jpg"
    empty = api.client.post("/v1/scan", headers={**h, "content-type": "image/jpeg"}, content=b"")
    assert err(empty) == (422, "hashing_error")
    wrong_field = api.client.post(
        "/v1/scan", headers=h, files={"photo": ("a.jpg", data, "image/jpeg")}
    )
    assert err(wrong_field) == (400, "invalid_input")


def test_oversized_upload_is_refused(make_api: object) -> None:
    api = make_api(max_upload_bytes=50_000)  # type: ignore[operator]
    h = api.key("acme", "platform")
    status, code = err(
        api.client.post("/v1/scan", headers=h, files=upload(jpeg_bytes(2, (1600, 1200))))
    )
    assert (status, code) == (413, "too_large")
    big = jpeg_bytes(2, (1600, 1200))

    def chunked() -> object:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    streamed = api.client.post(
        "/v1/scan", headers={**h, "content-type": "image/jpeg"}, content=chunked()
    )
    assert err(streamed) == (413, "too_large")
    assert api.client.get("/healthz").status_code == 200
    leftovers = (
        list((api.settings.data_dir / "tmp").glob("*"))
        if (api.settings.data_dir / "tmp").exists()
        else []
    )
    assert leftovers == []


def test_expired_and_revoked_keys(api: Api) -> None:
    from datetime import UTC, datetime, timedelta

    from childguard.auth import create_key, ensure_org
    from childguard.store.models import ApiKey

    with api.db.session() as s:
        new = create_key(
            s, ensure_org(s, "acme"), "platform", expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
        s.get(ApiKey, new.key.id).expires_at = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
    h = {"Authorization": f"Bearer {new.secret}"}
    assert err(api.client.get("/v1/banks", headers=h)) == (401, "unauthenticated")
    admin = api.key("acme", "admin")
    made = api.client.post("/v1/keys", headers=admin, json={"role": "platform"}).json()
    fresh = {"Authorization": f"Bearer {made['key']}"}
    assert api.client.get("/v1/banks", headers=fresh).status_code == 200
    listed = api.client.get("/v1/keys", headers=admin).json()
    assert all("key" not in k and "secret" not in str(k) for k in listed)
    api.client.delete(f"/v1/keys/{made['prefix']}", headers=admin)
    assert err(api.client.get("/v1/banks", headers=fresh)) == (401, "unauthenticated")
    # an ordinary org admin cannot mint keys for other orgs or create orgs
    assert (
        err(api.client.post("/v1/keys", headers=admin, json={"role": "admin", "org": "admin"}))[0]
        == 403
    )
    assert err(api.client.post("/v1/orgs", headers=admin, json={"name": "x-org"}))[0] == 403


def test_audit_chain_detects_edits_removals_and_reordering(api: Api) -> None:
    h = api.key("admin", "admin")
    for name in ("A_BANK", "B_BANK", "C_BANK"):
        api.client.post("/v1/banks", headers=h, json={"name": name})
    assert api.client.get("/v1/audit/verify", headers=h).json()["ok"] is True
    records = api.client.get("/v1/audit", headers=h).json()
    assert {"org.create", "key.create", "bank.create"} <= {r["action"] for r in records}
    with api.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target = 'bank:999:EVIL' WHERE id = 4"))
    report = api.client.get("/v1/audit/verify", headers=h).json()
    assert report["ok"] is False and report["bad_record"] == 4
    with api.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET target = :t WHERE id = 4"), {"t": records[3]["target"]}
        )
    assert api.client.get("/v1/audit/verify", headers=h).json()["ok"] is True
    with api.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET id = 1000 WHERE id = 3"))
        conn.execute(text("UPDATE audit_log SET id = 3 WHERE id = 5"))
        conn.execute(text("UPDATE audit_log SET id = 5 WHERE id = 1000"))
    assert api.client.get("/v1/audit/verify", headers=h).json()["ok"] is False
    with api.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 5"))
    report = api.client.get("/v1/audit/verify", headers=h).json()
    assert report["ok"] is False


def test_metrics_count_routes_scans_and_matches(api: Api) -> None:
    h = api.key("admin", "platform")
    api.client.post("/v1/banks", headers=h, json={"name": "M_BANK"})
    api.client.post(
        "/v1/banks/M_BANK/entries/upload",
        headers=h,
        files=upload((IMAGES / "wee.jpg").read_bytes()),
    )
    api.client.post("/v1/scan", headers=h, files=upload((IMAGES / "wee.jpg").read_bytes()))
    api.client.post("/v1/scan", headers=h, files=upload(b"text", "t.jpg"))
    body = api.client.get("/metrics", headers=api.key("admin", "admin")).text
    assert 'childguard_scans_total{outcome="matched"} 1.0' in body
    assert 'childguard_scans_total{outcome="error"} 1.0' in body
    assert 'childguard_matches_total{bank="M_BANK"}' in body
    assert 'route="/v1/scan"' in body and "childguard_http_request_seconds_bucket" in body
    assert 'childguard_index_entries{signal_type="pdq"} 1.0' in body
    assert "childguard_index_age_seconds" in body


def test_logs_and_audit_carry_no_content(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    h = api.key("admin", "platform")
    api.client.post("/v1/banks", headers=h, json={"name": "L_BANK"})
    data = (IMAGES / "wee.jpg").read_bytes()
    api.client.post("/v1/banks/L_BANK/entries/upload", headers=h, files=upload(data))
    caplog.set_level(logging.DEBUG)
    scan = api.client.post("/v1/scan", headers=h, files=upload(data, "secret-name-x.jpg"))
    sha = scan.json()["signals"]["sha256"]
    assert scan.headers["x-request-id"]
    logged = caplog.text
    assert sha not in logged and "secret-name-x" not in logged
    assert any(getattr(r, "route", None) == "/v1/scan" for r in caplog.records)
    with api.db.engine.connect() as conn:
        details = " ".join(row[0] for row in conn.execute(text("SELECT details FROM audit_log")))
    assert sha not in details and "secret-name-x" not in details and "scan.match" not in details


def test_docs_and_openapi_are_served(api: Api) -> None:
    assert api.client.get("/docs").status_code == 200
    spec = api.client.get("/openapi.json").json()
    assert "/v1/scan" in spec["paths"] and "/v1/banks/{name}" in spec["paths"]


def test_text_analyze_flags_batches_and_audits_without_text(api: Api) -> None:
    h = api.key("acme", "platform")
    marker = "zebracrossing"
    risky = {
        "id": "conv-1",
        "messages": [
            {"sender": "a", "text": "hey, how old are you? you seem so mature"},
            {"sender": "b", "text": "im 13"},
            {"sender": "a", "text": f"dont tell your parents about us, its our secret {marker}"},
            {"sender": "a", "text": "add me on telegram @fake_handle and send me a private pic"},
            {"sender": "a", "text": "i can buy you game credits if you come meet me alone"},
        ],
    }
    calm = [{"sender": "a", "text": "see you at football practice tomorrow"}]
    r = api.client.post("/v1/text/analyze", headers=h, json={"conversations": [risky, calm]})
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert "GROOMING" in first["flagged"] and first["findings"]
    assert all(f["explanation"] for f in first["findings"])
    assert second["flagged"] == []
    admin = api.key("acme", "admin")
    records = [
        x for x in api.client.get("/v1/audit", headers=admin).json() if x["action"] == "text.flag"
    ]
    assert len(records) == 1 and "GROOMING" in records[0]["details"]["flagged"]
    assert marker not in str(records) and "telegram" not in str(records).lower()
    too_many = api.client.post("/v1/text/analyze", headers=h, json={"conversations": [calm] * 101})
    assert err(too_many) == (400, "invalid_input")
    assert err(api.client.post("/v1/text/analyze", headers=h, json={"messages": 5}))[0] == 400


def test_audit_lists_newest_first_on_request(api: Api) -> None:
    h = api.key("admin", "admin")
    for name in ("AUD_A", "AUD_B", "AUD_C"):
        api.client.post("/v1/banks", headers=h, json={"name": name})
    oldest = [r["id"] for r in api.client.get("/v1/audit", headers=h).json()]
    newest = api.client.get("/v1/audit?newest=true&limit=2", headers=h).json()
    assert [r["id"] for r in newest] == sorted(oldest, reverse=True)[:2]
    page = api.client.get(f"/v1/audit?newest=true&before={newest[-1]['id']}", headers=h).json()
    assert [r["id"] for r in page] == sorted(oldest, reverse=True)[2:]


def test_banks_of_one_name_shared_by_two_owners_are_told_apart(api: Api) -> None:
    a, b, c = (api.key(o, "platform") for o in ("org-a", "org-b", "org-c"))
    for h, value in ((a, PDQ), (b, "ab" * 32)):
        api.client.post("/v1/banks", headers=h, json={"name": "KNOWN"})
        api.client.post(
            "/v1/banks/KNOWN/entries", headers=h, json={"signal_type": "pdq", "signal": value}
        )
        api.client.post("/v1/banks/KNOWN/shares", headers=h, json={"org": "org-c"})
    status, _ = err(api.client.get("/v1/banks/KNOWN", headers=c))
    assert status == 409
    message = api.client.get("/v1/banks/KNOWN", headers=c).json()["error"]["message"]
    assert "org-a, org-b" in message and "org-a:KNOWN" in message
    assert api.client.get("/v1/banks/org-b:KNOWN", headers=c).json()["owner"] == "org-b"
    assert err(api.client.get("/v1/banks/org-x:KNOWN", headers=c))[0] == 404
    look = {"signal_type": "pdq", "hashes": [PDQ]}
    (hit,) = api.client.post("/v1/lookup", headers=c, json=look).json()["results"][0]["matches"]
    assert (hit["bank"], hit["owner"]) == ("KNOWN", "org-a")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_outside(api: Api, page: str) -> None:
    import re

    html = api.client.get(page).text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html) + re.findall(r"url: ?'([^']+)'", html)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "cdn" not in html and "googleapis" not in html
    from childguard.api.docs_pages import ASSETS

    if not (ASSETS / "swagger-ui-bundle.js").is_file():
        pytest.skip("docs assets not installed: run `make install` (scripts/vendor-web-assets.sh)")
    for url in urls:
        if url.startswith("/static/"):
            assert api.client.get(url).status_code == 200, url
