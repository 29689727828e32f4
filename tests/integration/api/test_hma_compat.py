"""HMA compatibility: the examples of HMA's documentation and tests, replayed against childguard.

Each request below is an example from facebook/ThreatExchange's HMA docs (`api.md`,
`user-interface.md`) or its API tests, with the response HMA documents. Where childguard differs
on purpose (a key is required; new entries match at once instead of after an index rebuild) the
test says so.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import PDQ_DATA, turned_jpeg
from tests.integration.api.conftest import Api

DOC_HASH = "d811ac390bfa6005d08543fe27fd5a11f6b55bdd2603000dc26476fc79fc76b5"
FAR_HASH = "5" * 64
CMP_A = "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318"
CMP_B = "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318"
IMAGE = PDQ_DATA / "images" / "bridge-1-original.jpg"
REFERENCE_PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def _check(
    api: Api, h: dict[str, str], method: str, path: str, status: int, expected: Any, **kwargs: Any
) -> Any:
    response = api.client.request(method, path, headers=h, **kwargs)
    assert response.status_code == status, (method, path, response.text)
    body = response.json()
    if isinstance(expected, dict) and "message" in expected and status >= 400:
        assert body["message"] == expected["message"]
    elif expected is not None:
        assert body == expected, (method, path)
    return body


def test_documented_examples_replay(api: Api) -> None:
    h = api.key("acme", "platform")
    bank = {"matching_enabled_ratio": 1.0, "name": "TEST_BANK"}
    assert api.client.get("/status", headers=h).text == "I-AM-ALIVE"
    _check(api, h, "POST", "/c/banks", 201, bank, json={"name": "TEST_BANK"})
    for bad in ("01_TEST_BANK", "my_test_bank"):
        _check(
            api,
            h,
            "POST",
            "/c/banks",
            400,
            {"message": "Bank names must be UPPER_WITH_UNDERSCORE"},
            json={"name": bad},
        )
    _check(
        api,
        h,
        "POST",
        "/c/banks",
        403,
        {"message": "Bank already exists"},
        json={"name": "TEST_BANK"},
    )
    _check(api, h, "GET", "/c/banks", 200, [bank])
    _check(api, h, "GET", "/c/bank/TEST_BANK", 200, bank)
    _check(
        api,
        h,
        "POST",
        "/c/bank/TEST_BANK/signal",
        200,
        {"id": 1, "signals": {"pdq": DOC_HASH}},
        json={"pdq": DOC_HASH},
    )
    # HMA matches this only after its next index rebuild; childguard at once
    _check(
        api,
        h,
        "GET",
        "/m/lookup",
        200,
        {"TEST_BANK": [{"bank_content_id": 1, "distance": "0"}]},
        params={"signal_type": "pdq", "signal": DOC_HASH},
    )
    _check(api, h, "GET", "/m/lookup", 200, {}, params={"signal_type": "pdq", "signal": FAR_HASH})
    _check(
        api,
        h,
        "GET",
        "/m/raw_lookup",
        200,
        {"matches": [1]},
        params={"signal_type": "pdq", "signal": DOC_HASH},
    )
    _check(
        api,
        h,
        "GET",
        "/m/raw_lookup",
        200,
        {"matches": [{"bank_content_id": 1, "distance": "0"}]},
        params={"signal_type": "pdq", "signal": DOC_HASH, "include_distance": "true"},
    )
    status = _check(api, h, "GET", "/m/index/status", 200, None, params={"signal_type": "pdq"})
    assert status["pdq"]["present"] is True and status["pdq"]["size"] == 1
    assert status["pdq"]["built_to"] > 0
    _check(
        api,
        h,
        "POST",
        "/m/compare",
        200,
        {"pdq": [True, {"distance": 9}]},
        json={"pdq": [CMP_A, CMP_B]},
    )
    for body, message in (
        (["banana"], "Request input was not a dict"),
        ({"pdq": "banana"}, "Comparison hashes for pdq was not a list"),
        ({"pdq": []}, "Comparison hash list length must be exactly 2"),
        ({"pdq": [CMP_A, CMP_B, CMP_A]}, "Comparison hash list length must be exactly 2"),
    ):
        _check(api, h, "POST", "/m/compare", 400, {"message": message}, json=body)
    invalid = api.client.post("/m/compare", headers=h, json={"pdq": ["banana", "banana"]})
    assert invalid.status_code == 400 and invalid.json()["message"].startswith("Invalid pdq hash")
    content = {"bank": bank, "disable_until_ts": 1, "id": 1, "original_media_uri": None}
    _check(api, h, "GET", "/c/bank/TEST_BANK/content/1", 200, content)
    _check(
        api,
        h,
        "GET",
        "/c/bank/TEST_BANK/content/1",
        200,
        {**content, "signals": {"pdq": DOC_HASH}},
        params={"include_signals": "true"},
    )
    _check(
        api,
        h,
        "GET",
        "/c/bank/NO_SUCH_BANK/content/1",
        404,
        {"message": "bank 'NO_SUCH_BANK' not found"},
    )
    _check(
        api,
        h,
        "GET",
        "/c/bank/TEST_BANK/content/99999",
        404,
        {"message": "content '99999' not found"},
    )
    _check(api, h, "DELETE", "/c/bank/TEST_BANK/content/1", 200, {"deleted": 1})
    _check(api, h, "GET", "/m/lookup", 200, {}, params={"signal_type": "pdq", "signal": DOC_HASH})
    _check(api, h, "DELETE", "/c/bank/TEST_BANK", 200, {"message": "Done"})
    _check(api, h, "DELETE", "/c/bank/TEST_BANK", 200, {"message": "Done"})  # absent: still 200
    _check(
        api,
        h,
        "GET",
        "/c/content_type",
        200,
        [{"enabled": True, "name": "photo"}, {"enabled": True, "name": "video"}],
    )
    types = _check(api, h, "GET", "/c/signal_type", 200, None)
    assert {"enabled_ratio": 1.0, "name": "pdq"} in types


def test_upload_hash_and_match_flow(api: Api) -> None:
    h = api.key("acme", "platform")
    api.client.post("/c/banks", headers=h, json={"name": "TEST_BANK"})
    photo = {"photo": (IMAGE.name, IMAGE.read_bytes(), "image/jpeg")}
    hashed = _check(api, h, "POST", "/h/hash", 200, None, files=photo)
    assert hashed["pdq"] == REFERENCE_PDQ
    added = _check(
        api,
        h,
        "POST",
        "/c/bank/TEST_BANK/content",
        200,
        None,
        files=photo,
        data={"note": "benign test photo", "metadata": '{"content_id": "c-1"}'},
    )
    assert added["signals"]["pdq"] == REFERENCE_PDQ and set(added["signals"]) >= {"pdq", "md5"}
    # all signals of one upload are one content: one id, like HMA
    got = _check(
        api,
        h,
        "GET",
        f"/c/bank/TEST_BANK/content/{added['id']}",
        200,
        None,
        params={"include_signals": "true"},
    )
    assert got["signals"]["pdq"] == REFERENCE_PDQ and got["note"] == "benign test photo"
    matched = _check(
        api, h, "POST", "/m/lookup", 200, None, files=photo, params={"bypass_coinflip": "false"}
    )
    assert matched["pdq"] == {"TEST_BANK": [{"bank_content_id": added["id"], "distance": "0"}]}
    admin = api.key("acme", "admin")
    actions = [r["action"] for r in api.client.get("/v1/audit", headers=admin).json()]
    assert actions.count("scan.match") == 1  # a matched HMA lookup is audited like /v1/scan
    rotated = turned_jpeg(IMAGE, "ROTATE_90")
    turned = _check(
        api,
        h,
        "POST",
        "/m/lookup",
        200,
        None,
        files={"photo": ("rotated.jpg", rotated, "image/jpeg")},
    )
    assert list(turned["pdq"]) == ["TEST_BANK"]  # HMA misses rotated copies; childguard does not
    assert turned["md5"] == {}
    # disabling the content through PUT stops matches; enabling restores them
    disabled = api.client.put(
        f"/c/bank/TEST_BANK/content/{added['id']}",
        headers=h,
        json={"disable_until_ts": int(time.time()) + 3600},
    )
    assert disabled.status_code == 200 and disabled.json()["disable_until_ts"] > 1
    assert _check(api, h, "POST", "/m/lookup", 200, None, files=photo)["pdq"] == {}
    api.client.put(
        f"/c/bank/TEST_BANK/content/{added['id']}", headers=h, json={"disable_until_ts": 1}
    )
    assert _check(api, h, "POST", "/m/lookup", 200, None, files=photo)["pdq"]
    # rename and disable a bank
    _check(
        api,
        h,
        "PUT",
        "/c/bank/TEST_BANK",
        200,
        {"matching_enabled_ratio": 0.0, "name": "RENAMED"},
        json={"name": "RENAMED", "enabled": False},
    )
    assert _check(api, h, "POST", "/m/lookup", 200, None, files=photo)["pdq"] == {}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "message"),
    [
        ("POST", "/h/hash", {}, 400, "Missing multipart/form-data file upload"),
        (
            "POST",
            "/h/hash",
            {"files": {"file": ("a.jpg", b"x", "image/jpeg")}},
            400,
            "no such content_type: 'file'",
        ),
        (
            "POST",
            "/h/hash",
            {
                "files": [
                    ("photo", ("a.jpg", b"x", "image/jpeg")),
                    ("photo", ("b.jpg", b"y", "image/jpeg")),
                ]
            },
            400,
            "Only one file allowed per request",
        ),
        ("POST", "/h/hash", {"files": {"photo": ("a.jpg", b"", "image/jpeg")}}, 422, None),
        (
            "POST",
            "/h/hash",
            {"files": {"photo": ("a.jpg", b"not an image", "image/jpeg")}},
            415,
            None,
        ),
        (
            "GET",
            "/m/lookup",
            {"params": {"signal_type": "pdq"}},
            400,
            "Either url or both signal and signal_type are required",
        ),
        (
            "GET",
            "/m/lookup",
            {"params": {"signal_type": "nope", "signal": "x"}},
            400,
            "No such SignalType 'nope'",
        ),
        ("GET", "/m/lookup", {"params": {"signal_type": "pdq", "signal": "abc"}}, 400, None),
        ("GET", "/m/lookup", {"params": {"url": "http://169.254.169.254/"}}, 400, None),
        ("GET", "/h/hash", {"params": {"url": "http://127.0.0.1/"}}, 400, None),
        (
            "POST",
            "/c/banks",
            {"json": {"name": "X" * 300}},
            400,
            "Bank names must be UPPER_WITH_UNDERSCORE",
        ),
        ("POST", "/c/banks", {"json": ["NAME"]}, 400, None),
        (
            "POST",
            "/c/bank/NO_BANK/signal",
            {"json": {"pdq": DOC_HASH}},
            404,
            "bank 'NO_BANK' not found",
        ),
        ("GET", "/c/bank/NO_BANK", {}, 404, "bank 'NO_BANK' not found"),
        ("POST", "/m/compare", {"json": {"video_md5": ["a" * 32, "a" * 32]}}, 200, None),
    ],
)
def test_hma_bad_input_is_4xx_never_500(
    api: Api, method: str, path: str, kwargs: dict[str, Any], status: int, message: str | None
) -> None:
    h = api.key("acme", "platform")
    response = api.client.request(method, path, headers=h, **kwargs)
    assert response.status_code == status, response.text
    if status >= 400:
        assert "message" in response.json() and "error" in response.json()
    if message:
        assert response.json()["message"] == message


def test_signal_endpoint_validation(api: Api) -> None:
    h = api.key("acme", "platform")
    api.client.post("/c/banks", headers=h, json={"name": "B"})
    for body, message in (
        ({}, "No signals given"),
        ({"nope": "x"}, "No such signal type nope"),
        ({"pdq": "xyz"}, None),
        ({"pdq": DOC_HASH, "note": "n" * 300}, "note must be at most 255 characters"),
        ({"pdq": DOC_HASH, "note": 5}, "note should be a string"),
    ):
        r = api.client.post("/c/bank/B/signal", headers=h, json=body)
        assert r.status_code == 400, (body, r.text)
        if message:
            assert r.json()["message"] == message
    ok = api.client.post("/c/bank/B/signal", headers=h, json={"video_md5": "A" * 32})
    assert ok.status_code == 200 and ok.json()["signals"] == {"video_md5": "a" * 32}


def test_hma_routes_need_a_key_and_respect_organisations(api: Api) -> None:
    assert (
        api.client.get("/m/lookup", params={"signal_type": "pdq", "signal": DOC_HASH}).status_code
        == 401
    )
    a, b = api.key("org-a", "platform"), api.key("org-b", "platform")
    api.client.post("/c/banks", headers=a, json={"name": "MINE"})
    api.client.post("/c/bank/MINE/signal", headers=a, json={"pdq": DOC_HASH})
    look = {"signal_type": "pdq", "signal": DOC_HASH}
    assert api.client.get("/m/lookup", headers=a, params=look).json() != {}
    assert api.client.get("/m/lookup", headers=b, params=look).json() == {}
    assert api.client.get("/c/bank/MINE", headers=b).status_code == 404
    assert api.client.get("/m/lookup", headers=a, params={**look, "banks": "OTHER"}).json() == {}
