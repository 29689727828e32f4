"""The lean handlers of the hot routes answer exactly as the FastAPI routes do.

Each request below goes to one app twice: with ``fast_routes`` on (``childguard.api.fastpath``)
and off (FastAPI's router). Status, error code and body must be the same, for good and bad input.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import PDQ_DATA, turned_jpeg
from tests.integration.api.conftest import Api
from tests.integration.api.test_api_behaviour import PDQ, jpeg_bytes

IMAGES = PDQ_DATA / "images"
BOUNDARY = "paritytest"


def multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body of (field, filename or None, content) parts, built by hand."""
    out = b""
    for field, filename, content in parts:
        disposition = f'form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return out, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


Call = tuple[str, str, dict[str, str], bytes]


def _calls(h: dict[str, str], reg: dict[str, str]) -> list[tuple[str, Call]]:
    banked = turned_jpeg(IMAGES / "bridge-1-original.jpg", "ROTATE_180")
    clean = jpeg_bytes(7)
    flat = jpeg_bytes(0, (64, 64))[:200]
    json_h = {**h, "content-type": "application/json"}
    named_h = {**h, "content-type": "image/jpeg", "x-filename": "r.jpg"}

    def mp(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
        return multipart(*parts)

    scan_ok, scan_h = mp(("file", "../../b.jpg", banked))
    two, two_h = mp(("file", "a.jpg", clean), ("file", "b.jpg", clean))
    wrong, wrong_h = mp(("photo", "a.jpg", clean))
    fields_only, fields_h = mp(("note", None, b"hello"))
    hma_ok, hma_h = mp(("photo", "p.jpg", banked))
    hma_video, hma_video_h = mp(("video", "p.jpg", clean))
    hma_two, hma_two_h = mp(("photo", "a.jpg", clean), ("photo", "b.jpg", clean))
    hma_bad, hma_bad_h = mp(("file", "a.jpg", clean))
    text_file, text_h = mp(("file", "notes.jpg", b"plain words, not a picture\n"))
    lookup = {"signal_type": "pdq", "hashes": [PDQ, "ab" * 32]}
    return [
        ("scan multipart match", ("POST", "/v1/scan", {**h, **scan_h}, scan_ok)),
        ("scan raw", ("POST", "/v1/scan", {**h, "content-type": "image/jpeg"}, clean)),
        ("scan raw named", ("POST", "/v1/scan", named_h, banked)),
        ("scan two files", ("POST", "/v1/scan", {**h, **two_h}, two)),
        ("scan wrong field", ("POST", "/v1/scan", {**h, **wrong_h}, wrong)),
        ("scan no file part", ("POST", "/v1/scan", {**h, **fields_h}, fields_only)),
        ("scan nothing", ("POST", "/v1/scan", h, b"")),
        ("scan empty raw", ("POST", "/v1/scan", {**h, "content-type": "image/png"}, b"")),
        ("scan text", ("POST", "/v1/scan", {**h, **text_h}, text_file)),
        ("scan truncated", ("POST", "/v1/scan", {**h, "content-type": "image/jpeg"}, flat)),
        (
            "scan no boundary",
            ("POST", "/v1/scan", {**h, "content-type": "multipart/form-data"}, b"--x--"),
        ),
        (
            "scan broken multipart",
            ("POST", "/v1/scan", {**h, **scan_h}, b"--paritytest\r\ngarbage"),
        ),
        ("scan no key", ("POST", "/v1/scan", {"content-type": "image/jpeg"}, clean)),
        (
            "scan bad key",
            ("POST", "/v1/scan", {"authorization": "Bearer cg_nope_nope"}, clean),
        ),
        ("scan regulator", ("POST", "/v1/scan", {**reg, "content-type": "image/jpeg"}, clean)),
        ("lookup ok", ("POST", "/v1/lookup", json_h, json.dumps(lookup).encode())),
        ("lookup bad json", ("POST", "/v1/lookup", json_h, b"{not json")),
        ("lookup empty", ("POST", "/v1/lookup", json_h, b"")),
        ("lookup list", ("POST", "/v1/lookup", json_h, b"[1, 2]")),
        (
            "lookup wrong types",
            ("POST", "/v1/lookup", json_h, b'{"signal_type": 5, "hashes": "x"}'),
        ),
        (
            "lookup extra field",
            ("POST", "/v1/lookup", json_h, json.dumps({**lookup, "x": 1}).encode()),
        ),
        (
            "lookup unknown type",
            ("POST", "/v1/lookup", json_h, b'{"signal_type": "nope", "hashes": ["a"]}'),
        ),
        (
            "lookup bad hash",
            ("POST", "/v1/lookup", json_h, b'{"signal_type": "pdq", "hashes": ["xyz"]}'),
        ),
        (
            "lookup unknown bank",
            (
                "POST",
                "/v1/lookup",
                json_h,
                json.dumps({**lookup, "banks": ["NOPE"]}).encode(),
            ),
        ),
        (
            "lookup too many",
            ("POST", "/v1/lookup", json_h, json.dumps({**lookup, "hashes": [PDQ] * 1001}).encode()),
        ),
        ("lookup regulator", ("POST", "/v1/lookup", reg, json.dumps(lookup).encode())),
        ("hma get ok", ("GET", f"/m/lookup?signal_type=pdq&signal={PDQ}", h, b"")),
        ("hma get bank filter", ("GET", f"/m/lookup?signal_type=pdq&signal={PDQ}&banks=X", h, b"")),
        ("hma get missing", ("GET", "/m/lookup?signal_type=pdq", h, b"")),
        ("hma get bad hash", ("GET", "/m/lookup?signal_type=pdq&signal=zz", h, b"")),
        ("hma get unknown type", ("GET", "/m/lookup?signal_type=xx&signal=zz", h, b"")),
        (
            "hma get bad bool",
            ("GET", f"/m/lookup?signal_type=pdq&signal={PDQ}&bypass_coinflip=maybe", h, b""),
        ),
        ("hma get url", ("GET", "/m/lookup?url=http://example.invalid/x.jpg", h, b"")),
        ("hma get no key", ("GET", f"/m/lookup?signal_type=pdq&signal={PDQ}", {}, b"")),
        ("hma post ok", ("POST", "/m/lookup", {**h, **hma_h}, hma_ok)),
        ("hma post types", ("POST", "/m/lookup?types=pdq", {**h, **hma_h}, hma_ok)),
        ("hma post bad types", ("POST", "/m/lookup?types=nope", {**h, **hma_h}, hma_ok)),
        ("hma post video field", ("POST", "/m/lookup", {**h, **hma_video_h}, hma_video)),
        ("hma post two", ("POST", "/m/lookup", {**h, **hma_two_h}, hma_two)),
        ("hma post wrong field", ("POST", "/m/lookup", {**h, **hma_bad_h}, hma_bad)),
        ("hma post raw", ("POST", "/m/lookup", {**h, "content-type": "image/jpeg"}, clean)),
        ("hma post regulator", ("POST", "/m/lookup", {**reg, **hma_h}, hma_ok)),
        ("hma get unknown param", ("GET", f"/m/lookup?signal={PDQ}&signall=1", h, b"")),
        ("hma post unknown param", ("POST", "/m/lookup?bank=X", {**h, **hma_h}, hma_ok)),
        (
            "scan unknown param",
            ("POST", "/v1/scan?x=1", {**h, "content-type": "image/jpeg"}, clean),
        ),
        (
            "lookup unknown param",
            ("POST", "/v1/lookup?limit=1", json_h, json.dumps(lookup).encode()),
        ),
        ("unknown param no key", ("POST", "/v1/lookup?limit=1", {}, b"")),
    ]


def _answer(api: Api, call: Call) -> tuple[int, Any]:
    method, url, headers, body = call
    r = api.client.request(method, url, headers=headers, content=body)
    assert r.headers["content-type"].startswith("application/json"), r.text[:200]
    return r.status_code, r.json()


def test_fast_and_framework_routes_answer_alike(api: Api) -> None:
    h = api.key("acme", "platform")
    reg = api.key("ministry", "regulator")
    assert api.client.post("/v1/banks", headers=h, json={"name": "KNOWN"}).status_code == 201
    r = api.client.post(
        "/v1/banks/KNOWN/entries/upload",
        headers=h,
        files={"file": ("b.jpg", (IMAGES / "bridge-1-original.jpg").read_bytes(), "image/jpeg")},
    )
    assert r.status_code == 201
    api.client.post(
        "/v1/banks/KNOWN/entries", headers=h, json={"signal_type": "pdq", "signal": PDQ}
    )
    statuses = set()
    for label, call in _calls(h, reg):
        api.settings.fast_routes = True
        fast = _answer(api, call)
        api.settings.fast_routes = False
        slow = _answer(api, call)
        assert fast == slow, label
        statuses.add(fast[0])
    # the table exercises successes and each kind of refusal
    assert {200, 400, 401, 403, 404, 415, 422} <= statuses


def test_fast_routes_are_counted_under_their_route_names(api: Api) -> None:
    h = api.key("acme", "platform")
    for _ in range(2):
        api.client.get(f"/m/lookup?signal_type=pdq&signal={PDQ}", headers=h)
    deployment_admin = api.key(api.settings.admin_org, "admin")  # sees deployment-wide metrics
    metrics = api.client.get("/metrics", headers=deployment_admin).text
    assert 'childguard_http_requests_total{method="GET",route="/m/lookup",status="200"} 2.0' in (
        metrics
    )


@pytest.mark.parametrize("fast", [True, False])
def test_uploads_over_the_memory_size_are_spilled_then_removed(make_api: Any, fast: bool) -> None:
    api = make_api(upload_memory_bytes=1000, fast_routes=fast)
    h = api.key("acme", "platform")
    data = jpeg_bytes(9)
    r = api.client.post("/v1/scan", headers={**h, "content-type": "image/jpeg"}, content=data)
    assert r.status_code == 200 and r.json()["size"] == len(data)
    body, mh = multipart(("file", "big.jpg", data))
    r2 = api.client.post("/v1/scan", headers={**h, **mh}, content=body)
    assert r2.json()["signals"] == r.json()["signals"]
    assert list((api.settings.data_dir / "tmp").rglob("*")) == []
